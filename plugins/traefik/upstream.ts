/**
 * Plain-HTTP upstream requests for the HTTPS entry point (`Bun.serve`): one request/response over a
 * pooled keep-alive connection (upstream-pool.ts), the request head written as bytes, the response
 * parsed by `ResponseParser` and handed over as a `Response` body. A body that arrived with its head
 * is handed over as bytes; any other streams, with backpressure (the socket is paused while the
 * client is not reading).
 */
import { ResponseParser, type ResponseHead } from "./http1-parser.ts";
import { UpstreamRetryableError, type Conn, type ConnUser, type UpstreamPool } from "./upstream-pool.ts";

export { UpstreamRetryableError };

/** Stream high-water mark (bytes) before the upstream socket is paused. */
const STREAM_HWM = 256 * 1024;

export interface UpstreamResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array | ReadableStream<Uint8Array> | null;
}

/** One request/response on a connection: the connection's user until the response ends. */
class Exchange implements ConnUser {
  parser: ResponseParser;
  head: ResponseHead | null = null;
  chunks: Uint8Array[] = [];
  ended = false;
  received = false;
  sentAll = false;
  controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  settled = false;
  drainWaiter: (() => void) | null = null;
  constructor(readonly conn: Conn, noBody: boolean, readonly resolve: (r: UpstreamResponse) => void, readonly reject: (e: Error) => void) {
    this.parser = new ResponseParser({
      head: (h) => { this.head = h; },
      body: (c) => {
        if (this.controller) {
          this.controller.enqueue(c);
          if ((this.controller.desiredSize ?? 1) <= 0) { this.conn.paused = true; this.conn.socket.pause(); }
        } else this.chunks.push(c);
      },
      end: () => { this.ended = true; },
    }, noBody);
  }

  data(conn: Conn, data: Buffer) {
    this.received = true;
    try {
      this.parser.push(data);
    } catch (err) {
      conn.pool.destroy(conn);
      this.fail(err as Error);
      return;
    }
    this.progress();
  }

  drain() {
    const w = this.drainWaiter;
    this.drainWaiter = null;
    w?.();
  }

  closed(_conn: Conn, error?: Error) {
    this.drain();
    try {
      this.parser.eof();
      this.progress();
    } catch (err) {
      this.fail(error ?? (err as Error));
    }
  }

  /** After each push / eof: hand the response over once its head is there; release at the end. */
  progress() {
    if (!this.settled && this.head) {
      this.settled = true;
      const h = this.head;
      let body: UpstreamResponse["body"] = null;
      if (this.ended) {
        body = this.chunks.length === 0 ? null : this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
        if (body === null && h.status !== 204 && h.status !== 304) body = new Uint8Array(0);
      } else {
        const chunks = this.chunks;
        body = new ReadableStream<Uint8Array>({
          start: (c) => { this.controller = c; for (const chunk of chunks) c.enqueue(chunk); },
          pull: () => { if (!this.conn.closed && this.conn.paused) { this.conn.paused = false; this.conn.socket.resume(); } },
          cancel: () => { this.ended = true; if (this.conn.user === this) this.conn.pool.destroy(this.conn); },
        }, { highWaterMark: STREAM_HWM, size: (c) => c?.byteLength ?? 0 });
      }
      this.chunks = [];
      this.resolve({ status: h.status, statusText: h.statusText, headers: h.headers, body });
    }
    if (this.ended && this.settled) {
      this.controller?.close();
      this.controller = null;
      if (this.conn.user === this) this.conn.pool.release(this.conn, this.sentAll && !this.head!.close && this.parser.extra === 0);
    }
  }

  fail(err: Error) {
    if (!this.settled) {
      this.settled = true;
      this.reject(this.conn.reused && !this.received ? new UpstreamRetryableError(err.message) : err);
    } else if (this.controller) {
      try { this.controller.error(err); } catch { /* already closed */ }
      this.controller = null;
    }
  }

  /** Writes all bytes, waiting for drain when the socket buffer is full. */
  async write(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.byteLength) {
      if (this.conn.closed || this.conn.user !== this) throw new Error("upstream connection closed");
      const n = this.conn.socket.write(off === 0 ? bytes : bytes.subarray(off));
      off += n > 0 ? n : 0;
      if (off < bytes.byteLength) await new Promise<void>((r) => { this.drainWaiter = r; });
    }
  }

  async pumpChunked(body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (this.conn.closed || this.conn.user !== this) { reader.cancel().catch(() => {}); return; }
        if (done) break;
        if (!value.byteLength) continue;
        await this.write(Buffer.concat([Buffer.from(`${value.byteLength.toString(16)}\r\n`), value, Buffer.from("\r\n")]));
      }
      await this.write(Buffer.from("0\r\n\r\n"));
    } finally {
      reader.releaseLock();
    }
  }
}

/**
 * Sends one request to target ("ip:port", "[v6]:port") over a pooled connection. `head` is the
 * complete request head (framing headers included); `body` bytes are sent after it, a stream as
 * chunked data. Rejects with UpstreamRetryableError when nothing reached the backend; a request that
 * meets a reused connection the backend had closed (nothing came back) goes once more on a fresh one.
 */
export async function upstreamRequest(pool: UpstreamPool, target: string, method: string, head: string, body: Uint8Array | ReadableStream<Uint8Array> | null, fresh = false): Promise<UpstreamResponse> {
  for (let attempt = 0; ; attempt++) {
    const conn = (!fresh && attempt === 0 && pool.takeIdle(target)) || await pool.connect(target);
    try {
      return await exchange(conn, method, head, body);
    } catch (err) {
      if (err instanceof UpstreamRetryableError && conn.reused && attempt === 0 && !(body instanceof ReadableStream)) continue;
      throw err;
    }
  }
}

function exchange(conn: Conn, method: string, head: string, body: Uint8Array | ReadableStream<Uint8Array> | null): Promise<UpstreamResponse> {
  return new Promise<UpstreamResponse>((resolve, reject) => {
    const ex = new Exchange(conn, method === "HEAD", resolve, reject);
    conn.user = ex;
    const headBytes = Buffer.from(head, "latin1");
    if (body instanceof ReadableStream) {
      ex.write(headBytes).then(() => ex.pumpChunked(body)).then(() => { ex.sentAll = true; ex.progress(); }, (err) => {
        if (conn.user === ex) { conn.pool.destroy(conn); ex.fail(err as Error); }
      });
    } else {
      const bytes = body && body.byteLength ? Buffer.concat([headBytes, body]) : headBytes;
      const n = conn.socket.write(bytes);
      if (n === bytes.byteLength) ex.sentAll = true;
      else ex.write(bytes.subarray(Math.max(n, 0))).then(() => { ex.sentAll = true; if (ex.ended) ex.progress(); }, () => {});
    }
  });
}
