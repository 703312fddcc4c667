/**
 * A small WebSocket client (RFC 6455) over TLS (Bun.connect), for the API server's hop to the kubelet.
 *
 * Bun's built-in WebSocket client cannot be used for that hop: it refuses subprotocols that are
 * not RFC 7230 tokens, and kubectl's port-forward protocol `SPDY/3.1+portforward.k8s.io` has a
 * '/'; it also drops the body of a refused handshake, which is the kubelet's error message. This
 * client sends any subprotocol list, returns a refusal's status and body, and then exchanges
 * messages: text and binary (fragmented ones reassembled), ping answered with pong, close echoed.
 */
import { createHash, randomBytes } from "node:crypto";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import type { Socket } from "bun";
import { OrderedSocketWriter } from "../../net/ordered-socket-writer.ts";

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

/**
 * Connects to a `wss://` URL. Rejects on transport errors (TLS, refused connection, timeout).
 *
 * The socket is Bun's own (Bun.connect), not node:tls: a node:tls socket is destroyed by a failed
 * write, and what the server sent that is still unread goes with it. The API server's relay
 * pauses this side while its client is slow; a kubelet that then writes its last messages and
 * closes answers the relay's next write (the client's stdin, a close frame) with a TCP reset, and
 * the node:tls socket dropped everything it held (tens of KiB of exec output) and reported 1006.
 * Bun's socket goes on reading to the server's FIN or reset; writes after the reset are dropped.
 */
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
    let socket: Socket | undefined;
    let writer: OrderedSocketWriter | undefined;
    let head = Buffer.alloc(0);
    let settled = false;
    const settle = (result: WebSocketHandshake | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result instanceof Error || !result.ok) socket?.terminate();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => settle(new Error(`timed out after ${opts.timeoutMs ?? 30_000} ms waiting for the WebSocket handshake`)), opts.timeoutMs ?? 30_000);
    // Where the socket's bytes and its end go: the response head, a refusal's body, then the connection.
    let onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > 64 * 1024) settle(new Error("WebSocket handshake response too large"));
        return;
      }
      const lines = head.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const i = line.indexOf(":");
        if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
      }
      const rest = head.subarray(end + 4);
      if (status !== 101) return readBody(status, headers, rest);
      const accept = createHash("sha1").update(key + GUID).digest("base64");
      if (headers.get("sec-websocket-accept") !== accept) return settle(new Error("WebSocket handshake: bad Sec-WebSocket-Accept"));
      const opened = openConnection(socket!, writer!, headers.get("sec-websocket-protocol") ?? "", rest, handlers);
      onData = opened.data;
      onEnd = opened.end;
      settle({ ok: true, connection: opened.connection });
    };
    let onEnd = (error?: Error) => settle(error ?? new Error("connection closed during the WebSocket handshake"));
    /** A refusal: its body (Content-Length, chunked, or until close), at most 64 KiB, is the answer. */
    const readBody = (status: number, headers: Map<string, string>, first: Buffer) => {
      let buf = first;
      const length = headers.has("content-length") ? Number(headers.get("content-length")) : undefined;
      const chunked = /chunked/i.test(headers.get("transfer-encoding") ?? "");
      const done = () => {
        const body = chunked ? dechunk(buf) : buf.subarray(0, length ?? buf.length);
        settle({ ok: false, status, contentType: headers.get("content-type") ?? "", body: body.subarray(0, MAX_REFUSAL_BODY).toString("utf8") });
      };
      const complete = () =>
        (length !== undefined && buf.length >= length) || (chunked && /(^|\r\n)0\r\n\r\n$/.test(buf.toString("latin1"))) || buf.length >= MAX_REFUSAL_BODY;
      if (complete()) return done();
      onData = (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        if (complete()) done();
      };
      onEnd = done;
    };
    Bun.connect({
      hostname: host,
      port,
      tls: { cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca, serverName: /^[\d.]+$|:/.test(host) ? undefined : host },
      socket: {
        // With this handler Bun leaves verification to us: the chain (authorizationError), then
        // the name, as node:tls does by default.
        handshake(s, success, authorizationError) {
          if (settled) return s.terminate(); // timed out meanwhile
          socket = s;
          const untrusted = !success || authorizationError ? (authorizationError ?? new Error("TLS handshake failed")) : checkServerIdentity(host, s.getPeerCertificate() as PeerCertificate);
          if (untrusted) return settle(untrusted);
          s.setNoDelay(true);
          writer = new OrderedSocketWriter(s);
          writer.write(Buffer.from(request, "latin1"));
        },
        data: (_s, chunk) => onData(chunk),
        drain: () => writer?.drain(),
        // The server's FIN comes after all it sent; a reset is reported once what the kernel holds
        // has been read. Either ends the connection (once; close follows both).
        end: () => onEnd(),
        error: (_s, error) => onEnd(error),
        close: (_s, error) => onEnd(error),
        connectError: (_s, error) => settle(error),
      },
    }).catch((error: Error) => settle(error));
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

/**
 * The open connection. Contract: every complete message the server sent before its close frame,
 * FIN or reset reaches `handlers.message`, in order, before `handlers.close`; while paused none is
 * delivered. Bun reads what the kernel holds when the peer closes even on a paused socket, so
 * bytes are buffered here until `resume` (bounded by the kernel's receive buffer), and the end of
 * the transport is reported only after them.
 */
function openConnection(
  socket: Socket,
  writer: OrderedSocketWriter,
  protocol: string,
  initial: Buffer,
  handlers: WebSocketHandlers,
): { connection: WebSocketConnection; data(chunk: Buffer): void; end(error?: Error): void } {
  let buf = initial;
  let fragments: Buffer[] = [];
  let fragmentOp = 0;
  let closeSent = false;
  let closed = false;
  let paused = false;
  let transportEnded = false;
  const decoder = new TextDecoder();

  const connection: WebSocketConnection = {
    protocol,
    send(data) {
      if (closeSent) return;
      writer.write(typeof data === "string" ? frame(OP.text, Buffer.from(data)) : frame(OP.binary, data));
    },
    close(code = 1000, reason = "") {
      if (closeSent) return;
      closeSent = true;
      const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
      payload.writeUInt16BE(code, 0);
      payload.write(reason, 2);
      writer.write(frame(OP.close, payload));
      setTimeout(() => socket.terminate(), 5000).unref(); // the server closes the TCP connection first
    },
    pause() {
      paused = true;
      socket.pause();
    },
    resume() {
      if (!paused) return;
      paused = false;
      socket.resume();
      queueMicrotask(deliver); // what was buffered while paused, then a pending end
    },
  };

  const finish = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    handlers.close(code, reason);
  };

  /** Delivers the complete messages buffered, up to a pause; then reports an ended transport. */
  const deliver = () => {
    parse();
    if (transportEnded && !paused) finish(1006, "");
  };

  const parse = () => {
    for (;;) {
      if (paused || closed || buf.length < 2) return;
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
          if (!closeSent) writer.write(frame(OP.pong, payload));
          break;
        case OP.pong:
          break;
        case OP.close: {
          const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
          const reason = payload.length > 2 ? payload.subarray(2).toString("utf8") : "";
          if (!closeSent) {
            closeSent = true;
            writer.write(frame(OP.close, payload.subarray(0, Math.min(payload.length, 2))));
          }
          finish(code, reason); // first: ending the socket may report its close synchronously
          writer.end();
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

  queueMicrotask(parse); // frames that came with the handshake response
  return {
    connection,
    data(chunk) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      parse();
    },
    end() {
      if (transportEnded) return;
      transportEnded = true;
      deliver();
    },
  };
}

