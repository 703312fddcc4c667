/**
 * Plain-HTTP upstream connections for the ingress proxy: a pool of raw keep-alive HTTP/1.1
 * connections per endpoint (`Bun.connect`), the request head written as bytes, the response parsed
 * by `ResponseParser`. A response whose body arrived with its head is handed over as bytes; any
 * other streams, with backpressure (the socket is paused while the client is not reading).
 *
 * A connection goes back to the pool only when the request was fully written, the response fully
 * read, nothing followed it, and neither side asked to close. Idle connections close after
 * IDLE_SECONDS (below common backend keep-alive timeouts).
 */
import type { Socket } from "bun";
import { ResponseParser, type ResponseHead } from "./http1-parser.ts";

const IDLE_SECONDS = 4;
const MAX_IDLE_PER_TARGET = 256;
/** Stream high-water mark (bytes) before the upstream socket is paused. */
const STREAM_HWM = 256 * 1024;

export interface UpstreamResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array | ReadableStream<Uint8Array> | null;
}

/** Connecting failed, or a reused connection died before anything came back: safe to retry. */
export class UpstreamRetryableError extends Error {}

type Conn = {
  target: string;
  socket: Socket<Conn> | null;
  closed: boolean;
  reused: boolean;
  ex: Exchange | null;
  pool: UpstreamPool;
  drainWaiter: (() => void) | null;
};

/** One request/response on a connection. */
class Exchange {
  parser: ResponseParser;
  head: ResponseHead | null = null;
  chunks: Uint8Array[] = [];
  ended = false;
  received = false;
  sentAll = false;
  controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  settled = false;
  constructor(readonly conn: Conn, readonly pool: UpstreamPool, noBody: boolean, readonly resolve: (r: UpstreamResponse) => void, readonly reject: (e: Error) => void) {
    this.parser = new ResponseParser({
      head: (h) => { this.head = h; },
      body: (c) => {
        if (this.controller) {
          this.controller.enqueue(c);
          if ((this.controller.desiredSize ?? 1) <= 0) this.conn.socket?.pause();
        } else this.chunks.push(c);
      },
      end: () => { this.ended = true; },
    }, noBody);
  }

  /** After each push / eof: hand the response over once its head is there; release at the end. */
  progress() {
    if (!this.settled && this.head) {
      this.settled = true;
      const h = this.head;
      let body: UpstreamResponse["body"] = null;
      if (this.ended) {
        body = this.chunks.length === 0 ? null : this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
        if (body === null && !this.noBodyStatus(h)) body = new Uint8Array(0);
      } else {
        const chunks = this.chunks;
        body = new ReadableStream<Uint8Array>({
          start: (c) => { this.controller = c; for (const chunk of chunks) c.enqueue(chunk); },
          pull: () => { this.conn.socket?.resume(); },
          cancel: () => { this.ended = true; this.pool.destroy(this.conn); },
        }, { highWaterMark: STREAM_HWM, size: (c) => c?.byteLength ?? 0 });
      }
      this.chunks = [];
      this.resolve({ status: h.status, statusText: h.statusText, headers: h.headers, body });
    }
    if (this.ended && this.settled && this.conn.ex === this) {
      this.controller?.close();
      this.controller = null;
      this.pool.release(this.conn, this.sentAll && !this.head!.close && this.parser.extra === 0);
    }
  }

  private noBodyStatus(h: ResponseHead) { return h.status === 204 || h.status === 304; }

  fail(err: Error) {
    if (!this.settled) {
      this.settled = true;
      this.reject(this.conn.reused && !this.received ? new UpstreamRetryableError(err.message) : err);
    } else if (this.controller) {
      try { this.controller.error(err); } catch { /* already closed */ }
      this.controller = null;
    }
  }
}

const handlers = {
  data(socket: Socket<Conn>, data: Buffer) {
    const conn = socket.data;
    const ex = conn.ex;
    if (!ex) { conn.pool.destroy(conn); return; } // unsolicited bytes on an idle connection
    ex.received = true;
    try {
      ex.parser.push(data);
    } catch (err) {
      conn.pool.destroy(conn);
      ex.fail(err as Error);
      return;
    }
    ex.progress();
  },
  drain(socket: Socket<Conn>) {
    const w = socket.data.drainWaiter;
    socket.data.drainWaiter = null;
    w?.();
  },
  end(socket: Socket<Conn>) { handlers.close(socket); },
  close(socket: Socket<Conn>, error?: Error) {
    const conn = socket.data;
    if (conn.closed) return;
    conn.closed = true;
    conn.pool.forget(conn);
    const w = conn.drainWaiter;
    conn.drainWaiter = null;
    w?.();
    const ex = conn.ex;
    if (!ex) return;
    try {
      ex.parser.eof();
      ex.progress();
    } catch (err) {
      ex.fail(error ?? (err as Error));
    }
    conn.ex = null;
  },
  error(socket: Socket<Conn>, error: Error) { handlers.close(socket, error); },
  timeout(socket: Socket<Conn>) { if (!socket.data.ex) socket.data.pool.destroy(socket.data); },
};


export class UpstreamPool {
  private idle = new Map<string, Conn[]>();
  private addrs = new Map<string, { hostname: string; port: number }>();
  private all = new Set<Conn>();

  /**
   * Sends one request to target ("ip:port", "[v6]:port"). `head` is the complete request head
   * (framing headers included); `body` bytes are sent after it, a stream as chunked data.
   * Rejects with UpstreamRetryableError when nothing reached the backend or came back from a reused
   * connection; with another error when the exchange failed after that.
   */
  async request(target: string, method: string, head: string, body: Uint8Array | ReadableStream<Uint8Array> | null, fresh = false): Promise<UpstreamResponse> {
    for (let attempt = 0; ; attempt++) {
      const conn = (!fresh && attempt === 0 && this.takeIdle(target)) || await this.connect(target);
      try {
        return await this.exchange(conn, method, head, body);
      } catch (err) {
        // A reused connection the backend had closed: once more on a fresh one.
        if (err instanceof UpstreamRetryableError && conn.reused && attempt === 0 && !(body instanceof ReadableStream)) continue;
        throw err;
      }
    }
  }

  private exchange(conn: Conn, method: string, head: string, body: Uint8Array | ReadableStream<Uint8Array> | null): Promise<UpstreamResponse> {
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const ex = new Exchange(conn, this, method === "HEAD", resolve, reject);
      conn.ex = ex;
      const headBytes = Buffer.from(head, "latin1");
      if (body instanceof ReadableStream) {
        this.write(conn, headBytes).then(() => this.pumpChunked(conn, ex, body)).then(() => { ex.sentAll = true; ex.progress(); }, (err) => {
          if (conn.ex === ex) { this.destroy(conn); ex.fail(err as Error); }
        });
      } else {
        const bytes = body && body.byteLength ? Buffer.concat([headBytes, body]) : headBytes;
        const n = conn.socket!.write(bytes);
        if (n === bytes.byteLength) ex.sentAll = true;
        else this.write(conn, bytes.subarray(Math.max(n, 0))).then(() => { ex.sentAll = true; if (ex.ended) ex.progress(); }, () => {});
      }
    });
  }

  private async pumpChunked(conn: Conn, ex: Exchange, body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (conn.closed || conn.ex !== ex) { reader.cancel().catch(() => {}); return; }
        if (done) break;
        if (!value.byteLength) continue;
        await this.write(conn, Buffer.concat([Buffer.from(`${value.byteLength.toString(16)}\r\n`), value, Buffer.from("\r\n")]));
      }
      await this.write(conn, Buffer.from("0\r\n\r\n"));
    } finally {
      reader.releaseLock();
    }
  }

  /** Writes all bytes, waiting for drain when the socket buffer is full. */
  private async write(conn: Conn, bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.byteLength) {
      if (conn.closed || !conn.socket) throw new Error("upstream connection closed");
      const n = conn.socket.write(off === 0 ? bytes : bytes.subarray(off));
      off += n > 0 ? n : 0;
      if (off < bytes.byteLength) await new Promise<void>((r) => { conn.drainWaiter = r; });
    }
  }

  private takeIdle(target: string): Conn | undefined {
    const list = this.idle.get(target);
    while (list?.length) {
      const c = list.pop()!;
      if (!c.closed && c.socket) { c.reused = true; c.socket.timeout(0); return c; }
    }
    return undefined;
  }

  private async connect(target: string): Promise<Conn> {
    let addr = this.addrs.get(target);
    if (!addr) {
      const colon = target.lastIndexOf(":");
      let hostname = target.slice(0, colon);
      if (hostname.startsWith("[")) hostname = hostname.slice(1, -1);
      addr = { hostname, port: Number(target.slice(colon + 1)) };
      this.addrs.set(target, addr);
    }
    const conn: Conn = { target, socket: null, closed: false, reused: false, ex: null, pool: this, drainWaiter: null };
    try {
      const socket = await Bun.connect<Conn>({ hostname: addr.hostname, port: addr.port, data: conn, socket: handlers as never });
      conn.socket = socket as Socket<Conn>;
      socket.setNoDelay(true);
    } catch (err) {
      throw new UpstreamRetryableError((err as Error).message);
    }
    if (conn.closed) throw new UpstreamRetryableError("connection closed at once");
    this.all.add(conn);
    return conn;
  }

  /** @internal The exchange on conn is over. */
  release(conn: Conn, reusable: boolean) {
    const c = conn;
    c.ex = null;
    if (!reusable || c.closed || !c.socket) { this.destroy(c); return; }
    let list = this.idle.get(c.target);
    if (!list) this.idle.set(c.target, (list = []));
    if (list.length >= MAX_IDLE_PER_TARGET) { this.destroy(c); return; }
    c.socket.resume(); // paused by a stream whose last bytes came in the chunk that filled it
    c.socket.timeout(IDLE_SECONDS);
    list.push(c);
  }

  /** @internal */
  destroy(conn: Conn) {
    const c = conn;
    if (!c.closed) { c.closed = true; c.socket?.terminate(); }
    this.forget(c);
  }

  /** @internal */
  forget(conn: Conn) {
    const c = conn;
    this.all.delete(c);
    const list = this.idle.get(c.target);
    const i = list ? list.indexOf(c) : -1;
    if (i >= 0) list!.splice(i, 1);
  }

  /** Closes every connection (in flight ones too). */
  close() {
    for (const c of [...this.all]) {
      const ex = c.ex;
      this.destroy(c);
      ex?.fail(new Error("proxy stopping"));
    }
    this.idle.clear();
  }
}
