/**
 * The proxy's raw upstream path against real local backends (127.0.0.1 only): request and response
 * bodies both ways (buffered, streamed, chunked, close-delimited), HEAD/204/304, connection reuse
 * and `Connection: close`, a backend closing idle keep-alive connections, a client going away
 * mid-stream, and a large download read slowly (backpressure).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { createDefaultCertificate } from "./default-certificate.ts";
import { startIngressProxy, type IngressProxy } from "./ingress-proxy.ts";
import { buildRoutingTable } from "./routing.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as never;
let proxy: IngressProxy;
let backend: ReturnType<typeof Bun.serve>;
let raw: TCPSocketListener<{ buf: string }>;
let stale: TCPSocketListener<{ buf: string; n: number }>;
let staleConnections = 0;
const connections = new Set<number>();
let backendConnections = 0;

function table(routes: { host: string; port: number }[]) {
  return buildRoutingTable({
    ingressClasses: [],
    ingresses: routes.map((r, i) => ({ metadata: { name: `i${i}`, namespace: "default", creationTimestamp: `2020-01-0${i + 1}T00:00:00Z` }, spec: { rules: [{ host: r.host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: `s${i}`, port: { number: 80 } } } }] } }] } })),
    services: routes.map((_r, i) => ({ metadata: { name: `s${i}`, namespace: "default" }, spec: { ports: [{ port: 80 }] } })),
    endpointSlices: routes.map((r, i) => ({ metadata: { namespace: "default", labels: { "kubernetes.io/service-name": `s${i}` } }, addressType: "IPv4", ports: [{ port: r.port }], endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }] })),
    secrets: [],
  });
}

beforeAll(async () => {
  backend = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    async fetch(req, server) {
      const url = new URL(req.url);
      const port = server.requestIP(req)?.port;
      if (port) { if (!connections.has(port)) backendConnections++; connections.add(port); }
      switch (url.pathname) {
        case "/echo": {
          const body = await req.arrayBuffer();
          return new Response(body, { headers: { "x-method": req.method, "x-length": String(body.byteLength), "x-te": req.headers.get("transfer-encoding") ?? "", "x-cl": req.headers.get("content-length") ?? "" } });
        }
        case "/nocontent": return new Response(null, { status: 204, headers: { "x-a": "1" } });
        case "/notmodified": return new Response(null, { status: 304, headers: { etag: '"x"' } });
        case "/close": return new Response("bye", { headers: { connection: "close" } });
        case "/cookies": { const h = new Headers(); h.append("set-cookie", "a=1"); h.append("set-cookie", "b=2"); return new Response("c", { headers: h }); }
        case "/big": {
          let n = 0;
          const chunk = new Uint8Array(64 * 1024).fill(97);
          return new Response(new ReadableStream({ pull(c) { if (n++ < 160) c.enqueue(chunk); else c.close(); } })); // 10 MiB, chunked
        }
        case "/slow": return new Response(new ReadableStream({ async pull(c) { await Bun.sleep(50); c.enqueue(new TextEncoder().encode("tick\n")); } }));
        default: return new Response(`hello ${req.method} ${url.pathname}${url.search}`, { headers: { "content-type": "text/plain" } });
      }
    },
  });
  // A bare HTTP/1.0-style backend: close-delimited body, then closes; and one that closes every
  // connection right after the head of the second request on it (a stale keep-alive connection).
  raw = Bun.listen<{ buf: string }>({
    hostname: "127.0.0.1", port: 0,
    socket: {
      open(s) { s.data = { buf: "" }; },
      data(s: Socket<{ buf: string }>, d) {
        s.data.buf += d.toString();
        if (!s.data.buf.includes("\r\n\r\n")) return;
        s.data.buf = "";
        s.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close");
        s.end();
      },
    },
  });
  // Answers the first request on each connection keeping it alive, then closes on the next one
  // without a byte: what a backend's keep-alive timeout does when it races a new request.
  stale = Bun.listen<{ buf: string; n: number }>({
    hostname: "127.0.0.1", port: 0,
    socket: {
      open(s) { s.data = { buf: "", n: 0 }; staleConnections++; },
      data(s: Socket<{ buf: string; n: number }>, d) {
        s.data.buf += d.toString();
        if (!s.data.buf.includes("\r\n\r\n")) return;
        s.data.buf = "";
        if (s.data.n++ === 0) s.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh");
        else s.end();
      },
    },
  });
  proxy = await startIngressProxy({ hostname: "127.0.0.1", httpPort: 0, httpsPort: 0, defaultCertificate: await createDefaultCertificate(), log: quiet });
  proxy.update(table([{ host: "a.test", port: backend.port! }, { host: "raw.test", port: raw.port }, { host: "stale.test", port: stale.port }]));
});
afterAll(async () => {
  await proxy.stop();
  backend.stop(true);
  raw.stop(true);
  stale.stop(true);
});

const url = (p: string) => `http://127.0.0.1:${proxy.httpPort}${p}`;
const a = { host: "a.test" };

describe("raw upstream connections", () => {
  test("GET, query strings, keep-alive reuse (few backend connections for many requests)", async () => {
    const before = backendConnections;
    for (let i = 0; i < 50; i++) {
      const res = await fetch(url(`/x/${i}?q=${i}`), { headers: a });
      expect(await res.text()).toBe(`hello GET /x/${i}?q=${i}`);
      expect(res.headers.get("content-type")).toBe("text/plain");
    }
    expect(backendConnections - before).toBeLessThanOrEqual(2);
  });

  test("request bodies: buffered with content-length, streamed as chunked; empty POST", async () => {
    const small = await fetch(url("/echo"), { method: "POST", headers: a, body: "payload" });
    expect(await small.text()).toBe("payload");
    expect(small.headers.get("x-cl")).toBe("7");
    const big = new Uint8Array(3 * 1024 * 1024).fill(7);
    const streamed = await fetch(url("/echo"), { method: "PUT", headers: a, body: new ReadableStream({ start(c) { c.enqueue(big.subarray(0, 1 << 20)); c.enqueue(big.subarray(1 << 20)); c.close(); } }) });
    expect(streamed.headers.get("x-length")).toBe(String(big.byteLength));
    expect(streamed.headers.get("x-te")).toBe("chunked");
    expect((await streamed.arrayBuffer()).byteLength).toBe(big.byteLength);
    const empty = await fetch(url("/echo"), { method: "POST", headers: a });
    expect(empty.headers.get("x-length")).toBe("0");
    expect(await empty.text()).toBe("");
  });

  test("HEAD, 204 and 304 carry no body and leave the connection usable", async () => {
    const head = await fetch(url("/h"), { method: "HEAD", headers: a });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const nc = await fetch(url("/nocontent"), { headers: a });
    expect(nc.status).toBe(204);
    expect(nc.headers.get("x-a")).toBe("1");
    const nm = await fetch(url("/notmodified"), { headers: a });
    expect(nm.status).toBe(304);
    expect(nm.headers.get("etag")).toBe('"x"');
    expect(await (await fetch(url("/after"), { headers: a })).text()).toBe("hello GET /after");
  });

  test("Connection: close from the backend; multiple Set-Cookie; hop-by-hop dropped", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url("/close"), { headers: a });
      expect(await res.text()).toBe("bye");
      expect(res.headers.get("connection")).not.toBe("close");
    }
    const c = await fetch(url("/cookies"), { headers: a });
    expect(c.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
  });

  test("close-delimited responses from a bare backend, several in a row", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url("/"), { headers: { host: "raw.test" } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("until close");
    }
  });

  test("a large chunked download streams through, read slowly; a client leaving mid-stream frees the connection", async () => {
    const res = await fetch(url("/big"), { headers: a });
    const reader = res.body!.getReader();
    let total = 0;
    for (let i = 0; ; i++) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (i % 20 === 0) await Bun.sleep(5);
    }
    expect(total).toBe(160 * 64 * 1024);
    const ac = new AbortController();
    const slow = await fetch(url("/slow"), { headers: a, signal: ac.signal });
    const r2 = slow.body!.getReader();
    expect(new TextDecoder().decode((await r2.read()).value)).toBe("tick\n");
    ac.abort();
    await Bun.sleep(100);
    expect(await (await fetch(url("/still"), { headers: a })).text()).toBe("hello GET /still");
  });

  test("a reused connection the backend closes without answering: the request goes again on a fresh one", async () => {
    for (let i = 0; i < 4; i++) {
      const res = await fetch(url("/"), { method: i % 2 ? "POST" : "GET", body: i % 2 ? "x" : undefined, headers: { host: "stale.test" } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("fresh");
    }
    expect(staleConnections).toBe(4);
  });

  test("concurrent requests share the pool without mixing responses", async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(url(`/c${i}`), { headers: a }).then((r) => r.text())));
    results.forEach((t, i) => expect(t).toBe(`hello GET /c${i}`));
  });
});
