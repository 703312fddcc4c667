/**
 * The kubelet's streaming end to end, through the compiled binary and real kubectl: logs (follow,
 * tail, since, timestamps, containers, selectors), exec (exit codes, stdin and EOF, a pseudo-
 * terminal), attach, cp, port-forward (two ports, concurrent connections, 1 MB intact), the same
 * exec and logs from @kubernetes/client-node, and an image pull with credentials from a real
 * registry on loopback (Debian's docker-registry with htpasswd auth, the image pushed by skopeo).
 *
 * One server (node IP 127.0.0.1, kubelet API on an OS-assigned port); independent cases run
 * concurrently, each in its own namespace. Pods use busybox with imagePullPolicy IfNotPresent.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { PassThrough, Readable } from "node:stream";
import type { Subprocess } from "bun";
import type { ApiClient } from "@lite/sdk";
import { agentPaths, podLogDirectory } from "../core/agent/paths.ts";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, KUBECTL_DIR, kubectlStream, ok, within } from "./harness/kube.ts";
import { adminClient, busyboxPod, containerStatus, freeLoopbackPort, isRunningReady, waitForPod } from "./harness/pods.ts";
import { loadClientNode } from "./harness/client-node-tls.ts";

setDefaultTimeout(120_000);

let server: LiteServer;
let client: ApiClient;
let work: string;

const k = (ns: string, args: string[], stdin?: string) => kubectl(server, ["-n", ns, ...args], { stdin, timeoutMs: 60_000 });
const create = async (ns: string, ...manifests: string[]) => { for (const m of manifests) ok(await k(ns, ["create", "-f", "-"], m)); };
const running = (ns: string, name: string, ms = 75_000) => waitForPod(client, ns, name, "Running and Ready", isRunningReady, ms);
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");
const kubectlEnv = () => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: server.dataDir, KUBECONFIG: server.kubeconfig, KUBECACHEDIR: `${server.dataDir}/kube-cache` });

/** A process whose stdin the test writes and whose stdout it watches (kubectl attach, script around kubectl -it). */
function interactive(argv: string[]): { proc: Subprocess<"pipe", "pipe", "pipe">; out(): string; err(): string; waitFor(re: RegExp, ms?: number): Promise<void> } {
  const proc = Bun.spawn(argv, { env: kubectlEnv(), stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  let out = "";
  let err = "";
  void (async () => { const d = new TextDecoder(); for await (const c of proc.stdout) out += d.decode(c, { stream: true }); })();
  void (async () => { const d = new TextDecoder(); for await (const c of proc.stderr) err += d.decode(c, { stream: true }); })();
  return {
    proc, out: () => out, err: () => err,
    waitFor: (re, ms = 15_000) => within(ms, async () => (re.test(out) ? true : undefined)).then(() => {}, () => { throw new Error(`no ${re} in output: ${JSON.stringify(out)}; stderr: ${err}`); }),
  };
}

beforeAll(async () => {
  work = mkdtempSync(`${tmpdir()}/lite-streams-`);
  server = await startServer([
    "--node-ip", "127.0.0.1", "--kubelet-arg", "port=0", "--private-registry", `${work}/registries.yaml`,
    // Small enough for the rotation case to cross; the other cases log far less.
    "--kubelet-arg", "container-log-max-size=64Ki", "--kubelet-arg", "container-log-max-files=3",
  ], {}, { agent: true });
  client = adminClient(server);
});

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.concurrent("kubelet streaming: logs, exec, attach, cp, port-forward (dist/lite + kubectl)", () => {
  test("[sig-node] Kubelet when scheduling a busybox command in a pod should print the output to logs [NodeConformance] [Conformance]: --tail, --since, --since-time, --timestamps, -c, --all-containers, -l; upstream errors", async () => {
    const ns = await freshNamespace(server, "logs");
    await create(ns, busyboxPod("two", {
      containers: [
        { name: "a", command: ["sh", "-c", "for i in 1 2 3 4 5; do echo a$i; done; echo early; sleep 6; echo late; exec sleep 3600"] },
        { name: "b", command: ["sh", "-c", "echo b1; exec sleep 3600"] },
      ],
    }, { labels: { app: "x" } }));
    await running(ns, "two");
    const logs = (...args: string[]) => k(ns, ["logs", "two", ...args]).then(ok);
    await within(20_000, async () => ((await logs("-c", "a")).includes("late") ? true : undefined), 250);
    expect(await logs("-c", "a")).toBe("a1\na2\na3\na4\na5\nearly\nlate\n");
    expect(await logs("-c", "b")).toBe("b1\n");
    expect(await logs("-c", "a", "--tail=2")).toBe("early\nlate\n");
    expect(await logs("-c", "a", "--since=1h")).toBe("a1\na2\na3\na4\na5\nearly\nlate\n");

    // --timestamps: RFC3339Nano and a space before each line; the 6 s gap separates early from late.
    const stamped = (await logs("-c", "a", "--timestamps")).trim().split("\n");
    expect(stamped).toHaveLength(7);
    for (const line of stamped) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (a\d|early|late)$/);
    const early = Date.parse(stamped[5]!.split(" ")[0]!);
    const late = Date.parse(stamped[6]!.split(" ")[0]!);
    expect(late - early).toBeGreaterThan(5_000);
    // --since-time between the two (whole seconds, as the API's sinceTime).
    const between = new Date(Math.floor(early / 1000) * 1000 + 2_000).toISOString().replace(/\.\d+Z$/, "Z");
    expect(await logs("-c", "a", `--since-time=${between}`)).toBe("late\n");
    // --since=Ns whose cut-off falls between early and late when kubectl's request arrives within 3 s
    // (asked again, with a fresh N, when a loaded machine made it slower).
    let since = "";
    for (let attempt = 0; attempt < 3 && since !== "late\n"; attempt++) {
      const asked = Date.now();
      since = await logs("-c", "a", `--since=${Math.ceil((asked - late) / 1000) + 3}s`);
      if (Date.now() - asked < 3_000) break; // fast enough: the answer must be right
    }
    expect(since, "--since=Ns").toBe("late\n");

    // kubectl prints the containers in Go map order (sequentialConsumeRequest), so either may come first.
    expect(["a1\na2\na3\na4\na5\nearly\nlate\nb1\n", "b1\na1\na2\na3\na4\na5\nearly\nlate\n"]).toContain(await logs("--all-containers"));
    const byLabel = ok(await k(ns, ["logs", "-l", "app=x", "--all-containers", "--prefix"]));
    expect(byLabel).toContain("[pod/two/a] late\n");
    expect(byLabel).toContain("[pod/two/b] b1\n");
    // Without -c, kubectl picks the first container and says so.
    const defaulted = await k(ns, ["logs", "two"]);
    expect(defaulted.stdout).toBe("a1\na2\na3\na4\na5\nearly\nlate\n");
    expect(defaulted.stderr).toContain(`Defaulted container "a" out of: a, b`);

    // Errors: the API server's text for an unknown container, the kubelet's for one waiting to start.
    const missing = await k(ns, ["get", "--raw", `/api/v1/namespaces/${ns}/pods/two/log?container=zz`]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("container zz is not valid for pod two");
    expect((await k(ns, ["logs", "two", "-c", "zz"])).stderr).toContain("container zz is not valid for pod two");
    await create(ns, busyboxPod("pending", { containers: [{ name: "c", image: "127.0.0.1:1/nope:1", imagePullPolicy: "Always" }] }));
    await waitForPod(client, ns, "pending", "failing to pull", (p) => ["ErrImagePull", "ImagePullBackOff"].includes(containerStatus(p, "c")?.state.waiting?.reason ?? ""));
    const waiting = await k(ns, ["logs", "pending"]);
    expect(waiting.code).not.toBe(0);
    expect(waiting.stderr).toMatch(/container "c" in pod "pending" is waiting to start: (image can't be pulled|trying and failing to pull image)/);
  });

  test("[sig-node] Pods should support retrieving logs from the container over websockets: `logs -f` streams new lines and ends when the container exits", async () => {
    const ns = await freshNamespace(server, "follow");
    await create(ns, busyboxPod("f", {
      restartPolicy: "Never",
      containers: [{ name: "c", command: ["sh", "-c", "echo started; i=0; while [ $i -lt 3 ]; do if [ -f /tmp/go$i ]; then echo tick-$i; i=$((i+1)); fi; sleep 0.1; done; echo bye"] }],
    }));
    await running(ns, "f");
    const follow = kubectlStream(server, ["-n", ns, "logs", "-f", "f"]);
    try {
      await follow.waitFor(/started\n/);
      for (let i = 0; i < 3; i++) {
        expect(follow.output()).not.toContain(`tick-${i}`);
        ok(await k(ns, ["exec", "f", "--", "touch", `/tmp/go${i}`]));
        await follow.waitFor(new RegExp(`tick-${i}\\n`));
      }
      const code = await Promise.race([follow.proc.exited, Bun.sleep(15_000).then(() => "still running")]);
      expect(code).toBe(0);
      expect(follow.output()).toBe("started\ntick-0\ntick-1\ntick-2\nbye\n");
    } finally {
      if (follow.proc.exitCode === null) await follow.stop();
    }
  });

  test("[sig-node] Pods should support remote command execution over websockets [NodeConformance] [Conformance]: output, exit codes, stdin with EOF, a tty, attach", async () => {
    const ns = await freshNamespace(server, "exec");
    await create(ns,
      busyboxPod("p", { containers: [{ name: "c", command: ["sleep", "3600"] }] }),
      busyboxPod("att", { containers: [{ name: "c", stdin: true, command: ["sh", "-c", "while read l; do echo \"got:$l\"; done"] }] }),
    );
    await running(ns, "p");
    expect(ok(await k(ns, ["exec", "p", "--", "sh", "-c", "echo out; echo err >&2"]))).toBe("out\n");
    const both = await k(ns, ["exec", "p", "--", "sh", "-c", "echo out; echo err >&2"]);
    // kubectl may log that it dropped the server's empty "ready" message (client-go reads before its streams exist).
    expect(both.stderr.split("\n").filter((l) => !/Unknown stream id \d+, discarding message/.test(l)).join("\n")).toBe("err\n");

    const failed = await k(ns, ["exec", "p", "--", "sh", "-c", "exit 3"]);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain("command terminated with exit code 3");
    const notFound = await k(ns, ["exec", "p", "--", "/no/such/binary"]);
    expect(notFound.code).not.toBe(0);
    expect(notFound.stderr).toMatch(/no such file or directory|not found/);

    // stdin: the command sees EOF when kubectl's stdin ends (WebSocket v5 close), then finishes.
    expect(ok(await k(ns, ["exec", "-i", "p", "--", "sh", "-c", "cat; echo END"], "line1\nline2\n"))).toBe("line1\nline2\nEND\n");
    const big = randomBytes(300_000).toString("base64");
    expect(ok(await k(ns, ["exec", "-i", "p", "--", "sha256sum"], big)).split(" ")[0]).toBe(sha256(big));

    // Without -t there is no terminal; with -it (kubectl under `script`, which gives it a pty) there is.
    expect((await k(ns, ["exec", "p", "--", "tty"])).stdout).toBe("not a tty\n");
    const tty = interactive(["script", "-qec", `kubectl -n ${ns} exec -it p -- sh`, "/dev/null"]);
    try {
      tty.proc.stdin.write("tty; echo answer=$((6*7))\n");
      await tty.waitFor(/answer=42/);
      expect(tty.out()).toMatch(/\/dev\/pts\/\d+/);
      tty.proc.stdin.write("exit 5\n");
      tty.proc.stdin.end();
      expect(await Promise.race([tty.proc.exited, Bun.sleep(15_000).then(() => "still running")])).toBe(5);
    } finally {
      if (tty.proc.exitCode === null) tty.proc.kill();
    }

    // attach to a container started with stdin: true.
    await running(ns, "att");
    const attach = interactive(["kubectl", "-n", ns, "attach", "-i", "att"]);
    try {
      await Bun.sleep(500);
      attach.proc.stdin.write("hello-attach\n");
      await attach.waitFor(/got:hello-attach/);
      attach.proc.stdin.end();
      expect(await Promise.race([attach.proc.exited, Bun.sleep(15_000).then(() => "still running")])).toBe(0);
    } finally {
      if (attach.proc.exitCode === null) attach.proc.kill();
    }
    expect(ok(await k(ns, ["logs", "att"]))).toContain("got:hello-attach\n");
  });

  test("kubectl cp both ways, a directory tree with a binary file", async () => {
    const ns = await freshNamespace(server, "cp");
    await create(ns, busyboxPod("p", { containers: [{ name: "c", command: ["sleep", "3600"] }] }));
    await running(ns, "p");
    const src = `${work}/cp-src-${ns}`;
    mkdirSync(`${src}/sub/deeper`, { recursive: true });
    const blob = randomBytes(200_000);
    writeFileSync(`${src}/a.txt`, "alpha\n");
    writeFileSync(`${src}/sub/b.txt`, "beta\n");
    writeFileSync(`${src}/sub/deeper/blob.bin`, blob);
    ok(await k(ns, ["cp", src, "p:/tmp/copied"]));
    expect(ok(await k(ns, ["exec", "p", "--", "sh", "-c", "cd /tmp/copied && find . -type f | sort && cat a.txt sub/b.txt && sha256sum sub/deeper/blob.bin"])))
      .toBe(`./a.txt\n./sub/b.txt\n./sub/deeper/blob.bin\nalpha\nbeta\n${sha256(blob)}  sub/deeper/blob.bin\n`);

    ok(await k(ns, ["exec", "p", "--", "sh", "-c", "mkdir -p /tmp/made/x && echo from-pod > /tmp/made/x/f.txt && head -c 100000 /dev/urandom > /tmp/made/r.bin"]));
    const back = `${work}/cp-back-${ns}`;
    ok(await k(ns, ["cp", "p:/tmp/made", back]));
    expect(readFileSync(`${back}/x/f.txt`, "utf8")).toBe("from-pod\n");
    const remoteHash = ok(await k(ns, ["exec", "p", "--", "sha256sum", "/tmp/made/r.bin"])).split(" ")[0]!;
    expect(sha256(readFileSync(`${back}/r.bin`))).toBe(remoteHash);
    ok(await k(ns, ["cp", "p:/tmp/made/x/f.txt", `${work}/single-${ns}.txt`]));
    expect(readFileSync(`${work}/single-${ns}.txt`, "utf8")).toBe("from-pod\n");
  });

  test("kubectl port-forward: two local ports, concurrent connections, a 1 MB response intact", async () => {
    const ns = await freshNamespace(server, "pf");
    await create(ns, busyboxPod("web", {
      containers: [{ name: "c", command: ["sh", "-c", "mkdir /w1 /w2; echo one > /w1/index.html; head -c 1048576 /dev/urandom > /w1/big; echo two > /w2/index.html; httpd -p 8080 -h /w1; httpd -p 8081 -h /w2; exec sleep 3600"],
        readinessProbe: { tcpSocket: { port: 8081 }, periodSeconds: 1 } }],
    }));
    await running(ns, "web");
    const bigHash = ok(await k(ns, ["exec", "web", "--", "sha256sum", "/w1/big"])).split(" ")[0]!;
    const pf = kubectlStream(server, ["-n", ns, "port-forward", "pod/web", ":8080", ":8081"]);
    try {
      await pf.waitFor(/127\.0\.0\.1:\d+ -> 8081/);
      const portOf = (remote: number) => Number(new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${remote}`).exec(pf.output())![1]);
      const [p1, p2] = [portOf(8080), portOf(8081)];
      expect(p1).not.toBe(p2);
      expect(await (await fetch(`http://127.0.0.1:${p1}/`)).text()).toBe("one\n");
      expect(await (await fetch(`http://127.0.0.1:${p2}/`)).text()).toBe("two\n");
      const bodies = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
        const port = i % 2 ? p2 : p1;
        const res = await fetch(`http://127.0.0.1:${port}/${i % 2 ? "index.html" : "big"}`, { headers: { connection: "close" } });
        return { port, body: new Uint8Array(await res.arrayBuffer()) };
      }));
      for (const { port, body } of bodies) {
        if (port === p1) { expect(body.length).toBe(1048576); expect(sha256(body)).toBe(bigHash); }
        else expect(new TextDecoder().decode(body)).toBe("two\n");
      }
      expect(pf.output()).toContain("Handling connection for");
    } finally {
      await pf.stop();
    }
  });

  test("SPDY clients (kubectl 1.29, and 1.32 with the WebSocket fallbacks switched off): exec with stdin and exit codes, port-forward", async () => {
    const ns = await freshNamespace(server, "spdy");
    await create(ns, busyboxPod("p", {
      containers: [{ name: "c", command: ["sh", "-c", "mkdir /w; echo via-spdy > /w/index.html; httpd -p 8080 -h /w; exec sleep 3600"], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }],
    }));
    await running(ns, "p");
    const old = `${KUBECTL_DIR}/kubectl.1.29`;
    const spdyOnly = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false", KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" };
    for (const [binary, env] of [[old, {}], ["kubectl", spdyOnly]] as const) {
      const run = (args: string[], stdin?: string) => kubectl(server, ["-n", ns, ...args], { stdin, binary, env, timeoutMs: 60_000 });
      expect(ok(await run(["exec", "p", "--", "sh", "-c", "echo out; echo err >&2"]))).toBe("out\n");
      const failed = await run(["exec", "p", "--", "sh", "-c", "exit 7"]);
      expect(failed.code).toBe(7);
      expect(failed.stderr).toContain("command terminated with exit code 7");
      // stdin reaches the process and its end (SPDY FIN) ends it.
      expect(ok(await run(["exec", "-i", "p", "--", "sh", "-c", "wc -c"], "x".repeat(100_000)))).toBe("100000\n");
    }
    const pf = kubectlStream(server, ["-n", ns, "port-forward", "pod/p", ":8080"], `${KUBECTL_DIR}/kubectl.1.29`);
    try {
      await pf.waitFor(/127\.0\.0\.1:\d+ -> 8080/);
      const port = Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(pf.output())![1]);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("via-spdy\n");
    } finally {
      await pf.stop();
    }
  });

  test("@kubernetes/client-node: Exec (WebSocket) and Log against the same server", async () => {
    const ns = await freshNamespace(server, "cn");
    await create(ns, busyboxPod("p", { containers: [{ name: "c", command: ["sh", "-c", "echo hello-from-log; exec sleep 3600"] }] }));
    await running(ns, "p");
    const { Exec, KubeConfig, Log } = await loadClientNode();
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfig);

    const collect = () => { const s = new PassThrough(); const chunks: Buffer[] = []; s.on("data", (c) => chunks.push(Buffer.from(c))); return { s, text: () => Buffer.concat(chunks).toString() }; };
    const run = async (command: string[], stdin?: string) => {
      const out = collect();
      const err = collect();
      const status = await new Promise<{ status?: string; details?: { causes?: { reason?: string; message?: string }[] } }>((resolve, reject) => {
        new Exec(kc).exec(ns, "p", "c", command, out.s, err.s, stdin === undefined ? null : Readable.from([stdin]), false, (st) => resolve(st as never)).catch(reject);
        setTimeout(() => reject(new Error(`exec ${command.join(" ")}: no status; stdout ${out.text()} stderr ${err.text()}`)), 20_000);
      });
      await Bun.sleep(50);
      return { status, stdout: out.text(), stderr: err.text() };
    };
    const hello = await run(["sh", "-c", "echo hi-out; echo hi-err >&2"]);
    expect(hello.status.status).toBe("Success");
    expect(hello.stdout).toBe("hi-out\n");
    expect(hello.stderr).toBe("hi-err\n");
    const failed = await run(["sh", "-c", "exit 7"]);
    expect(failed.status.status).toBe("Failure");
    expect(failed.status.details?.causes).toContainEqual({ reason: "ExitCode", message: "7" });

    const logOut = collect();
    await new Log(kc).log(ns, "p", "c", logOut.s, { follow: false, tailLines: 5 });
    await within(10_000, async () => (logOut.text().includes("\n") ? true : undefined));
    expect(logOut.text()).toBe("hello-from-log\n");
  });

  test("container logs past --kubelet-arg container-log-max-size are rotated; kubectl logs keeps reading the current file", async () => {
    const ns = await freshNamespace(server, "logrot");
    await create(ns, busyboxPod("chatty", { containers: [{ name: "c", command: ["sh", "-c", "head -c 299700 /dev/zero | tr '\\0' x | fold -w 999; echo; sleep 25; echo marker-after-rotation; exec sleep 3600"] }] }));
    const pod = await running(ns, "chatty");
    const dir = `${podLogDirectory(agentPaths(server.dataDir), ns, "chatty", pod.metadata.uid!)}/c`;
    const isRotated = (f: string) => /^0\.log\.\d{8}-\d{6}(\.gz)?$/.test(f);
    await within(30_000, async () => (readdirSync(dir).some(isRotated) ? true : undefined), 500);
    await within(40_000, async () => ((await k(ns, ["logs", "chatty"]).then(ok)).includes("marker-after-rotation") ? true : undefined), 500);
    // Every line is in exactly one file: the rotated ones (the older gzip-compressed) or the current one.
    const files = readdirSync(dir).filter((f) => isRotated(f) || f === "0.log");
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(files.length).toBeLessThanOrEqual(3); // container-log-max-files=3
    const text = (f: string) => { const raw = readFileSync(`${dir}/${f}`); return (f.endsWith(".gz") ? Buffer.from(Bun.gunzipSync(raw)) : raw).toString(); };
    const xLines = files.flatMap((f) => text(f).split("\n")).filter((l) => l.endsWith("x".repeat(999)));
    expect(xLines).toHaveLength(300);
    // kubectl logs reads the current file only: it ends with what came after the rotation, and holds
    // fewer lines than were written.
    const current = ok(await k(ns, ["logs", "chatty"]));
    expect(current).toEndWith("marker-after-rotation\n");
    expect(current.split("\n").filter((l) => l === "x".repeat(999)).length).toBeLessThan(300);
  });

  test("kubelet API: a service-account bearer token is authenticated by TokenReview and authorized as nodes/proxy (401 without, 403 before the grant, 200 after)", async () => {
    const ns = await freshNamespace(server, "kapi");
    ok(await k(ns, ["create", "serviceaccount", "reader"]));
    const token = ok(await k(ns, ["create", "token", "reader"])).trim();
    const node = JSON.parse(ok(await kubectl(server, ["get", "nodes", "-o", "json"]))).items[0];
    const port = node.status.daemonEndpoints.kubeletEndpoint.Port as number;
    const pods = (auth?: string) => fetch(`https://127.0.0.1:${port}/pods`, { headers: auth ? { authorization: `Bearer ${auth}` } : {}, tls: { rejectUnauthorized: false } } as RequestInit);
    expect((await pods()).status).toBe(401);
    expect((await pods("not-a-token")).status).toBe(401);
    const refused = await pods(token);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain(`system:serviceaccount:${ns}:reader`);
    ok(await kubectl(server, ["create", "clusterrole", `${ns}-nodes-proxy`, "--verb=get", "--resource=nodes/proxy"]));
    ok(await kubectl(server, ["create", "clusterrolebinding", `${ns}-nodes-proxy`, `--clusterrole=${ns}-nodes-proxy`, `--serviceaccount=${ns}:reader`]));
    try {
      const allowed = await within(10_000, async () => { const r = await pods(token); return r.status === 200 ? r : undefined; }, 250);
      expect(((await allowed.json()) as { kind?: string }).kind).toBe("PodList");
    } finally {
      await kubectl(server, ["delete", "clusterrolebinding,clusterrole", `${ns}-nodes-proxy`]);
    }
  });
});

describe("image pull from a registry on loopback (docker-registry with htpasswd, skopeo push)", () => {
  let registry: Subprocess | undefined;
  afterAll(() => { registry?.kill(); });

  test("without credentials the pull fails with the registry's 401 in describe; with an imagePullSecret the pod runs", async () => {
    const dir = `${work}/registry`;
    mkdirSync(`${dir}/store`, { recursive: true });
    const port = freeLoopbackPort();
    writeFileSync(`${dir}/htpasswd`, `tester:${await Bun.password.hash("s3cret-pw", { algorithm: "bcrypt" })}\n`);
    writeFileSync(`${dir}/config.yml`, Bun.YAML.stringify({
      version: 0.1,
      log: { level: "warn" },
      storage: { filesystem: { rootdirectory: `${dir}/store` } },
      http: { addr: `127.0.0.1:${port}` },
      auth: { htpasswd: { realm: "lite-test", path: `${dir}/htpasswd` } },
    }));
    registry = Bun.spawn(["docker-registry", "serve", `${dir}/config.yml`], { stdout: "ignore", stderr: "pipe" });
    await within(10_000, async () => { try { return (await fetch(`http://127.0.0.1:${port}/v2/`)).status === 401 ? true : undefined; } catch { return undefined; } });

    // Push lite's built-in busybox layout (an OCI archive whose busybox entry is named "latest").
    const builtinDir = agentPaths(server.dataDir).builtinImagesDir;
    const layout = readdirSync(builtinDir).find((f) => f.endsWith(".tar"))!;
    const image = `127.0.0.1:${port}/test/busybox:1`;
    const push = Bun.spawnSync(["skopeo", "--insecure-policy", "copy", "--quiet", "--dest-creds", "tester:s3cret-pw", "--dest-tls-verify=false", `oci-archive:${builtinDir}/${layout}:latest`, `docker://${image}`],
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, TMPDIR: dir }, stderr: "pipe" });
    expect(push.stderr.toString()).toBe("");
    expect(push.exitCode).toBe(0);

    const ns = await freshNamespace(server, "pull");
    ok(await k(ns, ["create", "secret", "docker-registry", "regcred", `--docker-server=127.0.0.1:${port}`, "--docker-username=tester", "--docker-password=s3cret-pw"]));
    await create(ns,
      busyboxPod("noauth", { containers: [{ name: "c", image, imagePullPolicy: "Always", command: ["sleep", "3600"] }] }),
      busyboxPod("auth", { imagePullSecrets: [{ name: "regcred" }], containers: [{ name: "c", image, imagePullPolicy: "Always", command: ["sleep", "3600"] }] }),
    );
    const pod = await running(ns, "auth");
    expect(containerStatus(pod, "c")!.imageID).toMatch(/sha256:[0-9a-f]{64}$/);
    expect(ok(await k(ns, ["exec", "auth", "--", "echo", "pulled-ok"]))).toBe("pulled-ok\n");
    const events = ok(await k(ns, ["get", "events", "--field-selector", "involvedObject.name=auth", "-o", "jsonpath={.items[*].message}"]));
    expect(events).toContain(`Successfully pulled image "${image}"`);

    await waitForPod(client, ns, "noauth", "failing to pull", (p) => ["ErrImagePull", "ImagePullBackOff"].includes(containerStatus(p, "c")?.state.waiting?.reason ?? ""));
    const described = ok(await k(ns, ["describe", "pod", "noauth"]));
    expect(described).toContain(`Failed to pull image "${image}"`);
    expect(described).toContain("401 Unauthorized");
  });
});
