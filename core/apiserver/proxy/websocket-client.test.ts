import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server as TlsServer } from "node:tls";
import type { Server } from "bun";
import { makeKubeletPki, waitFor, type KubeletTestPki } from "../../agent/kubelet-server/test-fixtures.ts";
import { connectWebSocket, type WebSocketHandlers } from "./websocket-client.ts";

let pki: KubeletTestPki;
let server: Server<undefined>;
const pongs: string[] = [];

beforeAll(async () => {
  pki = await makeKubeletPki();
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: pki.serving.cert, key: pki.serving.key },
    fetch(req, srv) {
      const path = new URL(req.url).pathname;
      if (path === "/refuse") return new Response("plain refusal", { status: 403 });
      if (path === "/refuse-chunked") {
        const body = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode("chunked ")), c.enqueue(new TextEncoder().encode("refusal")), c.close()) });
        return new Response(body, { status: 404 });
      }
      const protocol = req.headers.get("sec-websocket-protocol")?.split(",")[0]?.trim();
      return srv.upgrade(req, { data: undefined, headers: protocol ? { "Sec-WebSocket-Protocol": protocol } : undefined }) ? undefined : new Response("no", { status: 400 });
    },
    websocket: {
      message(ws, m) {
        if (m === "ping me") ws.ping("p1");
        else if (m === "close me") ws.close(4001, "as asked");
        else if (m === "big") ws.sendBinary(new Uint8Array(200_000).fill(7));
        else ws.send(m); // echo, text as text and binary as binary
      },
      pong(_ws, data) {
        pongs.push(new TextDecoder().decode(data));
      },
    },
  });
});
afterAll(() => server?.stop(true));

function collector() {
  const messages: (string | Uint8Array)[] = [];
  let closed: [number, string] | undefined;
  const handlers: WebSocketHandlers = { message: (m) => void messages.push(m), close: (c, r) => void (closed = [c, r]) };
  return { messages, handlers, closed: () => closed };
}

const url = (path: string) => `wss://127.0.0.1:${server.port}${path}`;
const tls = () => ({ ...pki.apiserver, ca: pki.serverCA });

describe("connectWebSocket", () => {
  test("any subprotocol (even one with '/'), text and binary, big frames, pings, server close", async () => {
    const c = collector();
    const hs = await connectWebSocket(url("/ws"), { protocols: ["SPDY/3.1+portforward.k8s.io"], tls: tls() }, c.handlers);
    if (!hs.ok) throw new Error("refused");
    const ws = hs.connection;
    expect(ws.protocol).toBe("SPDY/3.1+portforward.k8s.io");
    ws.send("hello");
    ws.send(Uint8Array.from([1, 2, 3]));
    ws.send(new Uint8Array(70_000).fill(9)); // 64-bit length
    ws.send("big");
    await waitFor(() => c.messages.length === 4);
    expect(c.messages[0]).toBe("hello");
    expect([...(c.messages[1] as Uint8Array)]).toEqual([1, 2, 3]);
    expect((c.messages[2] as Uint8Array).length).toBe(70_000);
    expect((c.messages[3] as Uint8Array).every((b) => b === 7)).toBe(true);
    ws.send("ping me");
    await waitFor(() => pongs.includes("p1"));
    ws.send("close me");
    await waitFor(() => c.closed() !== undefined);
    expect(c.closed()).toEqual([4001, "as asked"]);
  });

  test("a client close completes the closing handshake", async () => {
    const c = collector();
    const hs = await connectWebSocket(url("/ws"), { protocols: [], tls: tls() }, c.handlers);
    if (!hs.ok) throw new Error("refused");
    expect(hs.connection.protocol).toBe("");
    hs.connection.close(1000, "done");
    await waitFor(() => c.closed() !== undefined);
    expect(c.closed()![0]).toBe(1000);
  });

  test("a refusal returns its status and body (Content-Length or chunked)", async () => {
    expect(await connectWebSocket(url("/refuse"), { protocols: ["x"], tls: tls() }, collector().handlers)).toMatchObject({ ok: false, status: 403, body: "plain refusal" });
    expect(await connectWebSocket(url("/refuse-chunked"), { protocols: ["x"], tls: tls() }, collector().handlers)).toMatchObject({ ok: false, status: 404, body: "chunked refusal" });
  });

  test("an untrusted server certificate rejects", async () => {
    await expect(connectWebSocket(url("/ws"), { protocols: [], tls: { ...pki.apiserver, ca: pki.clientCA } }, collector().handlers)).rejects.toThrow();
  });
});

describe("frames from a raw server", () => {
  let raw: TlsServer;
  afterAll(() => raw?.close());

  test("fragmented messages are reassembled; frames sent with the handshake are not lost", async () => {
    raw = createServer({ cert: pki.serving.cert, key: pki.serving.key }, (sock) => {
      sock.once("data", (req) => {
        const key = /Sec-WebSocket-Key: (\S+)/i.exec(req.toString())![1]!;
        const accept = new Bun.CryptoHasher("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
        const handshake = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
        // text "hel" + continuation "lo" (FIN), then a binary frame, all in the same write as the handshake
        const frames = Buffer.concat([Buffer.from([0x01, 3]), Buffer.from("hel"), Buffer.from([0x80, 2]), Buffer.from("lo"), Buffer.from([0x82, 1, 42])]);
        sock.write(Buffer.concat([Buffer.from(handshake), frames]));
      });
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    const port = (raw.address() as { port: number }).port;
    const c = collector();
    const hs = await connectWebSocket(`wss://127.0.0.1:${port}/`, { protocols: [], tls: tls() }, c.handlers);
    expect(hs.ok).toBe(true);
    await waitFor(() => c.messages.length === 2);
    expect(c.messages[0]).toBe("hello");
    expect([...(c.messages[1] as Uint8Array)]).toEqual([42]);
    if (hs.ok) hs.connection.close();
  });
});
