/**
 * The node proxy against a real kubelet server (fake pods and streaming bridges, real TLS with
 * client certificates), behind a minimal HTTPS front that does what control-plane.ts does:
 * connect hook, then finishUpgrade, with the proxy's WebSocket callbacks.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import type { Logger } from "@lite/sdk";
import type { Server } from "bun";
import { startKubeletServer, type KubeletServer } from "../../agent/kubelet-server/kubelet-server.ts";
import { criRecord, fakeBridges, fakeCri, FakePodView, makeKubeletPki, podObject, waitFor, type KubeletTestPki } from "../../agent/kubelet-server/test-fixtures.ts";
import { apiErrors, toApiError } from "../errors/index.ts";
import { parseRequestInfo } from "../request/request-info.ts";
import type { KObject } from "../resources/index.ts";
import { errorResponse } from "../rest/respond.ts";
import { createNodeProxy, SPDY_NOT_SUPPORTED, type NodeProxy } from "./node-proxy.ts";
import { connectWebSocket } from "./websocket-client.ts";
import type { RelayData } from "./websocket-relay.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const T0 = Date.UTC(2024, 4, 1, 10);
const USER = { username: "admin", groups: ["system:masters"] };

let dir: string;
let pki: KubeletTestPki;
let kubelet: KubeletServer;
let front: Server<RelayData>;
let proxy: NodeProxy;
let node: KObject;
let appLog: string;
const view = new FakePodView();
const fake = fakeBridges();
const { cri } = fakeCri();
/** Pods the API server knows (a superset of the kubelet's). */
const apiPods = new Map<string, KObject>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lite-node-proxy-"));
  pki = await makeKubeletPki();
  appLog = join(dir, "app.log");
  await writeFile(appLog, criRecord(T0, "hello") + criRecord(T0 + 1000, "world"));
  const web = podObject("default", "web", ["app", "side"]);
  view.set({
    pod: web,
    sandboxId: "sb-web",
    containers: [
      { name: "app", containerId: "c-app", state: "running", logPath: appLog },
      { name: "side", state: "waiting", waitingReason: "ContainerCreating" },
    ],
  });
  apiPods.set("default/web", web);
  apiPods.set("default/ghost", podObject("default", "ghost", ["app"])); // not on the kubelet
  apiPods.set("default/lost", { ...podObject("default", "lost", ["app"]), spec: { nodeName: "node-9", containers: [{ name: "app" }] } });

  kubelet = await startKubeletServer({
    port: 0,
    bindAddress: "127.0.0.1",
    tls: { cert: pki.serving.cert, key: pki.serving.key, clientCA: pki.clientCA },
    nodeName: "node-1",
    cri,
    pods: view,
    authorize: async (user) => user.username === "system:apiserver",
    fsPath: dir,
    log: quiet,
    bridges: fake.bridges,
  });
  node = {
    metadata: { name: "node-1" },
    status: { addresses: [{ type: "Hostname", address: "node-1" }, { type: "InternalIP", address: "127.0.0.1" }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } },
  };
  proxy = createNodeProxy({
    getNode: async (name) => (name === "node-1" ? node : undefined),
    tls: { cert: pki.apiserver.cert, key: pki.apiserver.key, ca: pki.serverCA },
    log: quiet,
  });
  front = Bun.serve<RelayData>({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    tls: { cert: pki.serving.cert, key: pki.serving.key },
    async fetch(req, server) {
      const info = parseRequestInfo(req.method, new URL(req.url));
      let res: Response;
      try {
        const obj = info.resource === "nodes" ? node : apiPods.get(`${info.namespace}/${info.name}`);
        if (!obj) throw apiErrors.notFound({ group: "", resource: info.resource }, info.name);
        res = await proxy.connect(req, info, obj, USER);
      } catch (err) {
        res = errorResponse(toApiError(err));
      }
      return proxy.finishUpgrade(req, server, res);
    },
    websocket: proxy.websocket,
  });
});

afterAll(async () => {
  front?.stop(true);
  await kubelet?.stop();
  await rm(dir, { recursive: true, force: true });
});

const api = (path: string, init: RequestInit = {}) => fetch(`https://127.0.0.1:${front.port}${path}`, { ...init, tls: { ca: pki.serverCA } });
const podPath = (name: string, sub: string, query = "") => `/api/v1/namespaces/default/pods/${name}/${sub}${query ? `?${query}` : ""}`;

describe("pods/log", () => {
  test("streams the kubelet's answer as text/plain", async () => {
    const res = await api(podPath("web", "log", "container=app&timestamps=true&tailLines=1"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(await res.text()).toBe(`${new Date(T0 + 1000).toISOString()} world\n`);
  });

  test("follow keeps the response open until the container stops", async () => {
    const res = await api(podPath("web", "log", "container=app&follow=true"));
    const reader = res.body!.getReader();
    let text = "";
    const pump = (async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    })();
    await waitFor(() => text === "hello\nworld\n");
    await appendFile(appLog, criRecord(T0 + 2000, "again"));
    await waitFor(() => text === "hello\nworld\nagain\n");
    const rp = view.get("default", "web")!;
    view.set({ ...rp, containers: rp.containers.map((c) => (c.name === "app" ? { ...c, state: "terminated" as const } : c)) });
    await pump;
    view.set(rp);
  });

  test("a client that goes away ends the kubelet's follower", async () => {
    const abort = new AbortController();
    const res = await api(podPath("web", "log", "container=app&follow=true"), { signal: abort.signal });
    const reader = res.body!.getReader();
    await reader.read();
    await Bun.sleep(600); // the follower checks the container about every 250 ms
    const polling = view.lookups;
    expect(polling).toBeGreaterThan(0);
    abort.abort();
    await reader.cancel().catch(() => {});
    // The kubelet request is aborted, so its follower stops polling: the count settles (a
    // follower still running would add about 4 lookups per second).
    let settled = false;
    for (let last = view.lookups, i = 0; i < 10 && !settled; i++) {
      await Bun.sleep(600);
      settled = view.lookups === last;
      last = view.lookups;
    }
    expect(settled).toBe(true);
  });

  test("errors: the API server's own checks and the kubelet's refusals as Status", async () => {
    const status = async (path: string) => {
      const res = await api(path);
      const body = (await res.json()) as { code: number; reason?: string; message: string };
      return { code: res.status, reason: body.reason, message: body.message };
    };
    expect(await status(podPath("web", "log"))).toEqual({ code: 400, reason: "BadRequest", message: "a container name must be specified for pod web, choose one of: [app side]" });
    expect(await status(podPath("web", "log", "container=x"))).toEqual({ code: 400, reason: "BadRequest", message: "container x is not valid for pod web" });
    expect(await status(podPath("web", "log", "container=side"))).toEqual({ code: 400, reason: "BadRequest", message: 'container "side" in pod "web" is waiting to start: ContainerCreating' });
    expect(await status(podPath("web", "log", "container=app&previous=true"))).toEqual({ code: 400, reason: "BadRequest", message: 'previous terminated container "app" in pod "web" not found' });
    expect(await status(podPath("ghost", "log"))).toEqual({ code: 404, reason: "NotFound", message: "the server could not find the requested resource ( pods/log ghost)" });
    expect(await status(podPath("lost", "log"))).toEqual({ code: 404, reason: "NotFound", message: 'nodes "node-9" not found' });
  });

  test("a kubelet whose certificate does not chain to the server CA is not trusted", async () => {
    const other = createNodeProxy({ getNode: async () => node, tls: { cert: pki.apiserver.cert, key: pki.apiserver.key, ca: pki.clientCA } });
    const req = new Request(`https://x${podPath("web", "log", "container=app")}`);
    const err = await other.connect(req, parseRequestInfo("GET", new URL(req.url)), apiPods.get("default/web")!, USER).catch((e) => toApiError(e));
    expect(err).toBeInstanceOf(Error);
    expect((err as { code: number }).code).toBe(500);
    expect((err as Error).message).toStartWith(`GET "https://127.0.0.1:${kubelet.port}/containerLogs/default/web/app"`);
  });
});

describe("exec, attach, portforward over WebSocket", () => {
  async function open(path: string, protocols: string[]) {
    const queue: Uint8Array[] = [];
    let closeCode: number | undefined;
    const hs = await connectWebSocket(`wss://127.0.0.1:${front.port}${path}`, { protocols, tls: { cert: pki.eve.cert, key: pki.eve.key, ca: pki.serverCA } }, {
      message: (m) => void queue.push(typeof m === "string" ? new TextEncoder().encode(m) : m),
      close: (code) => void (closeCode = code),
    });
    const next = async () => {
      await waitFor(() => queue.length > 0);
      return queue.shift()!;
    };
    const closed = async () => {
      await waitFor(() => closeCode !== undefined);
      return closeCode!;
    };
    return { hs, next, closed };
  }
  const started = (first: Uint8Array) => JSON.parse(new TextDecoder().decode(first.subarray(1)));

  test("exec v5: relayed both ways, the kubelet's close reaches the client", async () => {
    const { hs, next, closed } = await open(podPath("web", "exec", "command=sh&container=app&stdin=true&stdout=true&tty=true"), ["v5.channel.k8s.io", "v4.channel.k8s.io", "base64url.bearer.authorization.k8s.io.c2VjcmV0"]);
    if (!hs.ok) throw new Error(`refused ${hs.status} ${hs.body}`);
    expect(hs.connection.protocol).toBe("v5.channel.k8s.io");
    expect(started(await next())).toMatchObject({ kind: "exec", protocol: "v5.channel.k8s.io", opts: { stdin: true, stdout: true, stderr: false, tty: true } });
    hs.connection.send(Uint8Array.from([0, 1, 2, 3]));
    expect([...(await next())]).toEqual([1, 1, 2, 3]);
    hs.connection.send(Uint8Array.from([255, 0]));
    expect(await closed()).toBe(1000);
  });

  test("a client that closes closes the kubelet side", async () => {
    const closedBefore = fake.closed;
    const { hs, next } = await open(podPath("web", "attach", "container=app&stdout=true"), ["v4.channel.k8s.io"]);
    if (!hs.ok) throw new Error("refused");
    await next();
    hs.connection.close(1000);
    await waitFor(() => fake.closed > closedBefore);
  });

  test("port-forward with the SPDY tunnel protocol", async () => {
    const { hs, next } = await open(podPath("web", "portforward"), ["SPDY/3.1+portforward.k8s.io"]);
    if (!hs.ok) throw new Error(`refused ${hs.status} ${hs.body}`);
    expect(hs.connection.protocol).toBe("SPDY/3.1+portforward.k8s.io");
    expect(started(await next())).toEqual({ kind: "spdy-portforward", protocol: "SPDY/3.1+portforward.k8s.io" });
    hs.connection.close();
  });

  test("port-forward with client-node's ?ports= becomes the kubelet's ?port=", async () => {
    const { hs, next } = await open(podPath("web", "portforward", "ports=8080"), ["v4.channel.k8s.io"]);
    if (!hs.ok) throw new Error(`refused ${hs.status} ${hs.body}`);
    expect(started(await next())).toEqual({ kind: "ws-portforward", protocol: "v4.channel.k8s.io", ports: [8080] });
    hs.connection.close();
  });

  test("refusals: the API server's checks as Status, the kubelet's as it wrote them", async () => {
    const a = await open(podPath("web", "exec", "command=ls&stdout=true"), ["v5.channel.k8s.io"]);
    expect(a.hs).toMatchObject({ ok: false, status: 400 });
    if (!a.hs.ok) expect(JSON.parse(a.hs.body).message).toBe("a container name must be specified for pod web, choose one of: [app side]");
    const b = await open(podPath("web", "exec", "command=ls&container=side&stdout=true"), ["v5.channel.k8s.io"]);
    expect(b.hs).toMatchObject({ ok: false, status: 500, body: 'container not found ("side")' });
  });
});

describe("SPDY and plain requests", () => {
  /** A raw HTTP/1.1 request over TLS; resolves with the status line and the body. */
  function raw(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const sock = tlsConnect({ host: "127.0.0.1", port: front.port, ca: pki.serverCA }, () => {
        const lines = [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), "", ""];
        sock.write(lines.join("\r\n"));
      });
      let out = "";
      sock.setEncoding("utf8");
      sock.on("data", (d) => (out += d));
      sock.on("error", reject);
      sock.on("close", () => resolve({ status: Number(out.slice(9, 12)), body: out.slice(out.indexOf("\r\n\r\n") + 4) }));
    });
  }
  const spdy = { Connection: "Upgrade", Upgrade: "SPDY/3.1", "X-Stream-Protocol-Version": "v4.channel.k8s.io" };

  test("an SPDY upgrade that the kubelet would accept: 400 naming the WebSocket settings", async () => {
    const r = await raw("POST", podPath("web", "exec", "command=ls&container=app&stdout=true"), spdy);
    expect(r.status).toBe(400);
    expect(r.body).toContain(SPDY_NOT_SUPPORTED);
  });
  test("an SPDY upgrade the kubelet refuses: the kubelet's reason (kubectl's fallback shows it)", async () => {
    const r = await raw("POST", podPath("web", "exec", "command=ls&container=side&stdout=true"), spdy);
    expect(r.status).toBe(500);
    expect(r.body).toContain('container not found ("side")');
  });
  test("no upgrade at all", async () => {
    const r = await raw("GET", podPath("web", "portforward"), {});
    expect(r.status).toBe(400);
    expect(r.body).toContain("Upgrade request required");
  });
});

describe("nodes/proxy", () => {
  test("plain requests reach the kubelet's paths", async () => {
    expect(await (await api("/api/v1/nodes/node-1/proxy/healthz")).text()).toBe("ok");
    const summary = (await (await api("/api/v1/nodes/node-1/proxy/stats/summary?only_cpu_and_memory=true")).json()) as { node: { nodeName: string } };
    expect(summary.node.nodeName).toBe("node-1");
    expect((await api("/api/v1/nodes/node-1/proxy/nope")).status).toBe(404);
  });
});
