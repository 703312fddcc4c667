import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type AddressInfo } from "node:net";
import { CriError, GrpcCode, type CriClient } from "../../cri/types.ts";
import type { ContainerSpec, Pod } from "../pod-types.ts";
import { runHandler, type HookTarget } from "./handlers.ts";
import { createHookRunner, remainingGraceSeconds } from "./hook-runner.ts";

const text = (s: string) => new TextEncoder().encode(s);
const hits: { path: string; ua: string | null }[] = [];
let server: ReturnType<typeof Bun.serve>;

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch(req) {
      const url = new URL(req.url);
      hits.push({ path: url.pathname, ua: req.headers.get("user-agent") });
      return new Response("whatever", { status: url.pathname === "/broken" ? 500 : 200 });
    },
  });
});
afterAll(() => server.stop(true));

const container: ContainerSpec = { name: "app", ports: [{ name: "web", containerPort: 0 }] };
const pod: Pod = { metadata: { name: "web", namespace: "default", uid: "u1" }, spec: { containers: [container] } };
const target = (over: Partial<HookTarget> = {}): HookTarget => ({ pod, container, containerId: "c1", startedAt: 0, podIP: "127.0.0.1", ...over });

function fakeCri(result: { exitCode: number; stdout?: string; stderr?: string } | Error) {
  const calls: [string, string[], number][] = [];
  const cri = {
    execSync: async (id: string, cmd: string[], timeout: number) => {
      calls.push([id, cmd, timeout]);
      if (result instanceof Error) throw result;
      return { stdout: text(result.stdout ?? ""), stderr: text(result.stderr ?? ""), exitCode: result.exitCode };
    },
  } as unknown as CriClient;
  return { cri, calls };
}

describe("lifecycle handlers", () => {
  test("exec: exit 0 succeeds; a failure carries upstream's message", async () => {
    const ok = fakeCri({ exitCode: 0 });
    expect(await runHandler({ exec: { command: ["sh", "-c", "echo hi"] } }, target(), { cri: ok.cri })).toEqual({ ok: true, message: "" });
    expect(ok.calls).toEqual([["c1", ["sh", "-c", "echo hi"], 0]]);
    const bad = fakeCri({ exitCode: 2, stdout: "out\n", stderr: "boom\n" });
    expect(await runHandler({ exec: { command: ["sh", "-c", "exit 2"] } }, target(), { cri: bad.cri }, 30)).toEqual({
      ok: false,
      message: 'Exec lifecycle hook ([sh -c exit 2]) for Container "app" in Pod "web_default(u1)" failed - error: command \'sh -c exit 2\' exited with 2: boom\n, message: "out\\nboom\\n"',
    });
    expect(bad.calls[0]![2]).toBe(30);
    const gone = fakeCri(new CriError("ExecSync", GrpcCode.NOT_FOUND, "container not found"));
    expect((await runHandler({ exec: { command: ["true"] } }, target(), { cri: gone.cri })).message).toBe(
      'Exec lifecycle hook ([true]) for Container "app" in Pod "web_default(u1)" failed - error: rpc error: code = NotFound desc = container not found, message: ""',
    );
  });

  test("httpGet: any HTTP response succeeds; the pod IP and named ports are used", async () => {
    const { cri } = fakeCri({ exitCode: 0 });
    const named: ContainerSpec = { name: "app", ports: [{ name: "web", containerPort: server.port! }] };
    hits.length = 0;
    expect(await runHandler({ httpGet: { port: "web", path: "/start" } }, target({ container: named }), { cri })).toEqual({ ok: true, message: "" });
    expect(await runHandler({ httpGet: { port: server.port!, path: "/broken" } }, target(), { cri })).toEqual({ ok: true, message: "" });
    expect(hits).toEqual([{ path: "/start", ua: "kube-lifecycle/1.32" }, { path: "/broken", ua: "kube-lifecycle/1.32" }]);
  });

  test("httpGet: a transport failure fails with upstream's message", async () => {
    const { cri } = fakeCri({ exitCode: 0 });
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    expect(await runHandler({ httpGet: { port, path: "/stop" } }, target(), { cri })).toEqual({
      ok: false,
      message: `HTTP lifecycle hook (/stop) for Container "app" in Pod "web_default(u1)" failed - error: Get "http://127.0.0.1:${port}/stop": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
    expect((await runHandler({ httpGet: { port: 80, path: "/" } }, target({ podIP: undefined }), { cri })).ok).toBe(false);
  });

  test("httpGet over HTTPS answered in plain HTTP falls back to HTTP with an event", async () => {
    const { cri } = fakeCri({ exitCode: 0 });
    const events: unknown[][] = [];
    hits.length = 0;
    const out = await runHandler({ httpGet: { port: server.port!, path: "/tls", scheme: "HTTPS", httpHeaders: [{ name: "Authorization", value: "Bearer x" }] } }, target(), {
      cri, recordEvent: (_pod, type, reason, message) => { events.push([type, reason, message]); },
    });
    expect(out).toEqual({ ok: true, message: "" });
    expect(hits.map((h) => h.path)).toEqual(["/tls"]);
    expect(events).toEqual([["Warning", "LifecycleHTTPFallback", `request to HTTPS lifecycle hook 127.0.0.1:${server.port} got HTTP response, retry with HTTP succeeded`]]);
  });

  test("sleep waits, and fails when cut short", async () => {
    const { cri } = fakeCri({ exitCode: 0 });
    const started = Date.now();
    expect(await runHandler({ sleep: { seconds: 1 } }, target(), { cri })).toEqual({ ok: true, message: "" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    expect(await runHandler({ sleep: { seconds: 30 } }, target(), { cri, signal: abort.signal })).toEqual({
      ok: false, message: 'Sleep lifecycle hook (30) for Container "app" in Pod "web_default(u1)" failed - error: container terminated before sleep hook finished',
    });
  });

  test("tcpSocket is not a hook action", async () => {
    const { cri } = fakeCri({ exitCode: 0 });
    const out = await runHandler({ tcpSocket: { port: 80 } }, target(), { cri });
    expect(out.ok).toBe(false);
    expect(out.message).toStartWith("Cannot run handler: invalid handler: ");
  });
});

describe("hook runner", () => {
  test("runs the container's postStart or preStop, and nothing when there is none", async () => {
    const { cri, calls } = fakeCri({ exitCode: 0 });
    const hooks = createHookRunner({ cri });
    const c: ContainerSpec = { name: "app", lifecycle: { postStart: { exec: { command: ["post"] } }, preStop: { sleep: { seconds: 5 } } } };
    expect(await hooks.run("postStart", pod, c, { containerId: "c9", startedAt: 0 }, 0)).toEqual({ ok: true, message: "" });
    expect(calls).toEqual([["c9", ["post"], 0]]);
    expect(await hooks.run("preStop", pod, { name: "plain" }, { containerId: "c9", startedAt: 0 }, 30)).toEqual({ ok: true, message: "" });
    const started = Date.now();
    const cut = await hooks.run("preStop", pod, c, { containerId: "c9", startedAt: 0 }, 1); // the 5 s sleep ends with the 1 s bound
    expect(cut.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test("grace left after a preStop hook: whole seconds off, at least 2", () => {
    expect(remainingGraceSeconds(30, 4_900)).toBe(26);
    expect(remainingGraceSeconds(30, 29_000)).toBe(2);
    expect(remainingGraceSeconds(0, 0)).toBe(2);
  });
});
