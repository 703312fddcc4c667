/**
 * The plain-HTTP entry point (`web`) as a raw HTTP/1.1 proxy on `Bun.listen`: no Request/Response
 * objects. Per client connection, requests are taken one at a time, in order (pipelined ones wait in
 * the buffer): the head is parsed (http1-request.ts), routed, spliced with the forwarded headers
 * (forwarded-head.ts) and written to a pooled keep-alive backend connection (upstream-pool.ts); the
 * body follows as received (Content-Length or chunked bytes, unchanged). The response is framed by
 * `ResponseParser` in raw mode only to know where it ends, and its bytes go to the client as they
 * are, the head too unless it has hop-by-hop fields or the client connection must close (then it is
 * rewritten). An HTTP/1.0 client gets a chunked body decoded and the connection closed after it.
 *
 * Backpressure both ways: a side whose writes stay pending pauses reading of the other side until
 * its `drain`. After a backend's `101 Switching Protocols` the connection becomes a byte tunnel.
 *
 * Failures: connecting to an endpoint fails -> the next one (up to `attempts`); a reused backend
 * connection closes before any byte comes back -> the request again on a fresh one (what was sent,
 * up to 1 MiB, is replayed); no endpoint -> 502; the backend fails after the response began -> the
 * client connection is closed. A request head that does not parse -> 400 (431, 501, 505) and
 * `Connection: close`. Every request is recorded once (metrics, access log): when its response
 * head goes out, or 499 when the client leaves before that.
 */
import type { Socket, TCPSocketListener } from "bun";
import type { Logger } from "@lite/sdk";
import { HttpParseError } from "./http1-body.ts";
import { parseRequestHead, type RequestHead } from "./http1-request.ts";
import { Exchange } from "./http-exchange.ts";
import { MwState, runMiddlewares, type MwResult } from "./middlewares.ts";
import { badRequest, notFound, pageBytes, redirect, unavailable } from "./pages.ts";
import { pickBackend, requestHost, type Backend, type Router } from "./routing.ts";
import type { RequestView } from "./rule.ts";
import type { UpstreamPool } from "./upstream-pool.ts";

/** What the listener needs from the proxy. */
export interface ListenerContext {
  /** The router for a request on this entry point (host without port, decoded path), or undefined. */
  route(host: string, path: string, req: RequestView): Router | undefined;
  /** The start index of the backend's round robin for the next request. */
  next(backend: Backend): number;
  /** Endpoints tried per request when connecting fails. */
  attempts: number;
  pool: UpstreamPool;
  serverName?: string;
  /** The HTTPS entry point's port (ssl-redirect). */
  httpsPort(): number;
  log: Logger;
  /** Called once per request. */
  record(r: RequestRecord): void;
}

export interface RequestRecord {
  router: Router | undefined;
  method: string;
  /** Path and query as forwarded. */
  target: string;
  status: number;
  /** performance.now() when the request head was parsed. */
  started: number;
  /** The endpoint, or "-". */
  upstream: string;
  host: string | null;
  ip: string;
  header(name: string): string | null;
}

export interface HttpListener {
  readonly port: number;
  /** Stops listening and closes every connection. */
  stop(): void;
}

const IDLE_SECONDS = 180;
/** Received bytes held (a pipelined request, a body waiting for its backend) before reading pauses. */
const MAX_BUFFERED = 256 * 1024;

/** One client connection: its received bytes, the request in progress, its pending output. */
export class ClientConnection {
  readonly ip: string;
  /** Received bytes not yet consumed: the rest of the current request's body, then pipelined requests. */
  buf: Buffer | null = null;
  ex: Exchange | null = null;
  /** Bytes the socket did not take yet. */
  out: Uint8Array[] | null = null;
  paused = false;
  /** Close once the current exchange is over and `out` is written. */
  closeAfter = false;
  closed = false;
  pumping = false;
  lastActive = performance.now();

  constructor(readonly socket: Socket<ClientConnection>, readonly ctx: ListenerContext, readonly port: number) {
    const raw = socket.remoteAddress ?? "";
    this.ip = raw.startsWith("::ffff:") ? raw.slice(7) : raw;
  }

  /** Writes to the client; false when bytes were left pending (the caller's source should pause). */
  send(bytes: Uint8Array): boolean {
    if (this.closed) return true;
    if (this.out) { this.out.push(bytes); return false; }
    const n = this.socket.write(bytes);
    if (n === bytes.byteLength || n < 0) return true; // n < 0: closed, the close handler cleans up
    this.out = [n === 0 ? bytes : bytes.subarray(n)];
    return false;
  }

  /** The socket has room again: writes what is pending, then lets the backend's bytes flow again. */
  flush() {
    while (this.out) {
      const b = this.out[0]!;
      const n = this.socket.write(b);
      if (n < 0) return;
      if (n < b.byteLength) { this.out[0] = b.subarray(n); return; }
      this.out.shift();
      if (this.out.length === 0) this.out = null;
    }
    if (this.closeAfter && !this.ex) { this.socket.end(); return; }
    const conn = this.ex?.conn;
    if (conn && conn.user === this.ex && !conn.closed && conn.paused) { conn.paused = false; conn.socket.resume(); }
  }

  /** Pauses reading while received bytes cannot go anywhere (the backend is not taking them, or too many wait). */
  updatePause() {
    const pause = (this.ex !== null && this.ex.upOut !== null) || (this.buf !== null && this.buf.length > MAX_BUFFERED);
    if (pause === this.paused || this.closed) return;
    this.paused = pause;
    if (pause) this.socket.pause(); else this.socket.resume();
  }

  /** Closes the connection once what is pending is written; nothing more is read. */
  end() {
    this.closeAfter = true;
    this.buf = null;
    if (!this.out && !this.closed) this.socket.end();
  }

  received(data: Buffer) {
    const ex = this.ex;
    if (ex && ex.tunnel) { if (ex.attached) ex.writeUp(data); return; }
    this.buf = this.buf ? Buffer.concat([this.buf, data]) : data;
    this.pump();
  }

  /**
   * Takes the requests in `buf`, one at a time, and feeds the current request's body onwards. Not
   * re-entered: a call from within (an exchange finishing at once) leaves it to the running loop.
   */
  pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.pumpLoop();
    } finally {
      this.pumping = false;
    }
    this.updatePause();
  }

  private pumpLoop() {
    while (!this.closed) {
      const ex = this.ex;
      if (!ex) {
        if (!this.buf || this.closeAfter) return;
        let head: RequestHead | null;
        try {
          head = parseRequestHead(this.buf);
        } catch (err) {
          this.send(pageBytes(badRequest(err instanceof HttpParseError ? err.status : 400), true));
          this.end();
          return;
        }
        if (!head) return;
        this.buf = head.end < this.buf.length ? this.buf.subarray(head.end) : null;
        this.begin(head);
        continue;
      }
      if (!ex.reqBody || !this.buf || !ex.attached) return;
      let end: number;
      try {
        end = ex.reqBody.read(this.buf, 0);
      } catch {
        ex.failRequest();
        return;
      }
      const chunk = end === this.buf.length ? this.buf : this.buf.subarray(0, end);
      this.buf = end < this.buf.length ? this.buf.subarray(end) : null;
      ex.writeUp(chunk);
      if (ex.reqBody.done) { ex.reqBody = null; ex.requestDone = true; ex.maybeFinish(); }
    }
  }

  /** Routes a request: the proxy's own answer, or on to an endpoint. */
  private begin(head: RequestHead) {
    const ctx = this.ctx;
    const ex = new Exchange(this, head);
    this.ex = ex;
    this.lastActive = ex.started;
    head.target = normalizeTarget(head.target);
    const q = head.target.indexOf("?");
    const router = ex.router = ctx.route(requestHost(head.host), decodePath(q < 0 ? head.target : head.target.slice(0, q)), ex);
    if (!router) ex.local(notFound);
    else if (router.sslRedirect) {
      const p = ctx.httpsPort();
      ex.local(redirect(`https://${requestHost(head.host)}${p === 443 ? "" : `:${p}`}${head.target}`));
    } else if (router.middlewares !== undefined) this.throughMiddlewares(ex, router);
    else this.forward(ex, router);
  }

  /** To the router's (next) Service. */
  private forward(ex: Exchange, router: Router) {
    const backend = router.weighted === undefined ? router.backend : pickBackend(router);
    if (backend.servers.length === 0) { ex.local(unavailable(router, backend)); return; }
    ex.backend = backend;
    ex.first = this.ctx.next(backend);
    ex.connect();
  }

  /** The router's middlewares, then its Service: they may answer, or edit the head (target, fields) and the response head to come. */
  private throughMiddlewares(ex: Exchange, router: Router) {
    const s = new MwState(ex, "http");
    const then = (page: MwResult) => {
      if (page) { ex.local(page); return; }
      ex.req.target = s.target;
      ex.req.edits = s.reqEdits;
      ex.respEdits = s.respEdits;
      this.forward(ex, router);
    };
    let r: MwResult | Promise<MwResult>;
    try {
      r = runMiddlewares(router.middlewares!, s);
    } catch (err) {
      this.ctx.log.warn("middleware failed", { router: router.name, error: (err as Error).message });
      r = { status: 500, headers: {}, body: "Internal Server Error" };
    }
    if (!(r instanceof Promise)) { then(r); return; }
    r.then((page) => {
      if (this.ex !== ex || this.closed) return;
      then(page);
      this.pump();
    }, (err) => {
      this.ctx.log.warn("middleware failed", { router: router.name, error: (err as Error).message });
      if (this.ex === ex && !this.closed) { ex.local({ status: 500, headers: {}, body: "Internal Server Error" }); this.pump(); }
    });
  }

  /** The socket closed. */
  closedNow() {
    if (this.closed) return;
    this.closed = true;
    this.ex?.abort();
    this.ex = null;
    this.buf = null;
    this.out = null;
  }
}

export function startHttpListener(ctx: ListenerContext, hostname: string, port: number): HttpListener {
  const clients = new Set<ClientConnection>();
  const listener: TCPSocketListener<ClientConnection> = Bun.listen<ClientConnection>({
    hostname, port,
    socket: {
      open(socket) {
        const c = new ClientConnection(socket, ctx, listener.port);
        socket.data = c;
        socket.setNoDelay(true);
        socket.timeout(IDLE_SECONDS);
        clients.add(c);
      },
      data(socket, data) { if (!socket.data.closed) socket.data.received(data); },
      drain(socket) { socket.data.flush(); },
      close(socket) {
        const c = socket.data;
        if (!c) return;
        clients.delete(c);
        c.closedNow();
      },
      error(socket) { socket.end(); },
      timeout(socket) {
        const c = socket.data;
        const idleFor = (performance.now() - c.lastActive) / 1000;
        if (c.ex || idleFor < IDLE_SECONDS - 1) socket.timeout(c.ex ? IDLE_SECONDS : Math.max(1, Math.ceil(IDLE_SECONDS - idleFor)));
        else socket.end();
      },
    },
  });

  return {
    get port() { return listener.port; },
    stop() {
      listener.stop(true);
      for (const c of [...clients]) c.socket.terminate();
    },
  };
}

/** An origin-form target with the path's dot segments removed (as Bun.serve's request URL has it). */
export function normalizeTarget(target: string): string {
  if (!target.includes("/.")) return target;
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  return path.includes("/.") ? removeDotSegments(path) + (q < 0 ? "" : target.slice(q)) : target;
}

function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segs = path.split("/");
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i]!;
    if (s === "..") { out.pop(); if (i === segs.length - 1) out.push(""); }
    else if (s === ".") { if (i === segs.length - 1) out.push(""); }
    else out.push(s);
  }
  return `/${out.join("/")}`;
}

function decodePath(path: string): string {
  if (!path.includes("%")) return path;
  try { return decodeURI(path); } catch { return path; }
}
