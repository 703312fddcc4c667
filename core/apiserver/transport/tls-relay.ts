// The TLS half of the HTTPS front: a TLS listener that classifies each client certificate and
// pipes the decrypted bytes over a new loopback TCP connection to the internal Bun.serve. Runs
// either on the front's Worker thread (front-worker.ts) or, with `inline`, on the main thread.
//
// Built on Bun's native sockets (Bun.listen / Bun.connect): each chunk is one callback and one
// write, with no Node stream machinery in between (node:tls + pipe() cost ~50 µs more per
// request here, bench/tls-front/RESULTS.md).
//
// Contract: for every relayed connection, `hooks.register(localPort, peer)` is called once the
// upstream socket is connected and NO byte is written to the upstream before the promise it
// returns resolves; `hooks.unregister` is called exactly once after a registration, when the
// upstream socket has closed. The registration also hands over the connection's DirectTarget,
// through which a watch response can be written to the client without the upstream (direct-streams.ts).
import type { Socket, TCPSocketListener } from "bun";
import { classifyPeer, type ClientCertificate } from "./peer-identity.ts";
import { clientFrame, MAX_SNIFF, rewriteSpdyUpgrade, ServerFrameReader, spdyResponseFor } from "./spdy-upgrade.ts";
import { LAST_CHUNK } from "./direct-streams.ts";

export interface RelayHooks {
  /** Record the identity of the upstream connection from 127.0.0.1:localPort; bytes flow once it resolves. */
  /** `clientAddress` is the TLS client's remote IP (what audit records as the source). */
  register(localPort: number, peer: ClientCertificate, clientAddress: string, target: DirectTarget): void | Promise<void>;
  unregister(localPort: number): void;
}

/**
 * A relayed connection taken over for one streamed response (direct-streams.ts). After
 * `takeOver(head)` the client gets `head` and then only what `write` is given; what the upstream
 * sends and what the client sends are dropped. `end()` writes the last chunk and closes the
 * upstream; the client gets FIN once everything queued for it is out, however long that takes,
 * and the connection is destroyed LINGER_MS after that FIN if the client has not closed. A client that falls MAX_DIRECT_BACKLOG bytes behind
 * is disconnected (as upstream closes a watcher that cannot keep up).
 */
export interface DirectTarget {
  takeOver(head: Uint8Array): void;
  write(chunk: Uint8Array): void;
  end(): void;
}

/** Bytes a taken-over connection may hold for a client that does not read (the initial events of a large watch fit). */
const MAX_DIRECT_BACKLOG = 256 * 1024 * 1024;

export interface TlsListenOptions {
  host: string;
  port: number;
  cert: string;
  key: string;
  clientCA: string;
  internalPort: number;
}

export interface TlsListener {
  readonly port: number;
  /** Closes the listener and destroys every open connection (both sides). */
  close(): Promise<void>;
}

/** How long a side whose peer has closed may take to flush and end before it is destroyed. */
const LINGER_MS = 5_000;

/** Listens for TLS connections and relays each to 127.0.0.1:internalPort. Rejects if it cannot listen. */
export async function listenTls(opts: TlsListenOptions, hooks: RelayHooks): Promise<TlsListener> {
  const open = new Set<Relay>();
  let listener: TCPSocketListener<Relay | undefined>;
  try {
    listener = Bun.listen<Relay | undefined>({
      hostname: opts.host,
      port: opts.port,
      allowHalfOpen: true,
      tls: { cert: opts.cert, key: opts.key, ca: opts.clientCA, requestCert: true, rejectUnauthorized: false },
      data: undefined,
      socket: {
        handshake(socket, _success, authorizationError) {
          const relay = new Relay(socket, opts.internalPort, hooks, open);
          socket.data = relay;
          relay.start(classifyPeer(socket, authorizationError));
        },
        data: (socket, chunk) => socket.data?.fromClient(chunk),
        drain: (socket) => socket.data?.client.flush(),
        end: (socket) => socket.data?.clientEnded(),
        close: (socket) => socket.data?.clientClosed(),
        error() {}, // the close that follows finishes the connection
      },
    });
  } catch (err) {
    throw listenError(err, opts);
  }
  return {
    port: listener.port,
    async close() {
      listener.stop(true);
      for (const r of [...open]) r.destroy();
      open.clear();
    },
  };
}

/** The listen failure with Node's errno code (EADDRINUSE, ...) so callers can tell causes apart. */
function listenError(err: unknown, opts: TlsListenOptions): Error {
  const e: NodeJS.ErrnoException = err instanceof Error ? err : new Error(String(err));
  if (!e.code && /in use/i.test(e.message)) e.code = "EADDRINUSE";
  if (!/\d/.test(e.message)) e.message = `${e.message} (${opts.host}:${opts.port})`;
  return e;
}

/**
 * One direction's writer: bytes for `socket`, in order. What the socket does not take at once
 * waits in `queue` (written on drain); while it waits, the side that produces the bytes is paused
 * (`source`), so the relay holds at most what one read delivered per direction.
 */
class Outbound {
  socket: Socket<unknown> | undefined;
  source: Socket<unknown> | undefined;
  readonly queue: Uint8Array[] = [];
  /** Bytes in `queue`. */
  queued = 0;
  /** end() once the queue is out. */
  ending = false;
  ended = false;
  /**
   * Sends FIN: end() on the TLS side (close_notify, then FIN), shutdown() on the plain upstream
   * (Bun's end() on a plain TCP socket closes it at once, reading side included).
   */
  sendEnd: (s: Socket<unknown>) => void = (s) => s.end();
  /** Called once FIN has been sent. */
  onEnded: (() => void) | undefined;

  write(bytes: Uint8Array | string): void {
    if (this.ended || this.ending) return;
    const b = typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes;
    if (b.length === 0) return;
    // Queued bytes are copied: the runtime may reuse a read's memory once its callback returns.
    if (!this.socket || this.queue.length > 0) {
      this.queue.push(Buffer.from(b));
      this.queued += b.length;
      this.source?.pause();
      return;
    }
    const n = this.socket.write(b);
    if (n < b.length) {
      const rest = b.subarray(Math.max(0, n));
      this.queue.push(Buffer.from(rest));
      this.queued += rest.length;
      this.source?.pause();
    }
  }

  /** Writes what waits (on drain, or once the socket exists); resumes the source when all is out. */
  flush(): void {
    const s = this.socket;
    if (!s) return;
    while (this.queue.length > 0) {
      const b = this.queue[0]!;
      const n = s.write(b);
      if (n < b.length) {
        this.queue[0] = b.subarray(Math.max(0, n));
        this.queued -= Math.max(0, n);
        return;
      }
      this.queue.shift();
      this.queued -= b.length;
    }
    this.source?.resume();
    if (this.ending && !this.ended) {
      this.ended = true;
      this.sendEnd(s);
      this.onEnded?.();
    }
  }

  /** Sends FIN after what waits. */
  end(): void {
    if (this.ending) return;
    this.ending = true;
    if (this.socket && this.queue.length === 0) {
      this.ended = true;
      this.sendEnd(this.socket);
      this.onEnded?.();
    }
  }
}

type Mode = "waiting" | "sniff" | "plain" | "spdy-head" | "spdy";

/**
 * One relayed connection. Contract (half-close): an error on one socket closes only that socket.
 * What the relay already holds for the other side is still delivered, in order, and only then is
 * the other side ended (FIN), never reset. Example: the internal server writes a response and
 * closes while the TLS client is slow; the client's next bytes reach a closed port and the
 * upstream write fails; resetting the TLS socket then cut the response (the client got 80 of
 * 256 KiB and a reset). Both sockets end up closed: once the finished side has flushed and its
 * peer has ended too, or after LINGER_MS.
 */
class Relay implements DirectTarget {
  readonly client = new Outbound();
  readonly upstream = new Outbound();
  #up: Socket<Relay> | undefined;
  #mode: Mode = "waiting";
  /** Client bytes before the mode decides what to do with them. */
  #early: Uint8Array[] = [];
  #clientEnded = false;
  #clientClosed = false;
  #upClosed = false;
  #registeredPort: number | undefined;
  #linger: Timer | undefined;
  /** Taken over for a direct stream (DirectTarget). */
  #direct = false;
  /** The connection's first request was HTTP/1.0: a taken-over body is sent unframed, ended by the close. */
  #http10 = false;
  // SPDY tunnel state (spdy-upgrade.ts)
  #frames = new ServerFrameReader();
  #head: Buffer = Buffer.alloc(0);

  constructor(
    readonly tls: Socket<Relay | undefined>,
    readonly internalPort: number,
    readonly hooks: RelayHooks,
    readonly open: Set<Relay>,
  ) {
    open.add(this);
    tls.setNoDelay(true);
    this.client.socket = tls as Socket<unknown>;
  }

  start(peer: ClientCertificate): void {
    Bun.connect<Relay>({
      hostname: "127.0.0.1",
      port: this.internalPort,
      allowHalfOpen: true,
      data: this,
      socket: {
        open: (up) => this.#upstreamOpen(up, peer),
        data: (_up, chunk) => this.#fromUpstream(chunk),
        drain: () => this.upstream.flush(),
        end: () => this.#upstreamEnded(),
        close: () => this.#upstreamClosed(),
        connectError: () => this.#upstreamClosed(),
        error() {},
      },
    }).catch(() => this.#upstreamClosed());
  }

  #upstreamOpen(up: Socket<Relay>, peer: ClientCertificate): void {
    this.#up = up;
    up.setNoDelay(true);
    if (this.#clientClosed) return void up.terminate();
    this.#registeredPort = up.localPort;
    const go = () => {
      if (this.#clientClosed || this.#upClosed) return this.destroy();
      this.upstream.socket = up as Socket<unknown>;
      this.upstream.sendEnd = (s) => s.shutdown();
      this.upstream.source = this.tls as Socket<unknown>;
      this.client.source = up as Socket<unknown>;
      this.#mode = "sniff";
      this.tls.resume();
      const early = this.#early;
      this.#early = [];
      for (const b of early) this.fromClient(b);
      if (this.#clientEnded) this.clientEnded();
    };
    const registered = this.hooks.register(this.#registeredPort, peer, this.tls.remoteAddress ?? "", this);
    if (registered) registered.then(go, () => this.destroy());
    else go();
  }

  fromClient(chunk: Uint8Array): void {
    if (this.#upClosed || this.#destroyed || this.#direct) return; // read and dropped (see #finish, takeOver)
    switch (this.#mode) {
      case "waiting":
        this.#early.push(Buffer.from(chunk)); // the runtime may reuse the chunk's memory
        this.tls.pause();
        return;
      case "sniff": {
        // The first request of a connection may be an SPDY upgrade (spdy-upgrade.ts); anything
        // else is relayed untouched.
        const first = Buffer.from(chunk);
        const tunnel = spdyTunnelHead(first);
        if (!tunnel) {
          this.#mode = "plain";
          this.#http10 = isHttp10Request(first);
          this.upstream.write(first);
          return;
        }
        this.#mode = "spdy-head";
        this.upstream.write(Buffer.from(tunnel.wsHead, "latin1"));
        const rest = first.subarray(tunnel.headLength);
        if (rest.length > 0) this.#early.push(rest);
        return;
      }
      case "plain":
        this.upstream.write(chunk);
        return;
      case "spdy-head":
        // Held until the upgrade is answered; the client is paused meanwhile so what is held
        // stays at what one read delivered (#spdyHead resumes it).
        this.#early.push(Buffer.from(chunk));
        this.tls.pause();
        return;
      case "spdy":
        this.upstream.write(clientFrame(0x2, Buffer.from(chunk)));
        return;
    }
  }

  #fromUpstream(chunk: Uint8Array): void {
    if (this.#clientClosed || this.#destroyed || this.#direct) return; // read and dropped (see #finish, takeOver)
    switch (this.#mode) {
      case "spdy-head":
        return this.#spdyHead(Buffer.from(chunk));
      case "spdy":
        return this.#toClientFrames(Buffer.from(chunk));
      default:
        this.client.write(chunk);
    }
  }

  /** The internal server's answer to the rewritten upgrade: a 101 starts the tunnel; anything else is relayed as it is. */
  #spdyHead(chunk: Buffer): void {
    this.#head = this.#head.length ? Buffer.concat([this.#head, chunk]) : chunk;
    const end = this.#head.indexOf("\r\n\r\n");
    if (end < 0) return;
    const head = this.#head;
    this.#head = Buffer.alloc(0);
    const answer = spdyResponseFor(head.subarray(0, end + 4).toString("latin1"));
    const early = this.#early;
    this.#early = [];
    if (!answer) {
      // A refusal: the client gets it as the server wrote it; the connection goes on untouched.
      this.#mode = "plain";
      this.client.write(head);
      for (const b of early) this.upstream.write(b);
      this.#resumeClient();
      if (this.#clientEnded) this.upstream.end();
      return;
    }
    this.client.write(answer);
    this.#mode = "spdy";
    for (const b of early) this.upstream.write(clientFrame(0x2, b));
    this.#resumeClient();
    if (this.#clientEnded) this.#endTunnelUp();
    this.#toClientFrames(head.subarray(end + 4));
  }

  /** Reads from the client again, unless what it sent still waits for the upstream (then its drain does). */
  #resumeClient(): void {
    if (this.upstream.queue.length === 0) this.tls.resume();
  }

  #toClientFrames(chunk: Buffer): void {
    for (const frame of this.#frames.push(chunk)) {
      if (frame.opcode === 0x2 || frame.opcode === 0x0 || frame.opcode === 0x1) this.client.write(frame.payload);
      else if (frame.opcode === 0x8) this.client.end();
      else if (frame.opcode === 0x9) this.upstream.write(clientFrame(0xa, frame.payload));
    }
  }

  #endTunnelUp(): void {
    this.upstream.write(clientFrame(0x8, Buffer.from([0x03, 0xe8])));
    this.upstream.end();
  }

  /** The client sent FIN: forward it (after what waits), unless the tunnel head is still pending. */
  clientEnded(): void {
    this.#clientEnded = true;
    if (this.#direct) return this.destroy(); // as upstream: a client that hangs up ends its watch
    if (this.#mode === "waiting" || this.#mode === "spdy-head") return;
    if (this.#mode === "spdy") return this.#endTunnelUp();
    this.upstream.end();
  }

  #upstreamEnded(): void {
    this.client.end();
  }

  clientClosed(): void {
    if (this.#clientClosed) return;
    this.#clientClosed = true;
    if (this.#destroyed) return;
    if (this.#direct) return this.destroy();
    this.#up?.resume(); // it may be paused behind bytes the client will never take
    this.#finish(this.upstream, () => this.#up?.shutdown());
  }

  #upstreamClosed(): void {
    if (this.#upClosed) return;
    this.#upClosed = true;
    if (this.#registeredPort !== undefined) {
      const port = this.#registeredPort;
      this.#registeredPort = undefined;
      this.hooks.unregister(port);
    }
    if (this.#destroyed) return;
    if (this.#direct) {
      // The internal server has nothing more to say on a taken-over connection: the client gets
      // what is queued for it (the last chunk too, after end()), then FIN; the linger counts from
      // the FIN, so a slow reader is not cut off while it still reads.
      if (this.client.ended) return this.#armLinger();
      this.client.onEnded = () => this.#armLinger();
      this.client.end();
      return;
    }
    if (!this.#up) {
      // Never connected: nothing to deliver.
      this.tls.end();
      return this.#forget();
    }
    this.tls.resume(); // it may be paused behind bytes the upstream will never take
    this.#finish(this.client, () => this.tls.end());
  }

  /**
   * One side is closed: end the other once what it still has to write is out, and keep reading
   * (and dropping) what its peer sends so the kernel does not answer unread input with a reset.
   * The other socket closes by itself once its peer has ended too (FIN both ways); LINGER_MS is
   * the backstop.
   */
  #finish(other: Outbound, endOther: () => void): void {
    other.source = undefined;
    if (this.#clientClosed && this.#upClosed) return this.#forget();
    if (other.socket === undefined) endOther();
    else other.end();
    this.#armLinger();
  }

  /** Destroys the connection LINGER_MS from now unless both sides have closed by then. */
  #armLinger(): void {
    this.#linger ??= setTimeout(() => this.destroy(), LINGER_MS);
    this.#linger.unref?.();
  }

  #destroyed = false;

  takeOver(head: Uint8Array): void {
    if (this.#destroyed || this.#clientClosed) return;
    // A watch arrives only on a connection relaying plain HTTP; anything else cannot be answered
    // directly, and closing it tells the main thread (unregister) to cancel the stream.
    if (this.#mode !== "plain") return this.destroy();
    this.#direct = true;
    this.client.source = undefined; // nothing upstream to pause any more
    this.upstream.source = undefined;
    this.tls.resume();
    this.client.write(this.#http10 ? http10Head(head) : head);
  }

  write(chunk: Uint8Array): void {
    if (!this.#direct || this.#destroyed) return;
    if (this.#http10) for (const data of unframeChunks(chunk)) this.client.write(data);
    else this.client.write(chunk);
    if (this.client.queued > MAX_DIRECT_BACKLOG) this.destroy();
  }

  end(): void {
    if (!this.#direct || this.#destroyed) return;
    if (!this.#http10) this.client.write(LAST_CHUNK);
    this.client.end();
    this.#up?.terminate();
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.tls.terminate();
    this.#up?.terminate();
    this.#forget();
  }

  #forget(): void {
    if (this.#linger) clearTimeout(this.#linger);
    this.open.delete(this);
  }
}

/** True when `first` opens with an HTTP/1.0 request line (such clients cannot read chunked bodies). */
function isHttp10Request(first: Buffer): boolean {
  const eol = first.indexOf("\r\n");
  return eol > 9 && first.subarray(eol - 9, eol).toString("latin1") === " HTTP/1.0";
}

/** A taken-over head for an HTTP/1.0 client: no chunked framing (the close ends the body), as Bun.serve answers them. */
function http10Head(head: Uint8Array): Buffer {
  return Buffer.from(Buffer.from(head).toString("latin1").replace(/\r\ntransfer-encoding: chunked(?=\r\n)/i, ""), "latin1");
}

/** The data of the whole HTTP chunks in `framed` (direct-streams.ts writes whole chunks only). */
function* unframeChunks(framed: Uint8Array): Generator<Uint8Array> {
  const b = Buffer.from(framed.buffer, framed.byteOffset, framed.length);
  let at = 0;
  while (at < b.length) {
    const eol = b.indexOf("\r\n", at);
    if (eol < 0) return;
    const size = parseInt(b.subarray(at, eol).toString("latin1"), 16);
    if (!(size > 0)) return;
    yield b.subarray(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** The WebSocket request to send instead when `first` opens with a complete SPDY upgrade request head. */
function spdyTunnelHead(first: Buffer): { wsHead: string; headLength: number } | undefined {
  const text = first.subarray(0, MAX_SNIFF).toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0 || !/\r\nupgrade:\s*spdy\/3\.1\s*\r\n/i.test(text.slice(0, end + 2))) return undefined;
  const wsHead = rewriteSpdyUpgrade(text.slice(0, end + 4));
  return wsHead ? { wsHead, headLength: end + 4 } : undefined;
}
