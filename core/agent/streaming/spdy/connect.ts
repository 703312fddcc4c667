import net from "node:net";
import { SpdySession, type SpdySessionOptions } from "./session.ts";

/** The upstream refused the upgrade; `status` and `body` are what it answered. */
export class UpgradeFailedError extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`unable to upgrade connection: ${body.trim() || `HTTP ${status}`}`);
    this.name = "UpgradeFailedError";
  }
}

export interface ConnectSpdyOptions extends Omit<SpdySessionOptions, "role" | "transport"> {
  /** For the whole handshake; default 10 s. */
  timeoutMs?: number;
}

const MAX_RESPONSE_HEAD = 64 * 1024;

/**
 * Opens a client SPDY/3.1 session to an `http://` URL the way client-go's SPDY round tripper does:
 * `POST` with `Connection: Upgrade`, `Upgrade: SPDY/3.1` and `X-Stream-Protocol-Version:
 * <streamProtocol>`, expecting `101` with that protocol chosen. Used toward containerd's CRI
 * streaming server (exec/attach: `v4.channel.k8s.io`, port-forward: `portforward.k8s.io`).
 * Rejects with UpgradeFailedError on a non-101 answer, with Error on network failure or timeout.
 * The session owns the socket from then on: `session.close()` ends it.
 */
export function connectSpdy(url: string, streamProtocol: string, options: ConnectSpdyOptions = {}): Promise<SpdySession> {
  const target = new URL(url);
  if (target.protocol !== "http:") return Promise.reject(new Error(`unsupported streaming URL scheme ${target.protocol} (only http: is supported)`));
  const port = Number(target.port || 80);
  const host = target.hostname.replace(/^\[|\]$/g, "");
  return new Promise<SpdySession>((resolve, reject) => {
    const socket = net.connect({ host, port });
    let head = Buffer.alloc(0);
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`timed out upgrading ${target.origin}${target.pathname}`)), options.timeoutMs ?? 10_000);
    const finish = (error?: Error, session?: SpdySession) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
      if (error) {
        socket.destroy();
        reject(error);
      } else resolve(session!);
    };
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > MAX_RESPONSE_HEAD) finish(new Error("upgrade response head too large"));
        return;
      }
      const response = parseHead(head.subarray(0, end).toString("latin1"));
      const rest = head.subarray(end + 4);
      if (response.status !== 101) return readBody(response, rest);
      const upgrade = response.headers.get("upgrade") ?? "";
      const chosen = response.headers.get("x-stream-protocol-version") ?? "";
      if (upgrade.toLowerCase() !== "spdy/3.1") return finish(new Error(`upgrade answered with protocol "${upgrade}", not SPDY/3.1`));
      if (chosen !== streamProtocol) return finish(new Error(`upstream chose stream protocol "${chosen}", not ${streamProtocol}`));
      finish(undefined, attach(socket, rest, options));
    };
    // A refusal: keep reading its body (Content-Length or until close) for the error message.
    const readBody = (response: ParsedHead, first: Buffer) => {
      socket.off("data", onData);
      const length = Number(response.headers.get("content-length") ?? NaN);
      let body = first;
      const done = () => finish(new UpgradeFailedError(response.status, body.subarray(0, MAX_RESPONSE_HEAD).toString("utf8")));
      if (body.length >= length) return done();
      socket.on("data", (chunk: Buffer) => {
        body = Buffer.concat([body, chunk]);
        if (body.length >= length || body.length > MAX_RESPONSE_HEAD) done();
      });
      socket.once("end", done);
    };
    const onError = (e: Error) => finish(e);
    const onClose = () => finish(new Error(`connection to ${target.origin} closed during the upgrade`));
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
    socket.once("connect", () => {
      socket.write(
        `POST ${target.pathname}${target.search} HTTP/1.1\r\n` +
          `Host: ${target.host}\r\n` +
          `Connection: Upgrade\r\n` +
          `Upgrade: SPDY/3.1\r\n` +
          `X-Stream-Protocol-Version: ${streamProtocol}\r\n` +
          `Content-Length: 0\r\n\r\n`,
      );
    });
  });
}

/** Wires an upgraded socket to a new client session, replaying bytes that came with the 101. */
function attach(socket: net.Socket, rest: Uint8Array, options: ConnectSpdyOptions): SpdySession {
  socket.setNoDelay(true);
  let ended = false;
  const session = new SpdySession({
    ...options,
    role: "client",
    transport: {
      write: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      close: () => {
        if (socket.destroyed) return;
        socket.end();
        // The peer answers our FIN by closing; do not wait for it forever.
        setTimeout(() => socket.destroy(), 5_000).unref();
      },
    },
  });
  const end = (error?: Error) => {
    if (ended) return;
    ended = true;
    session.transportEnded(error);
  };
  socket.on("data", (chunk: Buffer) => session.receive(chunk));
  socket.on("end", () => end());
  socket.on("close", () => end());
  socket.on("error", (e) => end(e));
  if (rest.length > 0) queueMicrotask(() => session.receive(rest));
  return session;
}

interface ParsedHead {
  status: number;
  headers: Map<string, string>;
}

function parseHead(text: string): ParsedHead {
  const [statusLine = "", ...lines] = text.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status, headers };
}
