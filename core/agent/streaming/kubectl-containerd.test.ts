/**
 * Real kubectl (1.32: WebSocket v5 exec, SPDY-over-WebSocket port-forward) → a minimal fake API
 * server on loopback that hands the WebSockets to the bridges (as the kubelet's server will) →
 * real containerd (test-pod.ts). Proves the server side of the SPDY tunnel against client-go.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Server, ServerWebSocket } from "bun";
import { startExecBridge, startPortForwardBridge, type BridgeSession } from "./index.ts";
import { startTestPod, type TestPod } from "./test-pod.ts";

const KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
const POD_PATH = "/api/v1/namespaces/default/pods/stream";

interface Conn { protocol: string; start: (ws: ServerWebSocket<Conn>) => BridgeSession; session?: BridgeSession }

let pod: TestPod;
let server: Server<Conn>;
let dir: string;

const json = (body: unknown) => Response.json(body);

beforeAll(async () => {
  pod = await startTestPod();
  dir = mkdtempSync(`${tmpdir()}/lite-kubectl-`);
  server = Bun.serve<Conn, never>({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req, srv) {
      const url = new URL(req.url);
      const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
      const upgrade = (protocol: string, start: Conn["start"]) =>
        srv.upgrade(req, { headers: { "Sec-WebSocket-Protocol": protocol }, data: { protocol, start } })
          ? undefined
          : new Response("upgrade failed", { status: 400 });
      if (url.pathname === "/api") return json({ kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
      if (url.pathname === "/apis") return json({ kind: "APIGroupList", apiVersion: "v1", groups: [] });
      if (url.pathname === "/api/v1")
        return json({
          kind: "APIResourceList",
          groupVersion: "v1",
          resources: [
            { name: "pods", singularName: "pod", namespaced: true, kind: "Pod", verbs: ["get", "list"], shortNames: ["po"] },
            ...["exec", "attach", "portforward"].map((s) => ({ name: `pods/${s}`, singularName: "", namespaced: true, kind: "PodExecOptions", verbs: ["create", "get"] })),
          ],
        });
      if (url.pathname === POD_PATH)
        return json({
          kind: "Pod",
          apiVersion: "v1",
          metadata: { name: "stream", namespace: "default", uid: "uid-stream" },
          spec: { containers: [{ name: "c", image: "busybox" }, { name: "cat", image: "busybox" }] },
          status: { phase: "Running" },
        });
      if (url.pathname === `${POD_PATH}/exec` && offered.includes("v5.channel.k8s.io")) {
        const q = url.searchParams;
        const opts = { stdin: q.get("stdin") === "true", stdout: q.get("stdout") === "true", stderr: q.get("stderr") === "true", tty: q.get("tty") === "true" };
        const cri = await pod.cri.exec({ containerId: pod.containerId, cmd: q.getAll("command"), ...opts });
        return upgrade("v5.channel.k8s.io", (ws) => startExecBridge(peerOf(ws), cri, opts));
      }
      if (url.pathname === `${POD_PATH}/portforward` && offered.includes("SPDY/3.1+portforward.k8s.io"))
        return upgrade("SPDY/3.1+portforward.k8s.io", (ws) =>
          startPortForwardBridge(peerOf(ws), (port) => pod.cri.portForward({ podSandboxId: pod.sandboxId, port: [port] })),
        );
      return new Response(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 }), { status: 404 });
    },
    websocket: {
      open(ws) {
        ws.data.session = ws.data.start(ws);
      },
      message(ws, message) {
        ws.data.session?.message(typeof message === "string" ? new TextEncoder().encode(message) : new Uint8Array(message));
      },
      close(ws) {
        ws.data.session?.closed();
      },
    },
  });
  writeFileSync(
    `${dir}/kubeconfig`,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "t", cluster: { server: `http://127.0.0.1:${server.port}` } }],
      users: [{ name: "t", user: {} }],
      contexts: [{ name: "t", context: { cluster: "t", user: "t", namespace: "default" } }],
      "current-context": "t",
    }),
  );
}, 60_000);

afterAll(async () => {
  server?.stop(true);
  if (dir) rmSync(dir, { recursive: true, force: true });
  await pod?.stop();
}, 60_000);

function peerOf(ws: ServerWebSocket<Conn>) {
  return { protocol: ws.data.protocol, send: (d: Uint8Array) => void ws.sendBinary(d), close: (code?: number, reason?: string) => ws.close(code, reason) };
}

const kubectlEnv = () => ({ ...process.env, KUBECONFIG: `${dir}/kubeconfig`, HOME: dir });
const kubectlArgs = (...args: string[]) => [KUBECTL, "--cache-dir", `${dir}/cache`, ...args];

async function kubectl(args: string[], stdin?: string) {
  const proc = Bun.spawn(kubectlArgs(...args), { env: kubectlEnv(), stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill(), 20_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { stdout, stderr, code };
}

describe.skipIf(!existsSync(KUBECTL))("real kubectl 1.32 through the bridges", () => {
  test("kubectl exec: output, and the exit code propagated", async () => {
    const r = await kubectl(["exec", "stream", "-c", "c", "--", "sh", "-c", "echo hi; echo err >&2; exit 3"]);
    expect(r.stdout).toBe("hi\n");
    expect(r.stderr).toContain("err\n");
    expect(r.stderr).toContain("command terminated with exit code 3");
    expect(r.code).toBe(3);
  });

  test("echo data | kubectl exec -i … cat: stdin EOF reaches the process", async () => {
    const r = await kubectl(["exec", "-i", "stream", "-c", "c", "--", "cat"], "piped data\n");
    expect(r.stdout).toBe("piped data\n");
    expect(r.code).toBe(0);
  });

  test("kubectl port-forward: two concurrent HTTP requests through one tunnel", async () => {
    const proc = Bun.spawn(kubectlArgs("port-forward", "--address", "127.0.0.1", "pod/stream", ":8080"), { env: kubectlEnv(), stdout: "pipe", stderr: "pipe" });
    try {
      const reader = proc.stdout.getReader();
      let out = "";
      let port: number | undefined;
      const deadline = Date.now() + 15_000;
      while (port === undefined && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
        port = Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out)?.[1]) || undefined;
      }
      expect(port).toBeDefined();
      const get = () => fetch(`http://127.0.0.1:${port}/index.html`, { headers: { connection: "close" } }).then((r) => r.text());
      expect(await Promise.all([get(), get()])).toEqual(["hello-from-pod\n", "hello-from-pod\n"]);
      expect(await get()).toBe("hello-from-pod\n");
      // Far beyond one 64 KiB SPDY window, in both hops (neither client-go nor containerd sends WINDOW_UPDATE).
      await pod.cri.execSync(pod.containerId, ["sh", "-c", "head -c 3000000 /dev/urandom > /tmp/www/big"], 10);
      const big = await fetch(`http://127.0.0.1:${port}/big`).then((r) => r.arrayBuffer());
      const inPod = await pod.cri.execSync(pod.containerId, ["sha256sum", "/tmp/www/big"], 10);
      expect(big.byteLength).toBe(3_000_000);
      expect(new TextDecoder().decode(inPod.stdout).split(" ")[0]).toBe(new Bun.CryptoHasher("sha256").update(big).digest("hex"));
      reader.releaseLock();
    } finally {
      proc.kill();
      await proc.exited;
    }
  }, 30_000);
});
