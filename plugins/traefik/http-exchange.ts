/**
 * One request on the raw `web` entry point (http-listener.ts), from its parsed head to the end of
 * its response: the proxy's own answer (404, 503, 308, 502), or the request forwarded to an endpoint
 * over a pooled connection, its body streamed after it, the response streamed back; a 101 turns it
 * into a byte tunnel for the rest of the connection.
 *
 * It is the user of its backend connection (events: data, drain, closed) and the sink of the
 * response parser (raw mode: head, wire bytes of the body). The client connection owns the
 * request's bytes: it feeds the body to `writeUp` as it arrives (pump), and starts the next request
 * once this one calls `maybeFinish` with both directions done.
 */
import { BodyReader } from "./http1-body.ts";
import { ResponseParser, type ResponseHead, type ResponseSink } from "./http1-parser.ts";
import { headerLines, headerValue, type RequestHead } from "./http1-request.ts";
import { forwardedRequestHead, type Forwarding } from "./forwarded-head.ts";
import { badGateway, badRequest, pageBytes, type Page } from "./pages.ts";
import type { Backend, Router } from "./routing.ts";
import type { Conn, ConnUser } from "./upstream-pool.ts";
import type { ClientConnection, ListenerContext, RequestRecord } from "./http-listener.ts";

/** Bytes sent to a reused backend connection kept for a replay on a fresh one. */
const REPLAYABLE = 1 << 20;
const RAW = { raw: true }, RAW_UPGRADE = { raw: true, upgrade: true };
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "upgrade"]);

export class Exchange implements ConnUser, ResponseSink, RequestRecord {
  readonly started = performance.now();
  status = 0;
  router: Router | undefined = undefined;
  /** The router's Service this request goes to. */
  backend: Backend | null = null;
  /** Response header fields middlewares set or remove; null when none. */
  respEdits: Map<string, string | null> | null = null;
  upstream = "-";
  first = 0;
  attempt = 0;
  conn: Conn | null = null;
  attached = false;
  /** The request body still to come, or null. */
  reqBody: BodyReader | null;
  requestDone: boolean;
  parser: ResponseParser | null = null;
  responseStarted = false;
  responseDone = false;
  /** The backend connection cannot be reused after this exchange. */
  upstreamSpoilt = false;
  tunnel = false;
  /** Bytes the backend socket did not take yet. */
  upOut: Uint8Array[] | null = null;
  /** What was sent on a reused connection, for a replay; null when not replayable. */
  sent: Uint8Array[] | null = null;
  sentBytes = 0;
  received = false;
  recorded = false;
  /** Client-bound bytes collected during one backend read. */
  pend: Uint8Array | null = null;
  dechunk = false;

  private readonly ctx: ListenerContext;

  constructor(readonly c: ClientConnection, readonly req: RequestHead) {
    this.ctx = c.ctx;
    this.reqBody = req.framing === "none" ? null : new BodyReader(req.framing, req.contentLength);
    this.requestDone = this.reqBody === null;
  }

  /** Metrics and access log, once: the exchange is its own RequestRecord. */
  record(status: number) {
    if (this.recorded) return;
    this.recorded = true;
    this.status = status;
    this.ctx.record(this);
  }

  get method() { return this.req.method; }
  get target() { return this.req.target; }
  get host() { return this.req.host; }
  get ip() { return this.c.ip; }
  header(name: string) { return headerValue(this.req, name); }
  // RequestView (IngressRoute rules).
  headerValues(name: string): string[] { const out: string[] = []; for (const l of headerLines(this.req)) if (l.name === name) out.push(l.value); return out; }
  get query() { const t = this.req.target, q = t.indexOf("?"); return q < 0 ? "" : t.slice(q + 1); }

  /** Answers with a page of the proxy's own; the request body, if any, is read and dropped. */
  local(page: Page) {
    this.responseStarted = this.responseDone = true;
    this.record(page.status);
    const c = this.c;
    // A body not all here yet is not waited for: the connection closes after the answer.
    if (this.reqBody && c.buf) {
      try {
        const end = this.reqBody.read(c.buf, 0);
        c.buf = end < c.buf.length ? c.buf.subarray(end) : null;
      } catch { /* closes below */ }
    }
    const close = this.req.close || (this.reqBody !== null && !this.reqBody.done);
    if (!close && this.reqBody) { this.reqBody = null; this.requestDone = true; }
    c.send(pageBytes(page, close, this.req.method === "HEAD"));
    if (close) { c.ex = null; c.end(); return; }
    this.maybeFinish();
  }

  /** Connects to the next endpoint (a pooled connection when there is one). */
  connect() {
    const backend = this.backend!;
    const servers = backend.servers;
    const target = servers[(this.first + this.attempt) % servers.length]!;
    const tls = backend.scheme === "https";
    this.upstream = target;
    const idle = this.ctx.pool.takeIdle(target, tls);
    if (idle) { this.attach(idle, null); return; }
    this.ctx.pool.connect(target, tls).then((conn) => {
      if (this.c.ex !== this || this.c.closed) { this.ctx.pool.release(conn, true); return; }
      this.attach(conn, null);
    }, (err) => {
      if (this.c.ex !== this || this.c.closed) return;
      this.ctx.log.debug("backend connection failed", { router: this.router!.name, server: target, error: (err as Error).message });
      if (++this.attempt < Math.min(this.ctx.attempts, servers.length)) this.connect();
      else this.fail();
    });
  }

  /** Sends the request on conn: the forwarded head (or, for a replay, what was sent before), then the body. */
  attach(conn: Conn, replay: Uint8Array[] | null) {
    this.conn = conn;
    this.attached = true;
    conn.user = this;
    this.parser = new ResponseParser(this, this.req.method === "HEAD", this.req.upgrade === null ? RAW : RAW_UPGRADE);
    this.sent = conn.reused ? [] : null;
    this.sentBytes = 0;
    if (replay) for (const b of replay) this.writeUp(b);
    else {
      const fwd: Forwarding = { ip: this.c.ip, proto: "http", port: this.c.port, serverName: this.ctx.serverName };
      this.writeUp(Buffer.from(forwardedRequestHead(this.req, fwd, this.upstream), "latin1"));
    }
    this.c.pump();
  }

  writeUp(bytes: Uint8Array) {
    if (this.sent) {
      this.sentBytes += bytes.byteLength;
      if (this.sentBytes > REPLAYABLE) this.sent = null; else this.sent.push(bytes);
    }
    const conn = this.conn!;
    if (this.upOut) { this.upOut.push(bytes); return; }
    const n = conn.socket.write(bytes);
    if (n === bytes.byteLength || n < 0) return;
    this.upOut = [n === 0 ? bytes : bytes.subarray(n)];
    this.c.updatePause();
  }

  // ConnUser: the backend connection's events.
  drain(conn: Conn) {
    while (this.upOut) {
      const b = this.upOut[0]!;
      const n = conn.socket.write(b);
      if (n < 0) return;
      if (n < b.byteLength) { this.upOut[0] = b.subarray(n); return; }
      this.upOut.shift();
      if (this.upOut.length === 0) this.upOut = null;
    }
    this.c.updatePause();
    this.maybeFinish();
  }

  data(conn: Conn, data: Buffer) {
    const c = this.c;
    if (this.tunnel) {
      if (!c.send(data)) pauseConn(conn);
      return;
    }
    this.received = true;
    this.sent = null;
    let n: number;
    try {
      n = this.parser!.push(data);
    } catch (err) {
      this.pend = null;
      this.ctx.log.debug("bad response from the backend", { server: this.upstream, error: (err as Error).message });
      this.fail();
      return;
    }
    if (n < data.length) this.upstreamSpoilt = true; // bytes after the response (or after a 101: the new protocol's)
    const parser = this.parser!;
    if (parser.done && this.tunnel) { // 101 Switching Protocols: from here on, bytes both ways
      if (n < data.length) this.emit(data.subarray(n));
      const rest = c.buf;
      c.buf = null;
      if (rest) this.writeUp(rest);
    }
    if (this.pend) {
      const out = this.pend;
      this.pend = null;
      if (!c.send(out)) pauseConn(conn);
    }
    if (parser.done && !this.tunnel) { this.responseDone = true; this.maybeFinish(); }
  }

  closed(_conn: Conn, error?: Error) {
    this.attached = false;
    const c = this.c;
    if (this.tunnel) { c.ex = null; c.end(); return; }
    if (!this.received && this.sent && this.conn!.reused) {
      // A reused connection the backend had closed: once more on a fresh one.
      const replay = this.sent;
      this.upOut = null;
      this.ctx.pool.connect(this.upstream, this.backend!.scheme === "https").then((conn) => {
        if (c.ex !== this || c.closed) { this.ctx.pool.release(conn, true); return; }
        this.attach(conn, replay); // a fresh connection: no second replay
      }, () => { if (c.ex === this && !c.closed) this.fail(); });
      return;
    }
    this.upstreamSpoilt = true;
    try {
      this.parser!.eof();
    } catch (err) {
      this.ctx.log.debug("backend connection ended early", { server: this.upstream, error: (error ?? err as Error).message });
      this.pend = null;
      this.fail();
      return;
    }
    if (this.pend) { const out = this.pend; this.pend = null; c.send(out); }
    this.responseDone = true;
    if (!this.requestDone) { c.ex = null; c.end(); return; } // the rest of the body has nowhere to go
    this.maybeFinish();
  }

  // ResponseSink: the backend's response, in raw mode.
  interim(h: ResponseHead) {
    if (this.req.minor === 1) this.emit(h.bytes);
  }

  head(h: ResponseHead) {
    this.responseStarted = true;
    this.record(h.status);
    if (h.status === 101) { this.tunnel = true; this.emit(h.bytes); return; }
    if (h.close) this.upstreamSpoilt = true;
    const closeClient = this.req.close || h.framing === "close";
    if (closeClient) this.c.closeAfter = true;
    this.dechunk = this.req.minor === 0 && h.framing === "chunked";
    if (this.dechunk) this.parser!.raw = false;
    if (!h.hopByHop && !closeClient && this.req.minor === 1 && this.respEdits === null) this.emit(h.bytes);
    else this.emit(Buffer.from(responseHead(h, closeClient, this.dechunk, this.req.minor === 0, this.respEdits), "latin1"));
  }

  body(chunk: Uint8Array) { this.emit(chunk); }
  end() {}

  /** Queues client-bound bytes of this read; adjacent slices of one buffer stay one slice. */
  emit(b: Uint8Array) {
    const p = this.pend;
    if (!p) this.pend = b;
    else if (p.buffer === b.buffer && p.byteOffset + p.byteLength === b.byteOffset) this.pend = new Uint8Array(p.buffer, p.byteOffset, p.byteLength + b.byteLength);
    else this.pend = Buffer.concat([p, b]);
  }

  /** The exchange is over when the response is done and the request fully sent: the next request may start. */
  maybeFinish() {
    if (!this.responseDone || !this.requestDone || this.upOut || this.c.ex !== this) return;
    const c = this.c;
    c.ex = null;
    const conn = this.conn;
    if (conn && conn.user === this) this.ctx.pool.release(conn, !this.upstreamSpoilt);
    if (c.closeAfter) { c.end(); return; }
    c.pump();
  }

  /** The request cannot be forwarded (no endpoint, or the backend failed): 502, or a cut connection once the response began. */
  fail() {
    const c = this.c;
    if (this.conn && this.conn.user === this) this.ctx.pool.destroy(this.conn);
    this.attached = false;
    this.upOut = null;
    if (this.responseStarted) { c.ex = null; c.end(); return; }
    this.local(badGateway);
  }

  /** The client's body is malformed (chunked framing): nothing more can be read from it. */
  failRequest() {
    const c = this.c;
    if (this.conn && this.conn.user === this) this.ctx.pool.destroy(this.conn);
    c.ex = null;
    if (!this.responseStarted) { this.record(400); c.send(pageBytes(badRequest(400), true)); }
    c.end();
  }

  /** The client went away. */
  abort() {
    if (!this.recorded) this.record(499);
    if (this.conn && this.conn.user === this) this.ctx.pool.destroy(this.conn);
  }
}

/** The response head for the client when the backend's cannot go as it is. */
function responseHead(h: ResponseHead, close: boolean, dechunk: boolean, http10: boolean, edits: Map<string, string | null> | null): string {
  const drop = new Set(HOP_BY_HOP);
  if (edits !== null) for (const n of edits.keys()) drop.add(n);
  for (const [n, v] of h.headers) if (n === "connection") for (const t of v.split(",")) drop.add(t.trim().toLowerCase());
  if (dechunk) { drop.add("transfer-encoding"); drop.add("trailer"); }
  let s = `HTTP/1.1 ${h.status} ${h.statusText}\r\n`;
  for (const [n, v] of h.headers) if (!drop.has(n)) s += `${n}: ${v}\r\n`;
  if (edits !== null) for (const [n, v] of edits) if (v !== null) s += `${n}: ${v}\r\n`;
  if (close || dechunk) s += "connection: close\r\n";
  else if (http10) s += "connection: keep-alive\r\n";
  return `${s}\r\n`;
}

function pauseConn(conn: Conn) {
  if (!conn.paused) { conn.paused = true; conn.socket.pause(); }
}
