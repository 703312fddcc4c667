/**
 * The raw `web` entry point (http-listener.ts, http-exchange.ts) driven byte by byte from raw TCP
 * clients against real local backends (127.0.0.1 only): pipelining, chunked request bodies,
 * forwarded headers as the backend sees them, Upgrade relays (raw and WebSocket), a backend that
 * dies mid-response, bad request heads, HTTP/1.0 clients, 100-continue, retries, backpressure.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { createDefaultCertificate } from "./default-certificate.ts";
import { startIngressProxy, type IngressProxy } from "./ingress-proxy.ts";
import { buildRoutingTable } from "./routing.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as never;
let proxy: IngressProxy;
let echo: ReturnType<typeof Bun.serve>;
let tlsEcho: ReturnType<typeof Bun.serve>;
let scripted: TCPSocketListener<{ buf: string }>;
let deadPort = 0;

/** Routes: host -> endpoints ("127.0.0.1:port"); hosts starting with "tls." use an HTTPS Service port (443). */
function table(routes: Record<string, string[]>) {
  const hosts = Object.keys(routes);
  const svcPort = (host: string) => host.startsWith("tls.") ? 443 : 80;
  return buildRoutingTable({
    ingressClasses: [],
    ingresses: hosts.map((host, i) => ({ metadata: { name: `i${i}`, namespace: "default", creationTimestamp: `2020-01-0${i + 1}T00:00:00Z` }, spec: { rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: `s${i}`, port: { number: svcPort(host) } } } }] } }] } })),
    services: hosts.map((host, i) => ({ metadata: { name: `s${i}`, namespace: "default" }, spec: { ports: [{ port: svcPort(host) }] } })),
    endpointSlices: hosts.flatMap((host, i) => routes[host]!.map((ep) => ({ metadata: { namespace: "default", labels: { "kubernetes.io/service-name": `s${i}` } }, addressType: "IPv4", ports: [{ port: Number(ep.split(":")[1]) }], endpoints: [{ addresses: [ep.split(":")[0]!], conditions: { ready: true } }] }))),
    secrets: [],
  });
}

beforeAll(async () => {
  echo = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    async fetch(req, server) {
      const url = new URL(req.url);
      if (url.pathname === "/ws") return server.upgrade(req, { data: undefined }) ? undefined : new Response("no", { status: 400 });
      if (url.pathname === "/chunked") return new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("part1,")); c.enqueue(new TextEncoder().encode("part2")); c.close(); } }));
      if (url.pathname === "/big") return new Response(new Uint8Array(8 << 20).fill(120));
      const body = await req.text();
      return Response.json({ method: req.method, path: url.pathname + url.search, headers: req.headers.toJSON(), body });
    },
    websocket: { message(ws, m) { ws.send(`echo ${m}`); } },
  });
  // A backend whose answer is scripted by the request path.
  scripted = Bun.listen<{ buf: string }>({
    hostname: "127.0.0.1", port: 0,
    socket: {
      open(s) { s.data = { buf: "" }; },
      data(s: Socket<{ buf: string }>, d) {
        if (s.data.buf === "tunnel") { if (d.toString() === "bye") s.end(); else s.write(`tunnel:${d}`); return; }
        s.data.buf += d.toString("latin1");
        const end = s.data.buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const path = s.data.buf.split(" ")[1];
        s.data.buf = "";
        switch (path) {
          case "/cut-head": s.write("HTTP/1.1 200 OK\r\nContent-Len"); s.end(); break;
          case "/cut-body": s.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b"); s.end(); break;
          case "/garbage": s.write("SMTP ready\r\n\r\n"); break;
          case "/upgrade": s.data.buf = "tunnel"; s.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x-test\r\n\r\nhello from the tunnel;"); break;
          case "/refuse-upgrade": s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno"); break;
          case "/continue": s.write("HTTP/1.1 100 Continue\r\n\r\n"); setTimeout(() => s.write("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"), 20); break;
          case "/trailers": s.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 9\r\n\r\n"); break;
          case "/hop": s.write("HTTP/1.1 200 OK\r\nConnection: X-Private\r\nX-Private: p\r\nKeep-Alive: timeout=5\r\nX-Public: q\r\nContent-Length: 1\r\n\r\nh"); break;
          default: s.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        }
      },
    },
  });
  const cert = await createDefaultCertificate();
  tlsEcho = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: { cert: cert.certPem, key: cert.keyPem }, fetch: (req) => new Response(`tls ${new URL(req.url).pathname}`) });
  const dead = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  deadPort = dead.port;
  dead.stop(true);
  proxy = await startIngressProxy({ hostname: "127.0.0.1", httpPort: 0, httpsPort: 0, defaultCertificate: await createDefaultCertificate(), log: quiet, serverName: "node1" });
  proxy.update(table({ "echo.test": [`127.0.0.1:${echo.port}`], "script.test": [`127.0.0.1:${scripted.port}`], "retry.test": [`127.0.0.1:${deadPort}`, `127.0.0.1:${echo.port}`], "dead.test": [`127.0.0.1:${deadPort}`], "tls.test": [`127.0.0.1:${tlsEcho.port}`] }));
});
afterAll(async () => {
  await proxy.stop();
  echo.stop(true);
  tlsEcho.stop(true);
  scripted.stop(true);
});

/** A raw client connection: write bytes, read what comes back. */
async function connect() {
  let received = "";
  let closed = false;
  let wake: (() => void) | undefined;
  const socket = await Bun.connect({
    hostname: "127.0.0.1", port: proxy.httpPort,
    socket: {
      data(_s, d) { received += d.toString("latin1"); wake?.(); },
      close() { closed = true; wake?.(); },
    },
  });
  return {
    socket,
    write: (s: string | Uint8Array) => socket.write(s),
    get closed() { return closed; },
    /** Waits until `done(received)` or the connection closes (5 s at most); returns what was received. */
    async until(done: (s: string) => boolean = () => false): Promise<string> {
      const deadline = Date.now() + 5000;
      while (!done(received) && !closed && Date.now() < deadline) await new Promise<void>((r) => { wake = r; setTimeout(r, 50); });
      return received;
    },
    take() { const r = received; received = ""; return r; },
  };
}
const count = (s: string, sub: string) => s.split(sub).length - 1;
const bodyOf = (response: string) => response.slice(response.indexOf("\r\n\r\n") + 4);

describe("raw HTTP/1.1 entry point", () => {
  test("pipelined requests are answered in order on one connection; the backend sees the forwarded headers", async () => {
    const c = await connect();
    c.write("GET /one HTTP/1.1\r\nHost: echo.test\r\n\r\nGET /two?x=1 HTTP/1.1\r\nHost: echo.test\r\nX-Forwarded-For: 1.2.3.4\r\n\r\nGET /three HTTP/1.1\r\nHost: nope.test\r\n\r\nGET /four HTTP/1.1\r\nHost: echo.test\r\n\r\n");
    const out = await c.until((s) => count(s, "HTTP/1.1 ") === 4 && s.endsWith("}"));
    const parts = out.split(/(?=HTTP\/1\.1 \d{3})/);
    expect(parts.map((p) => p.slice(0, 12))).toEqual(["HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 404", "HTTP/1.1 200"]);
    const one = JSON.parse(bodyOf(parts[0]!)), two = JSON.parse(bodyOf(parts[1]!));
    expect(one.path).toBe("/one");
    expect(two.path).toBe("/two?x=1");
    expect(bodyOf(parts[2]!)).toBe("404 page not found\n");
    expect(JSON.parse(bodyOf(parts[3]!)).path).toBe("/four");
    expect(one.headers).toMatchObject({ host: "echo.test", "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http", "x-forwarded-host": "echo.test", "x-forwarded-port": String(proxy.httpPort), "x-forwarded-server": "node1", "x-real-ip": "127.0.0.1" });
    expect(two.headers["x-forwarded-for"]).toBe("1.2.3.4, 127.0.0.1");
    expect(c.closed).toBe(false);
    c.socket.end();
  });

  test("chunked request bodies pass through in pieces split anywhere, followed by a pipelined request", async () => {
    // (no trailers here: Bun.serve, the backend, answers 400 to request trailers; BodyReader's tests cover them)
    const c = await connect();
    const req = "POST /up HTTP/1.1\r\nHost: echo.test\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;x=y\r\nefg\r\n0\r\n\r\nGET /after HTTP/1.1\r\nHost: echo.test\r\n\r\n";
    for (let i = 0; i < req.length; i += 7) { c.write(req.slice(i, i + 7)); await Bun.sleep(1); }
    const out = await c.until((s) => count(s, "HTTP/1.1 200") === 2 && s.endsWith("}"));
    const [first, second] = out.split(/(?=HTTP\/1\.1 \d{3})/);
    expect(JSON.parse(bodyOf(first!))).toMatchObject({ method: "POST", body: "abcdefg", headers: { "transfer-encoding": "chunked" } });
    expect(JSON.parse(bodyOf(second!)).path).toBe("/after");
    c.socket.end();
  });

  test("Upgrade: after the backend's 101 the bytes are relayed both ways; a refused upgrade is a normal response", async () => {
    const c = await connect();
    c.write("GET /upgrade HTTP/1.1\r\nHost: script.test\r\nConnection: Upgrade\r\nUpgrade: x-test\r\n\r\n");
    const head = await c.until((s) => s.includes("hello from the tunnel;"));
    expect(head).toStartWith("HTTP/1.1 101 Switching Protocols\r\n");
    expect(head).toContain("Upgrade: x-test");
    c.take();
    c.write("ping");
    expect(await c.until((s) => s.includes("tunnel:ping"))).toBe("tunnel:ping");
    c.write("bye"); // the backend ends the tunnel: so does the proxy
    await c.until();
    expect(c.closed).toBe(true);

    const r = await connect();
    r.write("GET /refuse-upgrade HTTP/1.1\r\nHost: script.test\r\nConnection: Upgrade\r\nUpgrade: x-test\r\n\r\n");
    expect(bodyOf(await r.until((s) => s.endsWith("no")))).toBe("no");
    r.socket.end();
  });

  test("WebSocket through the raw relay", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.httpPort}/ws`, { headers: { host: "echo.test" } } as never);
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => { ws.send("a"); ws.send("b"); };
      ws.onmessage = (m) => { got.push(String(m.data)); if (got.length === 2) resolve(); };
      ws.onerror = () => reject(new Error("websocket failed"));
    });
    expect(got).toEqual(["echo a", "echo b"]);
    ws.close();
  });

  test("a backend that closes before the end of the head is a 502; after the head, the client connection is cut", async () => {
    for (const path of ["/cut-head", "/garbage"]) {
      const c = await connect();
      c.write(`GET ${path} HTTP/1.1\r\nHost: script.test\r\n\r\n`);
      const out = await c.until((s) => s.endsWith("502 Bad Gateway\n"));
      expect(out).toStartWith("HTTP/1.1 502 Bad Gateway\r\n");
      // the connection stays usable
      c.take();
      c.write("GET /ok HTTP/1.1\r\nHost: echo.test\r\n\r\n");
      expect(await c.until((s) => s.endsWith("}"))).toStartWith("HTTP/1.1 200 OK");
      c.socket.end();
    }
    const c = await connect();
    c.write("GET /cut-body HTTP/1.1\r\nHost: script.test\r\n\r\n");
    const out = await c.until();
    expect(c.closed).toBe(true);
    expect(out).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(bodyOf(out)).toBe("only ten b");
  });

  test("bad request heads: 400 with Connection: close, then the connection closes; 431, 501, 505", async () => {
    for (const [req, code] of [
      ["GET / HTTP/1.1\r\nHost: echo.test\r\n bad fold\r\n\r\n", 400], ["GARBAGE\r\n\r\n", 400], ["GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400],
      [`GET / HTTP/1.1\r\nX: ${"x".repeat(70_000)}`, 431], ["POST / HTTP/1.1\r\nHost: echo.test\r\nTransfer-Encoding: gzip\r\n\r\n", 501], ["GET / HTTP/3.0\r\n\r\n", 505],
    ] as const) {
      const c = await connect();
      c.write(req);
      const out = await c.until();
      expect(c.closed).toBe(true);
      expect(out).toStartWith(`HTTP/1.1 ${code} `);
      expect(out.toLowerCase()).toContain("\r\nconnection: close\r\n");
    }
    // A bad chunk size in a forwarded body: 400 and close.
    const c = await connect();
    c.write("POST /x HTTP/1.1\r\nHost: script.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    expect(await c.until()).toStartWith("HTTP/1.1 400 ");
    expect(c.closed).toBe(true);
  });

  test("HTTP/1.0 clients: a chunked response is decoded and the connection closed after it; keep-alive is honoured", async () => {
    const c = await connect();
    c.write("GET /chunked HTTP/1.0\r\nHost: echo.test\r\n\r\n");
    const out = await c.until();
    expect(c.closed).toBe(true);
    expect(out.toLowerCase()).not.toContain("transfer-encoding");
    expect(out.toLowerCase()).toContain("connection: close");
    expect(bodyOf(out)).toBe("part1,part2");
    const k = await connect();
    k.write("GET /a HTTP/1.0\r\nHost: echo.test\r\nConnection: keep-alive\r\n\r\n");
    const first = await k.until((s) => s.endsWith("}"));
    expect(first.toLowerCase()).toContain("connection: keep-alive");
    k.take();
    k.write("GET /b HTTP/1.0\r\nHost: echo.test\r\n\r\n");
    expect(JSON.parse(bodyOf(await k.until((s) => s.endsWith("}")))).path).toBe("/b");
    k.socket.end();
  });

  test("responses: 100-continue passes, chunked trailers pass, hop-by-hop response fields are dropped", async () => {
    const c = await connect();
    c.write("POST /continue HTTP/1.1\r\nHost: script.test\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    expect(await c.until((s) => s.includes("100 Continue"))).toBe("HTTP/1.1 100 Continue\r\n\r\n");
    c.take();
    c.write("hi");
    expect(await c.until((s) => s.endsWith("ok"))).toStartWith("HTTP/1.1 201 Created");
    c.take();
    c.write("GET /trailers HTTP/1.1\r\nHost: script.test\r\n\r\n");
    expect(await c.until((s) => s.endsWith("\r\n\r\n") && s.includes("X-Sum"))).toEndWith("\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 9\r\n\r\n");
    c.take();
    c.write("GET /hop HTTP/1.1\r\nHost: script.test\r\n\r\n");
    const hop = await c.until((s) => s.endsWith("\r\n\r\nh"));
    expect(hop.toLowerCase()).toContain("x-public: q");
    expect(hop.toLowerCase()).not.toContain("x-private");
    expect(hop.toLowerCase()).not.toContain("keep-alive");
    c.socket.end();
  });

  test("a refused endpoint is retried on the next; none reachable is a 502; a body for a 404 is read and dropped", async () => {
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`http://127.0.0.1:${proxy.httpPort}/r${i}`, { method: "POST", body: "x", headers: { host: "retry.test" } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { body: string }).body).toBe("x");
    }
    const dead = await fetch(`http://127.0.0.1:${proxy.httpPort}/`, { headers: { host: "dead.test" } });
    expect(dead.status).toBe(502);
    expect(await dead.text()).toBe("502 Bad Gateway\n");
    const c = await connect();
    c.write("POST / HTTP/1.1\r\nHost: nope.test\r\nContent-Length: 3\r\n\r\nabcGET /x HTTP/1.1\r\nHost: echo.test\r\n\r\n");
    const out = await c.until((s) => s.endsWith("}"));
    expect(out).toStartWith("HTTP/1.1 404 Not Found");
    expect(count(out, "HTTP/1.1 ")).toBe(2);
    c.socket.end();
  });

  test("an HTTPS backend (Service port 443) is reached over TLS from the plain-HTTP entry point", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://127.0.0.1:${proxy.httpPort}/s${i}`, { headers: { host: "tls.test" } });
      expect(await res.text()).toBe(`tls /s${i}`);
    }
  });

  test("backpressure: a client that does not read holds the backend back, then gets every byte", async () => {
    let received = 0;
    let headDone = false;
    let resolveDone: () => void;
    const done = new Promise<void>((r) => { resolveDone = r; });
    const socket = await Bun.connect({
      hostname: "127.0.0.1", port: proxy.httpPort,
      socket: {
        data(_s, d) {
          if (!headDone) { const i = d.indexOf("\r\n\r\n"); headDone = i >= 0; received += d.length - (i + 4); } else received += d.length;
          if (received >= 8 << 20) resolveDone();
        },
      },
    });
    socket.write("GET /big HTTP/1.1\r\nHost: echo.test\r\n\r\n");
    socket.pause();
    await Bun.sleep(300);
    const whilePaused = received;
    socket.resume();
    await Promise.race([done, Bun.sleep(5000)]);
    expect(whilePaused).toBeLessThan(8 << 20);
    expect(received).toBe(8 << 20);
    socket.end();
  });
});
