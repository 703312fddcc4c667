// HTTPS with x509 client-certificate identity in front of an internal Bun.serve.
//
// Bun.serve does not expose peer certificates, so a node:tls server terminates
// TLS, classifies the client certificate, and pipes the decrypted bytes over a
// loopback TCP connection to an internal Bun.serve (127.0.0.1, random port).
// The outcome is registered under the upstream socket's local port before any
// byte flows; the internal handler finds it through server.requestIP(req).port.
// Bytes are relayed untouched, so keep-alive, chunked watches and protocol
// upgrades (WebSocket, SPDY) work as if Bun.serve faced the client directly.
import { connect, type Socket } from "node:net";
import { createServer, type TLSSocket } from "node:tls";
import type { Server, WebSocketHandler } from "bun";
import { classifyPeer, type ClientCertificate } from "./peer-identity.ts";
import { PeerRegistry } from "./peer-registry.ts";

export type FrontHandler<WS> = (
  req: Request,
  client: ClientCertificate,
  server: Server<WS>,
) => Response | undefined | Promise<Response | undefined>;

export interface HttpsFrontOptions<WS = undefined> {
  /** Address to listen on (e.g. "0.0.0.0", "127.0.0.1", "::"). */
  host: string;
  /** 0 = OS-assigned. */
  port: number;
  /** Serving certificate chain and key (PEM). */
  cert: string;
  key: string;
  /** CA bundle (PEM) that client certificates must chain to. */
  clientCA: string;
  /**
   * Request handler, run by the internal Bun.serve. Return undefined only
   * after a successful `server.upgrade(req)`.
   */
  handler: FrontHandler<WS>;
  /** WebSocket callbacks for upgraded requests (passed to Bun.serve). */
  websocket?: WebSocketHandler<WS>;
  /** Bun.serve idle timeout in seconds (default Bun's 10; 0 disables). */
  idleTimeout?: number;
  /** Bun.serve maximum request body size in bytes. */
  maxRequestBodySize?: number;
}

export interface HttpsFront {
  /** The port the TLS listener is bound to. */
  readonly port: number;
  /** The internal plain-HTTP port (127.0.0.1). Exposed for tests and diagnostics. */
  readonly internalPort: number;
  /** Open relayed connections whose identity is registered (for diagnostics). */
  registeredConnections(): number;
  /** Closes both listeners and every open connection. Idempotent. */
  stop(): Promise<void>;
}

/** Starts the TLS front and its internal server. Rejects if either cannot listen. */
export async function startHttpsFront<WS = undefined>(opts: HttpsFrontOptions<WS>): Promise<HttpsFront> {
  const registry = new PeerRegistry();
  const internal = Bun.serve<WS>({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: opts.idleTimeout,
    maxRequestBodySize: opts.maxRequestBodySize,
    fetch(req, server) {
      return opts.handler(req, registry.lookup(server.requestIP(req)), server);
    },
    websocket: opts.websocket as WebSocketHandler<WS>,
  } as Bun.Serve.Options<WS>);
  const internalPort = internal.port!;

  const sockets = new Set<Socket>();
  const front = createServer(
    {
      cert: opts.cert,
      key: opts.key,
      ca: opts.clientCA,
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
      allowHalfOpen: true,
    },
    (tlsSocket) => relay(tlsSocket, internalPort, registry, sockets),
  );
  front.on("tlsClientError", () => {}); // failed handshakes are the client's problem

  try {
    await new Promise<void>((resolve, reject) => {
      front.once("error", reject);
      front.listen(opts.port, opts.host, () => {
        front.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    internal.stop(true);
    throw err;
  }
  const address = front.address();
  const port = typeof address === "object" && address ? address.port : opts.port;

  let stopping: Promise<void> | undefined;
  return {
    port,
    internalPort,
    registeredConnections: () => registry.size,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => front.close(() => resolve()));
        for (const s of sockets) s.destroy();
        sockets.clear();
        await Promise.all([closed, internal.stop(true)]);
      })();
      return stopping;
    },
  };
}

/** Pipes one TLS connection to a new loopback connection to the internal server. */
function relay(tlsSocket: TLSSocket, internalPort: number, registry: PeerRegistry, sockets: Set<Socket>): void {
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
  tlsSocket.on("error", destroyBoth);
  upstream.on("error", destroyBoth);

  upstream.once("connect", () => {
    if (tlsSocket.destroyed) return destroyBoth();
    registeredPort = upstream.localPort;
    if (registeredPort === undefined) return destroyBoth();
    registry.register(registeredPort, peer);
    tlsSocket.pipe(upstream);
    upstream.pipe(tlsSocket);
  });

  // pipe() forwards each side's end (half-close). When one side is fully
  // closed, finish the other gracefully: end it and destroy once flushed.
  const finish = (other: Socket) => {
    if (other.destroyed) return;
    other.end();
    if (other.writableFinished) other.destroy();
    else other.once("finish", () => other.destroy());
  };
  tlsSocket.once("close", (hadError) => {
    sockets.delete(tlsSocket);
    if (hadError) upstream.destroy();
    else finish(upstream);
  });
  upstream.once("close", (hadError) => {
    sockets.delete(upstream);
    if (registeredPort !== undefined) registry.unregister(registeredPort);
    if (hadError) tlsSocket.destroy();
    else finish(tlsSocket);
  });
}
