/**
 * The proxy's connections to backends: a pool of keep-alive TCP (or TLS, certificates not verified)
 * connections per endpoint, `Bun.connect`. A connection is used by one exchange at a time, its
 * `user`, which receives the socket's events; between exchanges it waits idle in the pool and closes
 * after IDLE_SECONDS (below common backend keep-alive timeouts) or when the backend closes it.
 *
 * Contract for users: take a connection (`takeIdle`, else `connect`), set `conn.user`, write to
 * `conn.socket`; when done, `release(conn, reusable)` (reusable: the request was fully written, the
 * response fully read, nothing followed it, neither side asked to close) or `destroy(conn)`. A user
 * is told `closed` when the connection ends while it is the user (not after `destroy`, which the
 * caller asked for).
 */
import type { Socket } from "bun";

const IDLE_SECONDS = 4;
const MAX_IDLE_PER_TARGET = 256;

export interface ConnUser {
  data(conn: Conn, data: Buffer): void;
  /** The socket's send buffer has room again (after a short write). */
  drain(conn: Conn): void;
  /** The connection ended (backend close, reset, or the pool closing). */
  closed(conn: Conn, error?: Error): void;
}

export interface Conn {
  /** The endpoint, "ip:port" or "[v6]:port". */
  readonly target: string;
  readonly tls: boolean;
  socket: Socket<Conn>;
  closed: boolean;
  /** Taken from the idle pool (it served an earlier exchange): the backend may have closed it meanwhile. */
  reused: boolean;
  /** Set by a user that paused reading (`socket.pause()`); the pool resumes it on release. */
  paused: boolean;
  /** performance.now() when it last went idle. */
  idleSince: number;
  user: ConnUser | null;
  readonly pool: UpstreamPool;
}

/** Connecting failed, or a reused connection died before anything came back: safe to retry. */
export class UpstreamRetryableError extends Error {}

const handlers = {
  data(socket: Socket<Conn>, data: Buffer) {
    const conn = socket.data;
    if (conn.user) conn.user.data(conn, data);
    else conn.pool.destroy(conn); // unsolicited bytes on an idle connection
  },
  drain(socket: Socket<Conn>) { socket.data.user?.drain(socket.data); },
  end(socket: Socket<Conn>) { handlers.close(socket); },
  close(socket: Socket<Conn>, error?: Error) {
    const conn = socket.data;
    if (!conn || conn.closed) return;
    conn.closed = true;
    conn.pool.forget(conn);
    const user = conn.user;
    conn.user = null;
    user?.closed(conn, error);
  },
  error(socket: Socket<Conn>, error: Error) { handlers.close(socket, error); },
  timeout(socket: Socket<Conn>) {
    // Armed once per connection (re-armed here, not per exchange): closes connections idle for IDLE_SECONDS.
    const conn = socket.data;
    if (!conn.user && performance.now() - conn.idleSince >= IDLE_SECONDS * 1000 - 500) conn.pool.destroy(conn);
    else socket.timeout(IDLE_SECONDS);
  },
};

export class UpstreamPool {
  private idle = new Map<string, Conn[]>();
  private addrs = new Map<string, { hostname: string; port: number }>();
  private all = new Set<Conn>();

  /** An idle connection to target, marked reused, or undefined. */
  takeIdle(target: string, tls = false): Conn | undefined {
    const list = this.idle.get(tls ? `tls:${target}` : target);
    while (list?.length) {
      const c = list.pop()!;
      if (!c.closed) { c.reused = true; return c; }
    }
    return undefined;
  }

  /** A new connection to target; rejects with UpstreamRetryableError when connecting fails. */
  async connect(target: string, tls = false): Promise<Conn> {
    let addr = this.addrs.get(target);
    if (!addr) {
      const colon = target.lastIndexOf(":");
      let hostname = target.slice(0, colon);
      if (hostname.startsWith("[")) hostname = hostname.slice(1, -1);
      addr = { hostname, port: Number(target.slice(colon + 1)) };
      this.addrs.set(target, addr);
    }
    const conn = { target, tls, socket: null as unknown as Socket<Conn>, closed: false, reused: false, paused: false, idleSince: 0, user: null, pool: this } as Conn;
    try {
      conn.socket = await Bun.connect<Conn>({ hostname: addr.hostname, port: addr.port, data: conn, socket: handlers as never, ...(tls ? { tls: { rejectUnauthorized: false } } : {}) });
      conn.socket.setNoDelay(true);
      conn.socket.timeout(IDLE_SECONDS);
    } catch (err) {
      throw new UpstreamRetryableError((err as Error).message);
    }
    if (conn.closed) throw new UpstreamRetryableError("connection closed at once");
    this.all.add(conn);
    return conn;
  }

  /** The exchange on conn is over: keep it for the next one if reusable, else close it. */
  release(conn: Conn, reusable: boolean) {
    conn.user = null;
    if (!reusable || conn.closed) { this.destroy(conn); return; }
    const key = conn.tls ? `tls:${conn.target}` : conn.target;
    let list = this.idle.get(key);
    if (!list) this.idle.set(key, (list = []));
    if (list.length >= MAX_IDLE_PER_TARGET) { this.destroy(conn); return; }
    if (conn.paused) { conn.paused = false; conn.socket.resume(); }
    conn.idleSince = performance.now();
    list.push(conn);
  }

  /** Closes conn at once, without telling its user. */
  destroy(conn: Conn) {
    conn.user = null;
    if (!conn.closed) { conn.closed = true; conn.socket.terminate(); }
    this.forget(conn);
  }

  /** @internal */
  forget(conn: Conn) {
    this.all.delete(conn);
    const list = this.idle.get(conn.tls ? `tls:${conn.target}` : conn.target);
    const i = list ? list.indexOf(conn) : -1;
    if (i >= 0) list!.splice(i, 1);
  }

  /** Closes every connection; users of connections in use are told `closed`. */
  close() {
    for (const c of [...this.all]) {
      const user = c.user;
      this.destroy(c);
      user?.closed(c, new Error("proxy stopping"));
    }
    this.idle.clear();
  }
}
