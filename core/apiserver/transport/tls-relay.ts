// The node:tls half of the HTTPS front: a TLS listener that classifies each
// client certificate and pipes the decrypted bytes over a new loopback TCP
// connection to the internal Bun.serve. Runs either on the front's Worker
// thread (front-worker.ts) or, with `inline`, on the main thread.
//
// Contract: for every relayed connection, `hooks.register(localPort, peer)` is
// called once the upstream socket is connected and NO byte is written to the
// upstream before the promise it returns resolves; `hooks.unregister` is called
// exactly once after a registration, when the upstream socket has closed.
import { connect, type Socket } from "node:net";
import { createServer, type Server as TlsServer, type TLSSocket } from "node:tls";
import { classifyPeer, type ClientCertificate } from "./peer-identity.ts";
import { clientFrame, MAX_SNIFF, rewriteSpdyUpgrade, ServerFrameReader, spdyResponseFor } from "./spdy-upgrade.ts";

export interface RelayHooks {
  /** Record the identity of the upstream connection from 127.0.0.1:localPort; bytes flow once it resolves. */
  /** `clientAddress` is the TLS client's remote IP (what audit records as the source). */
  register(localPort: number, peer: ClientCertificate, clientAddress: string): void | Promise<void>;
  unregister(localPort: number): void;
}

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

/** Listens for TLS connections and relays each to 127.0.0.1:internalPort. Rejects if it cannot listen. */
export async function listenTls(opts: TlsListenOptions, hooks: RelayHooks): Promise<TlsListener> {
  const sockets = new Set<Socket>();
  const front: TlsServer = createServer(
    {
      cert: opts.cert,
      key: opts.key,
      ca: opts.clientCA,
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
      allowHalfOpen: true,
    },
    (tlsSocket) => relay(tlsSocket, opts.internalPort, hooks, sockets),
  );
  front.on("tlsClientError", () => {}); // failed handshakes are the client's problem
  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(opts.port, opts.host, () => {
      front.off("error", reject);
      resolve();
    });
  });
  const address = front.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  return {
    port,
    close() {
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      for (const s of sockets) s.destroy();
      sockets.clear();
      return closed;
    },
  };
}

/** How long a side whose peer has closed may take to flush and end before it is destroyed. */
const LINGER_MS = 5_000;

/**
 * Pipes one TLS connection to a new loopback connection to the internal server.
 *
 * Contract (half-close): an error on one socket destroys only that socket. What the relay already
 * holds for the other side (writes pending towards it) is still delivered, in order, and only then
 * is the other side ended (FIN), never reset. Example: the internal server writes a response and
 * closes while the TLS client is slow; the client's next bytes reach a closed port and the
 * upstream write fails (EPIPE); destroying the TLS socket then cut the response (the client got
 * 80 of 256 KiB and a reset). Both sockets end up destroyed: once the finished side has flushed and
 * its peer has ended too, or after LINGER_MS. Backpressure is pipe()'s, so the relay holds at most
 * a stream buffer per direction.
 */
function relay(tlsSocket: TLSSocket, internalPort: number, hooks: RelayHooks, sockets: Set<Socket>): void {
  const peer = classifyPeer(tlsSocket);
  const upstream = connect({ host: "127.0.0.1", port: internalPort, allowHalfOpen: true });
  sockets.add(tlsSocket);
  sockets.add(upstream);
  tlsSocket.setNoDelay(true);
  upstream.setNoDelay(true);

  let registeredPort: number | undefined;
  const destroyBoth = () => {
    tlsSocket.destroy();
    upstream.destroy();
  };
  // The failing socket is destroyed (by the runtime, and here to be sure); its "close" below
  // finishes the other side.
  tlsSocket.on("error", () => tlsSocket.destroy());
  upstream.on("error", () => upstream.destroy());

  upstream.once("connect", () => {
    if (tlsSocket.destroyed) return destroyBoth();
    registeredPort = upstream.localPort;
    if (registeredPort === undefined) return destroyBoth();
    const start = () => {
      if (tlsSocket.destroyed || upstream.destroyed) return destroyBoth();
      // The first request of a connection may be an SPDY upgrade (spdy-upgrade.ts); anything
      // else is relayed untouched.
      tlsSocket.once("data", (first: Buffer) => {
        tlsSocket.pause();
        const tunnel = spdyTunnelHead(first);
        if (tunnel) return tunnelSpdy(tlsSocket, upstream, tunnel.wsHead, first.subarray(tunnel.headLength));
        upstream.write(first);
        tlsSocket.pipe(upstream);
        upstream.pipe(tlsSocket);
      });
      tlsSocket.resume();
    };
    // Until pipe() attaches a reader, the TLS socket stays paused and buffers.
    const registered = hooks.register(registeredPort, peer, tlsSocket.remoteAddress ?? "");
    if (registered) registered.then(start, destroyBoth);
    else start();
  });

  // pipe() forwards each side's end (half-close). When one side is closed (for whatever reason),
  // finish the other gracefully: end it once its pending writes are out, and read and drop what
  // its peer still sends (closing a socket with unread input makes the kernel answer with a reset,
  // which discards the output still in flight), until its peer ends too or LINGER_MS pass.
  const finish = (other: Socket, closed: Socket) => {
    if (other.destroyed) return;
    closed.unpipe(other);
    other.unpipe(closed);
    other.on("data", () => {});
    other.resume();
    const done = () => {
      if (other.writableFinished && other.readableEnded) other.destroy();
    };
    other.once("finish", done);
    other.once("end", done);
    other.end();
    done();
    setTimeout(() => other.destroy(), LINGER_MS).unref();
  };
  tlsSocket.once("close", () => {
    sockets.delete(tlsSocket);
    finish(upstream, tlsSocket);
  });
  upstream.once("close", () => {
    sockets.delete(upstream);
    if (registeredPort !== undefined) hooks.unregister(registeredPort);
    finish(tlsSocket, upstream);
  });
}

/** The WebSocket request to send instead when `first` opens with a complete SPDY upgrade request head. */
function spdyTunnelHead(first: Buffer): { wsHead: string; headLength: number } | undefined {
  const text = first.subarray(0, MAX_SNIFF).toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0 || !/\r\nupgrade:\s*spdy\/3\.1\s*\r\n/i.test(text.slice(0, end + 2))) return undefined;
  const wsHead = rewriteSpdyUpgrade(text.slice(0, end + 4));
  return wsHead ? { wsHead, headLength: end + 4 } : undefined;
}

/**
 * Carries an SPDY client over a WebSocket to the internal server (spdy-upgrade.ts): the rewritten
 * request goes up; a 101 comes back to the client as an SPDY 101 and the bytes are framed and
 * unframed from then on; any other answer is relayed as it is, and so is the rest of the connection.
 */
function tunnelSpdy(tls: TLSSocket, upstream: Socket, wsHead: string, early: Buffer): void {
  upstream.write(wsHead, "latin1");
  const pendingUp: Buffer[] = early.length ? [early] : [];
  const frames = new ServerFrameReader();
  let head = Buffer.alloc(0);
  let tunnelling = false;
  const toClient = (chunk: Buffer) => {
    for (const frame of frames.push(chunk)) {
      if (frame.opcode === 0x2 || frame.opcode === 0x0 || frame.opcode === 0x1) {
        if (!tls.write(frame.payload)) { upstream.pause(); tls.once("drain", () => upstream.resume()); }
      } else if (frame.opcode === 0x8) {
        tls.end();
      } else if (frame.opcode === 0x9) {
        upstream.write(clientFrame(0xa, frame.payload));
      }
    }
  };
  const toServer = (chunk: Buffer) => {
    if (!tunnelling) { pendingUp.push(chunk); return; }
    if (!upstream.write(clientFrame(0x2, chunk))) { tls.pause(); upstream.once("drain", () => tls.resume()); }
  };
  const onHead = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    upstream.off("data", onHead);
    const answer = spdyResponseFor(head.subarray(0, end + 4).toString("latin1"));
    if (!answer) {
      // A refusal: the client gets it as the server wrote it; the connection goes on untouched.
      tls.off("data", toServer);
      tls.write(head);
      for (const b of pendingUp.splice(0)) upstream.write(b);
      tls.pipe(upstream);
      upstream.pipe(tls);
      return;
    }
    tls.write(answer, "latin1");
    tunnelling = true;
    for (const b of pendingUp.splice(0)) toServer(b);
    upstream.on("data", toClient);
    toClient(head.subarray(end + 4));
  };
  upstream.on("data", onHead);
  tls.on("data", toServer);
  tls.once("end", () => {
    if (tunnelling) upstream.write(clientFrame(0x8, Buffer.from([0x03, 0xe8])));
    upstream.end();
  });
  upstream.once("end", () => tls.end());
  tls.resume();
}
