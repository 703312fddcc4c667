import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import {
  createCertificateAuthority,
  ensureServerPKI,
  issueClientCertificate,
  issueServingCertificate,
  renderKubeconfig,
  writeKubeconfig,
  type ServerPKI,
} from "../../pki/index.ts";
import { startHttpsFront, type HttpsFront } from "./https-front.ts";
import type { ClientCertificate } from "./peer-identity.ts";
import { PushBody, pushResponse } from "./push-body.ts";

const VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.4+lite1",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2025-01-01T00:00:00Z",
  goVersion: "go1.23.0",
  compiler: "gc",
  platform: "linux/amd64",
};

type Creds = { cert: string; key: string };
let dir: string;
let pki: ServerPKI;
let front: HttpsFront;
let admin: Creds;
let foreign: Creds;
let expired: Creds;
let ca: string;
/** Pushed bodies the handler served (/push, /push-forever), newest last. */
const pushed: PushBody[] = [];
const enc = new TextEncoder();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lite-front-"));
  pki = await ensureServerPKI(join(dir, "tls"), { nodeName: "test-node", sans: { dns: [], ips: [] }, serviceIP: "10.43.0.1" });
  ca = pki.serverCA.authority.certPem;
  admin = { cert: pki.clients.admin.certPem, key: pki.clients.admin.keyPem };
  const otherCA = await createCertificateAuthority({ commonName: "other-ca", days: 10 });
  const f = await issueClientCertificate(otherCA, { commonName: "system:admin", organizations: ["system:masters"], days: 10 });
  foreign = { cert: f.certPem, key: f.keyPem };
  const e = await issueClientCertificate(pki.clientCA.authority, {
    commonName: "expired-user",
    notBefore: new Date(Date.now() - 2 * 86_400_000),
    notAfter: new Date(Date.now() - 86_400_000),
  });
  expired = { cert: e.certPem, key: e.keyPem };

  front = await startHttpsFront<{ client: ClientCertificate }>({
    host: "127.0.0.1",
    port: 0,
    cert: pki.serving.certPem,
    key: pki.serving.keyPem,
    clientCA: pki.clientCA.authority.certPem,
    handler(req, client, server) {
      const url = new URL(req.url);
      switch (url.pathname) {
        case "/version":
          return Response.json(VERSION);
        case "/whoami":
          return Response.json(client);
        case "/stream": {
          server.timeout(req, 0);
          const stream = new ReadableStream({
            async pull(ctl) {
              for (let i = 0; i < 3; i++) {
                ctl.enqueue(new TextEncoder().encode(`chunk-${i}\n`));
                await Bun.sleep(50);
              }
              ctl.close();
            },
          });
          return new Response(stream, { headers: { "content-type": "text/plain" } });
        }
        case "/forever":
          server.timeout(req, 0);
          return new Response(new ReadableStream({ start: (ctl) => ctl.enqueue(new TextEncoder().encode("open\n")) }));
        case "/push": {
          // Three lines, the second written twice (one shared buffer), then the end.
          server.timeout(req, 0);
          const body = new PushBody();
          pushed.push(body);
          body.write(enc.encode("a\n"));
          const b = enc.encode("bb\n");
          setTimeout(() => { body.write(b); body.write(b); body.end(); }, 30);
          return pushResponse(body, { status: 200, headers: { "content-type": "application/json", "x-extra": "1" } });
        }
        case "/push-ended": {
          // Over before the front sees it (a watch answered 410 Expired at once).
          const body = new PushBody();
          body.write(enc.encode("x\n"));
          body.end();
          return pushResponse(body, { status: 200 });
        }
        case "/push-big": {
          // 48 MiB, over at once: more than the kernel's loopback buffers hold for a client that does
          // not read (tcp_rmem allows 32 MiB here), so the rest waits in the Worker.
          const body = new PushBody();
          const line = enc.encode(`${"x".repeat(1023)}\n`);
          for (let i = 0; i < 49_152; i++) body.write(line);
          body.end();
          return pushResponse(body, { status: 200 });
        }
        case "/push-forever": {
          server.timeout(req, 0);
          const body = new PushBody();
          pushed.push(body);
          body.write(enc.encode("open\n"));
          return pushResponse(body, { status: 200, headers: { "content-type": "application/json" } });
        }
        case "/ws":
          return server.upgrade(req, { data: { client } }) ? undefined : new Response("upgrade failed", { status: 400 });
        case "/echo":
          return new Response(req.body);
        default:
          return new Response("not found", { status: 404 });
      }
    },
    websocket: {
      open(ws) {
        ws.send(JSON.stringify(ws.data.client));
      },
      message(ws, msg) {
        ws.send(`echo:${String(msg)}`);
      },
    },
  });
});

afterAll(async () => {
  await front?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Sends raw HTTP/1.1 request texts over one TLS connection; resolves with everything read until close. */
function rawExchange(creds: Creds | undefined, requests: string[], opts: { halfClose?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const options: ConnectionOptions = { host: "127.0.0.1", port: front.port, ca, servername: "localhost", ...creds };
    const sock = tlsConnect(options, () => {
      for (const r of requests) sock.write(r);
      if (opts.halfClose) sock.end();
    });
    let out = "";
    sock.setEncoding("utf8");
    sock.on("data", (d) => (out += d));
    sock.on("error", reject);
    sock.on("close", () => resolve(out));
  });
}

async function whoami(creds: Creds | undefined): Promise<ClientCertificate> {
  const text = await rawExchange(creds, ["GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"]);
  const body = text.slice(text.indexOf("\r\n\r\n") + 4);
  return JSON.parse(body) as ClientCertificate;
}

describe("x509 identity", () => {
  test("admin certificate yields CN user and O groups", async () => {
    expect(await whoami(admin)).toEqual({ kind: "verified", identity: { user: "system:admin", groups: ["system:masters"] } });
  });
  test("no certificate is anonymous", async () => {
    expect(await whoami(undefined)).toEqual({ kind: "none" });
  });
  test("certificate from another CA is rejected with a reason", async () => {
    const r = await whoami(foreign);
    expect(r.kind).toBe("rejected");
    if (r.kind === "rejected") expect(r.reason).toStartWith("x509: certificate signed by unknown authority");
  });
  test("a serving certificate from the client CA is rejected (key usage)", async () => {
    const s = await issueServingCertificate(pki.clientCA.authority, { dns: ["x"], ips: [], days: 1 });
    const r = await whoami({ cert: s.certPem, key: s.keyPem });
    expect(r).toMatchObject({ kind: "rejected", reason: expect.stringContaining("incompatible key usage") });
  });
  test("expired certificate is rejected", async () => {
    const r = await whoami(expired);
    expect(r.kind).toBe("rejected");
    if (r.kind === "rejected") expect(r.reason.toLowerCase()).toContain("expired");
  });
  test("direct connection to the internal server is anonymous", async () => {
    const res = await fetch(`http://127.0.0.1:${front.internalPort}/whoami`);
    expect(await res.json()).toEqual({ kind: "none" });
  });
  test("fetch with a client certificate", async () => {
    const res = await fetch(`https://127.0.0.1:${front.port}/whoami`, { tls: { ...admin, ca, serverName: "localhost" } });
    expect(await res.json()).toMatchObject({ kind: "verified" });
  });
});

describe("relay", () => {
  test("keep-alive: several requests on one connection", async () => {
    const req = "GET /whoami HTTP/1.1\r\nHost: localhost\r\n\r\n";
    const text = await rawExchange(admin, [req, req, req.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")]);
    expect(text.match(/HTTP\/1\.1 200/g)?.length).toBe(3);
    expect(text.match(/system:masters/g)?.length).toBe(3);
  });
  test("registrations are removed when connections close", async () => {
    // Pooled fetch connections from other tests may stay open: compare counts.
    const before = front.registeredConnections();
    await Promise.all([whoami(admin), whoami(undefined), whoami(foreign)]);
    for (let i = 0; i < 50 && front.registeredConnections() > before; i++) await Bun.sleep(10);
    expect(front.registeredConnections()).toBeLessThanOrEqual(before);
  });
  test("half-close after the request still gets the response", async () => {
    const text = await rawExchange(admin, ["POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"], { halfClose: true });
    expect(text).toContain("HTTP/1.1 200");
    expect(text).toContain("hello"); // echoed body (chunked)
  });
  test("chunked streaming arrives incrementally", async () => {
    const res = await fetch(`https://127.0.0.1:${front.port}/stream`, { tls: { ...admin, ca, serverName: "localhost" } });
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push(performance.now());
      text += new TextDecoder().decode(value);
    }
    expect(text).toBe("chunk-0\nchunk-1\nchunk-2\n");
    expect(arrivals.length).toBeGreaterThanOrEqual(2);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(40);
  });
  test("WebSocket upgrade passes through with identity", async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${front.port}/ws`, { tls: { ...admin, ca, serverName: "localhost" } } as unknown as string[]);
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.onmessage = (ev) => {
        messages.push(String(ev.data));
        if (messages.length === 1) ws.send("ping");
        else resolve();
      };
      ws.onerror = () => reject(new Error("websocket error"));
    });
    ws.close();
    expect(JSON.parse(messages[0]!)).toMatchObject({ kind: "verified", identity: { user: "system:admin" } });
    expect(messages[1]).toBe("echo:ping");
  });
});

/** One TLS connection; `send` writes a request and resolves with the text read until `until` appears. */
async function tlsSession(creds: Creds) {
  const sock = tlsConnect({ host: "127.0.0.1", port: front.port, ca, servername: "localhost", ...creds });
  await new Promise<void>((resolve, reject) => { sock.once("secureConnect", resolve); sock.once("error", reject); });
  let text = "";
  let waiter: (() => void) | undefined;
  const closed = new Promise<void>((resolve) => sock.on("close", () => { resolve(); waiter?.(); }));
  sock.setEncoding("utf8");
  sock.on("data", (d) => { text += d; waiter?.(); });
  sock.on("error", () => {});
  return {
    closed,
    text: () => text,
    async send(request: string, until: string): Promise<string> {
      const from = text.length;
      sock.write(request);
      while (!text.slice(from).includes(until)) {
        if (sock.destroyed) throw new Error(`connection closed before ${JSON.stringify(until)}: ${text.slice(from)}`);
        await new Promise<void>((r) => (waiter = r));
      }
      return text.slice(from);
    },
    destroy: () => sock.destroy(),
  };
}

describe("direct streams (a pushed body written by the Worker)", () => {
  test("head, chunks in order (a shared chunk to one connection twice), the last chunk, then the connection closes", async () => {
    const s = await tlsSession(admin);
    const text = await s.send("GET /push HTTP/1.1\r\nHost: localhost\r\n\r\n", "0\r\n\r\n");
    await s.closed;
    const [head, body] = [text.slice(0, text.indexOf("\r\n\r\n")), text.slice(text.indexOf("\r\n\r\n") + 4)];
    expect(head).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(head.toLowerCase()).toContain("transfer-encoding: chunked");
    expect(head.toLowerCase()).toContain("connection: close");
    expect(head).toContain("x-extra: 1");
    expect(body).toBe("2\r\na\n\r\n3\r\nbb\n\r\n3\r\nbb\n\r\n0\r\n\r\n");
    expect(s.text()).toBe(text); // nothing after the last chunk (the internal server's answer is dropped)
  });
  test("a request answered on the same connection before the take-over arrives first", async () => {
    const s = await tlsSession(admin);
    const first = await s.send("GET /whoami HTTP/1.1\r\nHost: localhost\r\n\r\n", "}");
    expect(first).toContain("system:masters");
    const second = await s.send("GET /push HTTP/1.1\r\nHost: localhost\r\n\r\n", "0\r\n\r\n");
    expect(second).toStartWith("HTTP/1.1 200 OK");
    await s.closed;
  });
  test("a body that ended before the take-over: only the taken-over response reaches the client", async () => {
    for (let i = 0; i < 20; i++) {
      const text = await rawExchange(admin, ["GET /push-ended HTTP/1.1\r\nHost: localhost\r\n\r\n"]);
      expect(text).toStartWith("HTTP/1.1 200 OK\r\n");
      expect(text.match(/HTTP\/1\.1/g)).toHaveLength(1);
      expect(text).toEndWith("\r\n\r\n2\r\nx\n\r\n0\r\n\r\n");
    }
  });
  test("a stream that ends while its client is behind: everything and the last chunk arrive, however late the client reads", async () => {
    let received = 0;
    let tail = "";
    const closed = Promise.withResolvers<void>();
    const sock = await Bun.connect({
      hostname: "127.0.0.1", port: front.port,
      tls: { ca, cert: admin.cert, key: admin.key, serverName: "localhost" },
      socket: {
        handshake(s) { s.write("GET /push-big HTTP/1.1\r\nHost: localhost\r\n\r\n"); },
        data(_s, d) { received += d.length; tail = (tail + Buffer.from(d).toString("latin1")).slice(-16); },
        close() { closed.resolve(); },
        error() { closed.resolve(); },
      },
    });
    await Bun.sleep(200);
    sock.pause(); // stop reading for longer than the relay's linger (5 s)
    await Bun.sleep(5_600);
    sock.resume();
    await closed.promise;
    // The head, 49,152 chunks of 1,024 bytes ("400\r\n" + data + "\r\n", joined into one write: the
    // body ended before the take-over), and the last chunk.
    expect(received).toBeGreaterThan(49_152 * (1024 + 7));
    expect(tail).toEndWith("x\n\r\n0\r\n\r\n");
  }, 20_000);
  test("a HEAD watch gets the head only (not taken over)", async () => {
    const text = await rawExchange(admin, ["HEAD /push HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"]);
    expect(text).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(text.slice(text.indexOf("\r\n\r\n") + 4)).toBe("");
  });
  test("an HTTP/1.0 client gets the body unframed, ended by the close (as Bun.serve answers it)", async () => {
    const text = await rawExchange(admin, ["GET /push HTTP/1.0\r\nHost: localhost\r\n\r\n"]);
    const head = text.slice(0, text.indexOf("\r\n\r\n"));
    expect(head).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(head.toLowerCase()).not.toContain("transfer-encoding");
    expect(text.slice(text.indexOf("\r\n\r\n") + 4)).toBe("a\nbb\nbb\n");
  });
  test("fetch reads a pushed body like any chunked body", async () => {
    const res = await fetch(`https://127.0.0.1:${front.port}/push`, { tls: { ...admin, ca, serverName: "localhost" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("a\nbb\nbb\n");
  });
  test("a client that goes away cancels the pushed body", async () => {
    const s = await tlsSession(admin);
    await s.send("GET /push-forever HTTP/1.1\r\nHost: localhost\r\n\r\n", "open");
    const body = pushed.at(-1)!;
    let cancelled = false;
    body.onCancel(() => (cancelled = true));
    s.destroy();
    for (let i = 0; i < 100 && !cancelled; i++) await Bun.sleep(10);
    expect(cancelled).toBe(true);
  });
});

describe("real kubectl", () => {
  test("version and get --raw with an admin kubeconfig", async () => {
    const file = join(dir, "kube", "admin.kubeconfig");
    await writeKubeconfig(
      file,
      renderKubeconfig({ server: `https://127.0.0.1:${front.port}`, caPem: ca, certPem: admin.cert, keyPem: admin.key }),
    );
    const run = async (...args: string[]) => {
      const p = Bun.spawn(["kubectl", "--kubeconfig", file, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: dir } });
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      if (code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${code}: ${err}`);
      return out;
    };
    const version = JSON.parse(await run("version", "-o", "json"));
    expect(version.serverVersion.gitVersion).toBe("v1.32.4+lite1");
    const who = JSON.parse(await run("get", "--raw", "/whoami"));
    expect(who).toEqual({ kind: "verified", identity: { user: "system:admin", groups: ["system:masters"] } });
  }, 30_000);
});

describe("stop", () => {
  test("closes open connections and is idempotent", async () => {
    const local = await startHttpsFront({
      host: "127.0.0.1",
      port: 0,
      cert: pki.serving.certPem,
      key: pki.serving.keyPem,
      clientCA: pki.clientCA.authority.certPem,
      handler: (req, _client, server) => {
        server.timeout(req, 0);
        return new Response(new ReadableStream({ start: (ctl) => ctl.enqueue(new TextEncoder().encode("open\n")) }));
      },
    });
    const closed = new Promise<string>((resolve, reject) => {
      const sock = tlsConnect({ host: "127.0.0.1", port: local.port, ca, servername: "localhost" }, () =>
        sock.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      );
      let out = "";
      sock.on("data", (d) => {
        out += d;
        if (out.includes("open")) void local.stop();
      });
      sock.on("error", reject);
      sock.on("close", () => resolve(out));
    });
    expect(await closed).toContain("open");
    await local.stop();
    await local.stop();
    expect(fetch(`http://127.0.0.1:${local.internalPort}/`)).rejects.toThrow();
  });
});

describe("modes and listen errors", () => {
  const base = () => ({
    host: "127.0.0.1",
    cert: pki.serving.certPem,
    key: pki.serving.keyPem,
    clientCA: pki.clientCA.authority.certPem,
    handler: (_req: Request, client: ClientCertificate) => Response.json(client),
  });
  test("a port in use rejects (the Worker reports the listen error) and leaves nothing running", async () => {
    const err = await startHttpsFront({ ...base(), port: front.port }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
  });
  test("inline mode (TLS on the main thread) classifies identities the same way", async () => {
    const local = await startHttpsFront({ ...base(), port: 0, inline: true });
    try {
      const res = await fetch(`https://127.0.0.1:${local.port}/`, { tls: { ...admin, ca, serverName: "localhost" } });
      expect(await res.json()).toEqual({ kind: "verified", identity: { user: "system:admin", groups: ["system:masters"] } });
    } finally {
      await local.stop();
    }
  });
  test("inline mode serves a pushed body through the internal server (read as a stream)", async () => {
    const local = await startHttpsFront({
      ...base(), port: 0, inline: true,
      handler: () => {
        const body = new PushBody();
        body.write(enc.encode("x\n"));
        setTimeout(() => { body.write(enc.encode("y\n")); body.end(); }, 20);
        return pushResponse(body, { status: 200 });
      },
    });
    try {
      const res = await fetch(`https://127.0.0.1:${local.port}/`, { tls: { ...admin, ca, serverName: "localhost" } });
      expect(res.headers.get("connection")).not.toBe("close");
      expect(await res.text()).toBe("x\ny\n");
    } finally {
      await local.stop();
    }
  });
  test("identity is in place for the first request of many parallel new connections", async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => whoami(i % 2 ? admin : undefined)));
    outcomes.forEach((o, i) => expect(o.kind).toBe(i % 2 ? "verified" : "none"));
  });
});
