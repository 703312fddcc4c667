import type { Socket } from "bun";
import { SpdySession, type SpdySessionOptions } from "./session.ts";
import { OrderedSocketWriter } from "../../../net/ordered-socket-writer.ts";

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
export async function connectSpdy(url: string, streamProtocol: string, options: ConnectSpdyOptions = {}): Promise<SpdySession> {
  const conn = await upgradeToSpdy(url, streamProtocol, options.timeoutMs);
  let ended = false;
  const session = new SpdySession({ ...options, role: "client", transport: { write: (bytes) => conn.write(bytes), close: () => conn.end() } });
  conn.receive((chunk) => session.receive(chunk), (error) => {
    if (ended) return;
    ended = true;
    session.transportEnded(error);
  });
  return session;
}

/** An upgraded connection: raw SPDY bytes both ways. */
export interface UpgradedConnection {
  write(bytes: Uint8Array): void;
  /** Ends the connection once what was written has left. */
  end(): void;
  /** Where the peer's bytes (including any that came with the 101) and its end go; call once. */
  receive(onData: (chunk: Buffer) => void, onEnd: (error?: Error) => void): void;
}

/**
 * The SPDY upgrade handshake alone (connectSpdy's first half; the kubelet's SPDY tunnel relays the
 * bytes as they are). The socket is Bun's own (Bun.connect), not node:net: a node:net socket is
 * destroyed by a failed write, and what the peer sent that is still unread goes with it.
 * containerd ends every exec by writing the last output and closing; a frame this side sends after
 * that (a WINDOW_UPDATE, stdin) is answered with a TCP reset and the next write fails (EPIPE),
 * which on a loaded machine came before the tail of stdout had been read: `kubectl cp` out of a pod
 * failed with "unexpected EOF" (issue #6). Bun's socket goes on reading to the peer's FIN; writes
 * after the reset are dropped.
 */
export function upgradeToSpdy(url: string, streamProtocol: string, timeoutMs = 10_000): Promise<UpgradedConnection> {
  const target = new URL(url);
  if (target.protocol !== "http:") return Promise.reject(new Error(`unsupported streaming URL scheme ${target.protocol} (only http: is supported)`));
  const port = Number(target.port || 80);
  const host = target.hostname.replace(/^\[|\]$/g, "");
  return new Promise<UpgradedConnection>((resolve, reject) => {
    let socket: Socket | undefined;
    let writer: OrderedSocketWriter | undefined;
    let head = Buffer.alloc(0);
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`timed out upgrading ${target.origin}${target.pathname}`)), timeoutMs);
    const finish = (error?: Error, conn?: UpgradedConnection) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        socket?.terminate();
        reject(error);
      } else resolve(conn!);
    };
    // Where the socket's bytes and its end go: the response head, a refusal's body, then the receiver.
    let onData = (chunk: Buffer) => {
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
      finish(undefined, upgraded(rest));
    };
    let onEnd = (error?: Error) => finish(error ?? new Error(`connection to ${target.origin} closed during the upgrade`));
    // A refusal: keep reading its body (Content-Length or until close) for the error message.
    const readBody = (response: ParsedHead, first: Buffer) => {
      const length = Number(response.headers.get("content-length") ?? NaN);
      let body = first;
      const done = () => finish(new UpgradeFailedError(response.status, body.subarray(0, MAX_RESPONSE_HEAD).toString("utf8")));
      if (body.length >= length) return done();
      onData = (chunk) => {
        body = Buffer.concat([body, chunk]);
        if (body.length >= length || body.length > MAX_RESPONSE_HEAD) done();
      };
      onEnd = done;
    };
    /** The upgraded socket; bytes that arrive before `receive` is called are kept for it. */
    const upgraded = (rest: Buffer): UpgradedConnection => {
      const out = writer!;
      const early: Buffer[] = rest.length > 0 ? [rest] : [];
      let earlyEnd: { error?: Error } | undefined;
      onData = (chunk) => early.push(chunk);
      onEnd = (error) => { earlyEnd ??= { error }; };
      return {
        write: (bytes) => out.write(bytes),
        end: () => out.end(),
        receive(data, end) {
          onData = data;
          onEnd = end;
          queueMicrotask(() => {
            for (const chunk of early.splice(0)) data(chunk);
            if (earlyEnd) end(earlyEnd.error);
          });
        },
      };
    };
    Bun.connect({
      hostname: host,
      port,
      socket: {
        open(s) {
          if (settled) return s.terminate(); // timed out while connecting
          socket = s;
          s.setNoDelay(true);
          writer = new OrderedSocketWriter(s);
          writer.write(Buffer.from(
            `POST ${target.pathname}${target.search} HTTP/1.1\r\n` +
              `Host: ${target.host}\r\n` +
              `Connection: Upgrade\r\n` +
              `Upgrade: SPDY/3.1\r\n` +
              `X-Stream-Protocol-Version: ${streamProtocol}\r\n` +
              `Content-Length: 0\r\n\r\n`,
            "latin1",
          ));
        },
        data: (_s, chunk) => onData(chunk),
        drain: () => writer?.drain(),
        // The peer's FIN comes after all it sent; an error (a reset) is reported once what the
        // kernel holds has been read. Either ends the receiver (once; close follows both).
        end: () => onEnd(),
        error: (_s, error) => onEnd(error),
        close: (_s, error) => onEnd(error),
        connectError: (_s, error) => finish(error),
      },
    }).catch((error: Error) => finish(error));
  });
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
