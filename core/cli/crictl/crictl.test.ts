import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CriError } from "../../agent/cri/types.ts";
import { runCrictl, runCrictlCommand } from "../crictl-command.ts";
import type { CrictlContext } from "./client.ts";
import { parseFlags, FlagError } from "./flags.ts";
import { humanDuration, humanSize, rfc3339Nano, tabwriter, yaml } from "./format.ts";
import { exitCodeOf } from "./exec.ts";

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const ns = (msAgo: number) => (NOW - msAgo) * 1e6;
const C1 = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
const C2 = "b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1";
const P1 = "f00df00df00df00df00df00df00df00df00df00df00df00df00df00df00df00d";
const BUSYBOX = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const UNUSED = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

function container(id: string, name: string, state: string, msAgo: number) {
  return { id, podSandboxId: P1, metadata: { name, attempt: 0 }, image: { image: BUSYBOX }, imageRef: BUSYBOX, state, createdAt: ns(msAgo),
    labels: { "io.kubernetes.pod.name": "web", "io.kubernetes.pod.namespace": "default" }, annotations: {} };
}

const PAUSE = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
const IMAGES = [
  { id: PAUSE, repoTags: ["lite.local/pause:3.10"], repoDigests: [], size: 300_000, pinned: false },
  { id: UNUSED, repoTags: ["docker.io/library/alpine:3.20"], repoDigests: ["docker.io/library/alpine@sha256:abcdefabcdefabcdefabcdef"], size: 3_623_000, pinned: false },
  { id: BUSYBOX, repoTags: ["docker.io/library/busybox:1.36"], repoDigests: [], size: 2_160_000, pinned: false },
];

type Handler = (req: any) => unknown;
function fake(handlers: Record<string, Handler>) {
  const calls: [string, any][] = [];
  let out = "";
  let err = "";
  const ctx: CrictlContext = {
    cri: {
      async call(_service, method, request) {
        calls.push([method, request]);
        const h = handlers[method];
        if (!h) throw new CriError(method, 12, `unknown method ${method}`);
        return h(request) as any;
      },
      close() {},
    },
    out: (t) => (out += typeof t === "string" ? t : Buffer.from(t).toString()),
    err: (t) => (err += typeof t === "string" ? t : Buffer.from(t).toString()),
    now: () => NOW,
    sleep: async () => {},
    stdoutIsTty: false,
  };
  return { ctx, calls, run: (cmd: string, ...args: string[]) => runCrictl(ctx, cmd, args), get out() { return out; }, get err() { return err; } };
}

let statsCalls = 0;
const runtime = () => fake({
  ListContainers: (r) => ({ containers: [container(C1, "app", "CONTAINER_RUNNING", 5 * 60_000), container(C2, "init", "CONTAINER_EXITED", 2 * 3_600_000)]
    .filter((c) => !r.filter?.state || c.state === r.filter.state.state).filter((c) => !r.filter?.id || c.id.startsWith(r.filter.id)) }),
  ListPodSandbox: () => ({ items: [{ id: P1, metadata: { name: "web", uid: "u1", namespace: "default", attempt: 0 }, state: "SANDBOX_READY", createdAt: ns(10_000), labels: {}, annotations: {}, runtimeHandler: "" }] }),
  ListImages: () => ({ images: structuredClone(IMAGES) }),
  PodSandboxStatus: () => ({ status: {}, info: { info: JSON.stringify({ image: "lite.local/pause:3.10" }) } }),
  Status: () => ({ status: { conditions: [] }, info: { config: JSON.stringify({ pinnedImages: { sandbox: "lite.local/pause:3.10" } }) }, runtimeHandlers: [] }),
  ImageStatus: (r) => ({ image: IMAGES.find((i) => i.id === r.image.image || i.repoTags.includes(r.image.image)), info: {} }),
  RemoveImage: () => ({}),
  ContainerStatus: (r) => {
    if (!r.containerId.startsWith("a1")) throw new CriError("ContainerStatus", 5, `an error occurred when try to find container "${r.containerId}": not found`);
    return { status: { ...container(C1, "app", "CONTAINER_RUNNING", 60_000), startedAt: ns(59_000), finishedAt: 0, exitCode: 0, reason: "", message: "", mounts: [], logPath: "/nope" },
      info: { info: '{"pid":42,"runtimeSpec":{}}' } };
  },
  ExecSync: (r) => ({ stdout: new TextEncoder().encode(r.cmd.join(" ") + "\n"), stderr: new Uint8Array(), exitCode: r.cmd[0] === "false" ? 1 : 0 }),
  ListContainerStats: () => ({ stats: [{ attributes: { id: C1, metadata: { name: "app", attempt: 0 }, labels: {}, annotations: {} },
    cpu: { timestamp: (statsCalls += 1e9), usageCoreNanoSeconds: { value: statsCalls / 4 } }, memory: { timestamp: 1, workingSetBytes: { value: 1_500_000 } } }] }),
});

describe("format", () => {
  test("tabwriter pads every cell but the last to max(20, width + 3)", () => {
    expect(tabwriter([["CONTAINER", "IMAGE", "NAME"], ["a1b2c3d4e5f60", "sha256:0123456789abcdef0123", "x"]]))
      .toBe("CONTAINER           IMAGE                         NAME\na1b2c3d4e5f60       sha256:0123456789abcdef0123   x\n");
  });
  test("go-units durations and sizes", () => {
    expect([500, 1000, 30_000, 61_000, 5 * 60_000, 3_600_000, 5 * 3_600_000, 72 * 3_600_000].map(humanDuration))
      .toEqual(["Less than a second", "1 second", "30 seconds", "About a minute", "5 minutes", "About an hour", "5 hours", "3 days"]);
    expect([0, 999, 2_160_000, 3_623_000, 1_234_567_890].map((s) => humanSize(s, 3))).toEqual(["0B", "999B", "2.16MB", "3.62MB", "1.23GB"]);
    expect(humanSize(1_500_000)).toBe("1.5MB");
  });
  test("RFC3339Nano drops trailing zeros", () => {
    expect(rfc3339Nano(Date.UTC(2026, 0, 2, 3, 4, 5) * 1e6 + 120_000_000)).toBe("2026-01-02T03:04:05.12Z");
    expect(rfc3339Nano(Date.UTC(2026, 0, 2, 3, 4, 5) * 1e6)).toBe("2026-01-02T03:04:05Z");
  });
  test("YAML like sigs.k8s.io/yaml: sorted keys, lists under their key", () => {
    expect(yaml({ b: [{ y: "1.5", x: "a b", z: "70ec41b6" }], a: "", c: {} })).toBe(`a: ""\nb:\n- x: a b\n  "y": "1.5"\n  z: 70ec41b6\nc: {}\n`);
  });
});

describe("flags", () => {
  const specs = [{ name: "all", short: "a", kind: "bool" as const }, { name: "quiet", short: "q", kind: "bool" as const },
    { name: "last", short: "n", kind: "int" as const }, { name: "label", kind: "list" as const }];
  test("combined shorts, =values, repeated lists", () => {
    const f = parseFlags(["-aq", "--last=3", "--label", "a=b", "--label=c=d", "x"], specs);
    expect([f.bool("all"), f.bool("quiet"), f.int("last"), f.list("label"), f.positionals]).toEqual([true, true, 3, ["a=b", "c=d"], ["x"]]);
  });
  test("exec stops at the first positional", () => {
    expect(parseFlags(["-i", "c1", "ls", "-l"], [{ name: "interactive", short: "i", kind: "bool" }], true).positionals).toEqual(["c1", "ls", "-l"]);
  });
  test("unknown flags and bad values are FlagErrors", () => {
    expect(() => parseFlags(["--bogus"], specs)).toThrow(FlagError);
    expect(() => parseFlags(["-n", "x"], specs)).toThrow("must be an integer");
  });
});

describe("commands against a fake CRI", () => {
  test("ps: running containers, crictl's columns, newest first", async () => {
    const f = runtime();
    expect(await f.run("ps")).toBe(0);
    expect(f.out.split("\n")[0]).toBe("CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID              POD                 NAMESPACE");
    expect(f.out.split("\n")[1]).toBe("a1b2c3d4e5f60       1111111111111       5 minutes ago       Running             app                 0                   f00df00df00df       web                 default");
    expect(f.out.trim().split("\n")).toHaveLength(2);
  });
  test("ps -a -q --name, -o json (protojson: int64 as strings)", async () => {
    const f = runtime();
    expect(await f.run("ps", "-aq", "--name", "^in")).toBe(0);
    expect(f.out).toBe(`${C2}\n`);
    const g = runtime();
    expect(await g.run("ps", "-a", "-o", "json")).toBe(0);
    const body = JSON.parse(g.out);
    expect(body.containers.map((c: { id: string }) => c.id)).toEqual([C1, C2]);
    expect(typeof body.containers[0].createdAt).toBe("string");
    expect(Object.keys(body.containers[0]).slice(0, 3)).toEqual(["id", "podSandboxId", "metadata"]);
  });
  test("ps --latest, --state validation, --no-trunc", async () => {
    const f = runtime();
    expect(await f.run("ps", "-l", "-q")).toBe(0);
    expect(f.out).toBe(`${C1}\n`);
    const g = runtime();
    expect(await g.run("ps", "--state", "sleeping")).toBe(2);
    expect(g.err).toBe("lite crictl ps: --state should be one of created, running, exited or unknown (see lite crictl ps --help)\n");
    const h = runtime();
    await h.run("ps", "--no-trunc");
    expect(h.out).toContain(C1);
    expect(h.out).toContain(BUSYBOX);
  });
  test("pods table", async () => {
    const f = runtime();
    expect(await f.run("pods")).toBe(0);
    expect(f.out).toBe("POD ID              CREATED             STATE               NAME                NAMESPACE           ATTEMPT             RUNTIME\n"
      + "f00df00df00df       10 seconds ago      Ready               web                 default             0                   (default)\n");
  });
  test("images: tags, --digests, -q", async () => {
    const f = runtime();
    expect(await f.run("images", "--digests")).toBe(0);
    expect(f.out.split("\n").slice(0, 3)).toEqual([
      "IMAGE                       TAG                 DIGEST              IMAGE ID            SIZE",
      "docker.io/library/alpine    3.20                abcdefabcdefa       2222222222222       3.62MB",
      "docker.io/library/busybox   1.36                <none>              1111111111111       2.16MB",
    ]);
    const g = runtime();
    await g.run("images", "-q");
    expect(g.out).toBe(`${UNUSED}\n${BUSYBOX}\n${PAUSE}\n`);
  });
  test("inspect: sorted keys, RFC 3339 times, verbose info parsed; not found exits 1", async () => {
    const f = runtime();
    expect(await f.run("inspect", "a1b2")).toBe(0);
    const body = JSON.parse(f.out);
    expect(Object.keys(body)).toEqual(["info", "status"]);
    expect(body.info.pid).toBe(42);
    expect(body.status.createdAt).toMatch(/^2026-11-29T11:59:00(\.\d+)?Z$/);
    expect(body.status.finishedAt).toBe("0001-01-01T00:00:00Z");
    const g = runtime();
    expect(await g.run("inspect", "zzz")).toBe(1);
    expect(g.err).toContain('rpc error: code = NotFound desc = an error occurred when try to find container "zzz": not found');
  });
  test("rmi --prune removes only images no container uses, and never the sandboxes' pause image", async () => {
    const f = runtime();
    expect(await f.run("rmi", "--prune")).toBe(0);
    expect(f.calls.filter(([m]) => m === "RemoveImage").map(([, r]) => r.image.image)).toEqual([UNUSED]);
    expect(f.out).toBe("Deleted: docker.io/library/alpine:3.20\n");
  });
  test("exec -s prints stdout and stderr like crictl; exit codes propagate", async () => {
    const f = runtime();
    expect(await f.run("exec", "-s", C1, "echo", "hi")).toBe(0);
    expect(f.out).toBe("echo hi\n\n\n");
    const g = runtime();
    expect(await g.run("exec", "-s", C1, "false")).toBe(1);
    expect(await g.run("exec", C1)).toBe(2);
    expect(exitCodeOf("")).toEqual({ code: 0 });
    expect(exitCodeOf(JSON.stringify({ metadata: {}, status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "7" }] } })).code).toBe(7);
  });
  test("stats -o json has cpu and memory; table computes CPU %", async () => {
    const f = runtime();
    expect(await f.run("stats", "--id", C1, "-o", "json")).toBe(0);
    const s = JSON.parse(f.out).stats[0];
    expect(Number(s.cpu.usageCoreNanoSeconds.value)).toBeGreaterThan(0);
    expect(s.memory.workingSetBytes.value).toBe("1500000");
    const g = runtime();
    expect(await g.run("stats")).toBe(0);
    expect(g.out.split("\n")[1]).toBe("a1b2c3d4e5f60       app                 25.00               1.5MB               0B                  0                   0B");
  });
  test("logs: streams split, partial lines joined, --tail and --timestamps", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crictl-logs-"));
    const path = join(dir, "0.log");
    writeFileSync(path, "2026-11-29T11:00:00.1Z stdout F one\n2026-11-29T11:00:01.2Z stderr F oops\n2026-11-29T11:00:02.3Z stdout P tw\n2026-11-29T11:00:02.4Z stdout F o\n");
    const f = fake({ ContainerStatus: () => ({ status: { id: C1, metadata: { name: "app", attempt: 0 }, state: "CONTAINER_EXITED", logPath: path } }) });
    expect(await f.run("logs", C1)).toBe(0);
    expect([f.out, f.err]).toEqual(["one\ntwo\n", "oops\n"]);
    const g = fake({ ContainerStatus: () => ({ status: { id: C1, metadata: { name: "app", attempt: 0 }, state: "CONTAINER_EXITED", logPath: path } }) });
    expect(await g.run("logs", "--tail", "1", "-t", C1)).toBe(0);
    expect(g.out).toBe("2026-11-29T11:00:02.4Z o\n");
    const h = fake({ ContainerStatus: () => ({ status: { id: C1, metadata: { name: "app", attempt: 0 }, state: "CONTAINER_EXITED", logPath: path } }) });
    expect(await h.run("logs", "-p", C1)).toBe(1);
    expect(h.err).toBe("lite crictl logs: previous terminated container app not found\n");
  });
  test("unknown commands and flags: one line, exit 2", async () => {
    const f = runtime();
    expect(await f.run("frobnicate")).toBe(2);
    expect(await f.run("ps", "--bogus")).toBe(2);
    expect(f.err).toBe('lite crictl: unknown command "frobnicate" (see lite crictl --help)\nlite crictl ps: flag provided but not defined: --bogus (see lite crictl ps --help)\n');
  });
  test("through runCrictlCommand: usage errors need no running lite (2); a missing lite is a runtime error (1)", async () => {
    const lines: string[] = [];
    const io = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
    const stderr = process.stderr.write;
    process.stderr.write = ((t: string) => (lines.push(String(t).trimEnd()), true)) as typeof process.stderr.write;
    try {
      expect(await runCrictlCommand(["-d", "/nonexistent-lite", "ps", "--bogus"], io)).toBe(2);
      expect(await runCrictlCommand(["-d", "/nonexistent-lite", "ps"], io)).toBe(1);
      expect(await runCrictlCommand(["-d", "/nonexistent-lite"], io)).toBe(2);
    } finally {
      process.stderr.write = stderr;
    }
    expect(lines[0]).toBe("lite crictl ps: flag provided but not defined: --bogus (see lite crictl ps --help)");
    expect(lines[1]).toStartWith("lite crictl ps: lite's containerd is not running");
    expect(lines[2]).toStartWith("lite crictl - crictl for lite's containerd");
  });
});
