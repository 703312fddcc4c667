/**
 * A small WebSocket client (RFC 6455) over node:tls, for the API server's hop to the kubelet.
 *
 * Bun's built-in WebSocket client cannot be used for that hop: it refuses subprotocols that are
 * not RFC 7230 tokens, and kubectl's port-forward protocol `SPDY/3.1+portforward.k8s.io` has a
 * '/'; it also drops the body of a refused handshake, which is the kubelet's error message. This
 * client sends any subprotocol list, returns a refusal's status and body, and then exchanges
 * messages: text and binary (fragmented ones reassembled), ping answered with pong, close echoed.
 */
import { createHash, randomBytes } from "node:crypto";
import { connect, type TLSSocket } from "node:tls";

export interface WebSocketClientOptions {
  readonly protocols: readonly string[];
  /** Client certificate and key, and the CA the server's certificate must chain to (PEM). */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  /** How long the handshake may take (ms, default 30 s). */
  readonly timeoutMs?: number;
}

export interface WebSocketConnection {
  /** The subprotocol the server chose ("" when none). */
  readonly protocol: string;
  send(data: string | Uint8Array): void;
  /** Starts the closing handshake (idempotent). */
  close(code?: number, reason?: string): void;
  /** Stops reading from the server (flow control) until `resume`. */
  pause(): void;
  resume(): void;
}

/** Called for each message and once at the end (1006 when the connection dropped without a close frame). */
export interface WebSocketHandlers {
  message(data: string | Uint8Array): void;
  close(code: number, reason: string): void;
}

export type WebSocketHandshake =
  | { readonly ok: true; readonly connection: WebSocketConnection }
  | { readonly ok: false; readonly status: number; readonly contentType: string; readonly body: string };

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const MAX_REFUSAL_BODY = 64 * 1024;

/** Connects to a `wss://` URL. Rejects on transport errors (TLS, refused connection, timeout). */
export function connectWebSocket(url: string, opts: WebSocketClientOptions, handlers: WebSocketHandlers): Promise<WebSocketHandshake> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(u.port || 443);
  const key = randomBytes(16).toString("base64");
  const request = [
    `GET ${u.pathname}${u.search} HTTP/1.1`,
    `Host: ${u.host}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${key}`,
    "Sec-WebSocket-Version: 13",
    ...(opts.protocols.length ? [`Sec-WebSocket-Protocol: ${opts.protocols.join(", ")}`] : []),
    "",
    "",
  ].join("\r\n");

  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host, ...opts.tls });
    let head = Buffer.alloc(0);
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`timed out after ${opts.timeoutMs ?? 30_000} ms waiting for the WebSocket handshake`)), opts.timeoutMs ?? 30_000);
    socket.once("secureConnect", () => socket.write(request));
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("connection closed during the WebSocket handshake")));
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > 64 * 1024) fail(new Error("WebSocket handshake response too large"));
        return;
      }
      socket.off("data", onData);
      const lines = head.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const i = line.indexOf(":");
        if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
      }
      const rest = head.subarray(end + 4);
      if (status !== 101) {
        readBody(socket, headers, rest).then((body) => {
          settled = true;
          clearTimeout(timer);
          socket.destroy();
          resolve({ ok: false, status, contentType: headers.get("content-type") ?? "", body });
        }, fail);
        return;
      }
      const accept = createHash("sha1").update(key + GUID).digest("base64");
      if (headers.get("sec-websocket-accept") !== accept) return fail(new Error("WebSocket handshake: bad Sec-WebSocket-Accept"));
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners("close");
      socket.removeAllListeners("error");
      resolve({ ok: true, connection: openConnection(socket, headers.get("sec-websocket-protocol") ?? "", rest, handlers) });
    };
    socket.on("data", onData);
  });
}

/** The body of a refused handshake (Content-Length, chunked, or until close), at most 64 KiB. */
function readBody(socket: TLSSocket, headers: Map<string, string>, first: Buffer): Promise<string> {
  return new Promise((resolve) => {
    let buf = first;
    const length = headers.has("content-length") ? Number(headers.get("content-length")) : undefined;
    const chunked = /chunked/i.test(headers.get("transfer-encoding") ?? "");
    const done = () => {
      socket.removeAllListeners("data");
      const body = chunked ? dechunk(buf) : buf.subarray(0, length ?? buf.length);
      resolve(body.subarray(0, MAX_REFUSAL_BODY).toString("utf8"));
    };
    const complete = () =>
      (length !== undefined && buf.length >= length) || (chunked && /(^|\r\n)0\r\n\r\n$/.test(buf.toString("latin1"))) || buf.length >= MAX_REFUSAL_BODY;
    if (complete()) return done();
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (complete()) done();
    });
    socket.once("close", done);
    socket.once("error", done);
  });
}

function dechunk(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf("\r\n", pos);
    if (eol < 0) break;
    const size = parseInt(buf.subarray(pos, eol).toString("latin1"), 16);
    if (!(size > 0)) break;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** Frames one client message (always masked, as RFC 6455 requires of clients). */
function frame(opcode: number, payload: Uint8Array): Buffer {
  const len = payload.length;
  const header = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  if (len < 126) header[1] = 0x80 | len;
  else if (len < 65536) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(len, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  const body = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) body[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([header, mask, body]);
}

function openConnection(socket: TLSSocket, protocol: string, initial: Buffer, handlers: WebSocketHandlers): WebSocketConnection {
  let buf = initial;
  let fragments: Buffer[] = [];
  let fragmentOp = 0;
  let closeSent = false;
  let closed = false;
  const decoder = new TextDecoder();

  const conn: WebSocketConnection = {
    protocol,
    send(data) {
      if (closeSent || socket.destroyed) return;
      socket.write(typeof data === "string" ? frame(OP.text, Buffer.from(data)) : frame(OP.binary, data));
    },
    close(code = 1000, reason = "") {
      if (closeSent || socket.destroyed) return;
      closeSent = true;
      const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
      payload.writeUInt16BE(code, 0);
      payload.write(reason, 2);
      socket.write(frame(OP.close, payload));
      setTimeout(() => socket.destroy(), 5000).unref(); // the server closes the TCP connection first
    },
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
  };

  const finish = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    handlers.close(code, reason);
  };

  const parse = () => {
    for (;;) {
      if (buf.length < 2) return;
      const fin = (buf[0]! & 0x80) !== 0;
      const opcode = buf[0]! & 0x0f;
      const masked = (buf[1]! & 0x80) !== 0;
      let len = buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      const maskKey = masked ? buf.subarray(off, off + 4) : undefined;
      if (masked) off += 4;
      if (buf.length < off + len) return;
      const payload = Buffer.from(buf.subarray(off, off + len));
      buf = buf.subarray(off + len);
      if (maskKey) for (let i = 0; i < payload.length; i++) payload[i]! ^= maskKey[i & 3]!;
      switch (opcode) {
        case OP.ping:
          if (!closeSent) socket.write(frame(OP.pong, payload));
          break;
        case OP.pong:
          break;
        case OP.close: {
          const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
          const reason = payload.length > 2 ? payload.subarray(2).toString("utf8") : "";
          if (!closeSent) {
            closeSent = true;
            socket.write(frame(OP.close, payload.subarray(0, Math.min(payload.length, 2))));
          }
          socket.end();
          finish(code, reason);
          return;
        }
        default: {
          if (opcode !== OP.continuation) {
            fragmentOp = opcode;
            fragments = [];
          }
          fragments.push(payload);
          if (!fin) break;
          const whole = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
          fragments = [];
          handlers.message(fragmentOp === OP.text ? decoder.decode(whole) : new Uint8Array(whole));
        }
      }
    }
  };

  socket.on("data", (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    parse();
  });
  socket.on("error", () => finish(1006, ""));
  socket.on("close", () => finish(1006, ""));
  queueMicrotask(parse); // frames that came with the handshake response
  return conn;
}
