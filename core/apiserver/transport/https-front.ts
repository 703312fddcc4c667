// HTTPS with x509 client-certificate identity in front of an internal Bun.serve.
//
// Bun.serve does not expose peer certificates, so a TLS listener of Bun's native
// sockets (Bun.listen, whose sockets do) terminates TLS, classifies the client certificate, and pipes the decrypted bytes over a
// loopback TCP connection to an internal Bun.serve (127.0.0.1, random port).
// The outcome is registered under the upstream socket's local port before any
// byte flows; the internal handler finds it through server.requestIP(req).port.
// Bytes are relayed untouched, so keep-alive and protocol upgrades (WebSocket,
// SPDY) work as if Bun.serve faced the client directly; watches are the
// exception below.
//
// The TLS side (tls-relay.ts) runs on a Worker thread (front-worker.ts) so
// TLS and the relay do not compete with the API engine for the main thread;
// identities cross over with the register/ack handshake of front-protocol.ts.
// Watch responses (PushBody, push-body.ts) leave the relay: the Worker writes
// their events to the client itself (direct-streams.ts).
// `inline: true` runs it on the main thread instead (the former design).
import type { Server, WebSocketHandler } from "bun";
import type { FromWorker, ToWorker } from "./front-protocol.ts";
import type { ClientCertificate } from "./peer-identity.ts";
import { DirectStreams } from "./direct-streams.ts";
import { PeerRegistry } from "./peer-registry.ts";
import { pushBodyOf } from "./push-body.ts";
import { listenTls, type TlsListenOptions } from "./tls-relay.ts";

export type FrontHandler<WS> = (
  req: Request,
  client: ClientCertificate,
  server: Server<WS>,
  /** The TLS client's IP address (the relay's loopback address is never passed here). */
  clientAddress: string | undefined,
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
  /** Run TLS and the relay on the main thread instead of a Worker (for comparison and tests). */
  inline?: boolean;
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
  // With the Worker (not inline): watch responses it writes itself (direct-streams.ts).
  let direct: DirectStreams | undefined;
  const internal = Bun.serve<WS>({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: opts.idleTimeout,
    maxRequestBodySize: opts.maxRequestBodySize,
    async fetch(req, server) {
      const remote = server.requestIP(req);
      const id = direct ? registry.idOf(remote) : 0;
      const res = await opts.handler(req, registry.lookup(remote), server, registry.clientAddressOf(remote));
      if (!res || id === 0 || !direct || res.status !== 200 || req.method !== "GET") return res;
      const body = pushBodyOf(res);
      if (!body) return res;
      // The connection may have closed while the handler ran, and its port gone to a new one.
      if (registry.idOf(server.requestIP(req)) !== id) {
        body.cancel();
        return res;
      }
      return direct.serve(id, res, body);
    },
    websocket: opts.websocket as WebSocketHandler<WS>,
  } as Bun.Serve.Options<WS>);
  const internalPort = internal.port!;
  const listen: TlsListenOptions = { host: opts.host, port: opts.port, cert: opts.cert, key: opts.key, clientCA: opts.clientCA, internalPort };

  let tls: { port: number; close(): Promise<void>; direct?: DirectStreams };
  try {
    tls = opts.inline
      ? await listenTls(listen, { register: (port, peer, clientAddress) => registry.register(port, peer, 0, clientAddress), unregister: (port) => registry.unregister(port) })
      : await startWorker(listen, registry);
    direct = tls.direct;
  } catch (err) {
    internal.stop(true);
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    port: tls.port,
    internalPort,
    registeredConnections: () => registry.size,
    stop() {
      stopping ??= Promise.all([tls.close(), internal.stop(true)]).then(() => {});
      return stopping;
    },
  };
}

/**
 * front-worker.ts: next to this file when run from source; in a `bun build --compile` binary the
 * modules live in its embedded file system under /$bunfs/root/ at their repository path
 * (scripts/build.ts lists the file as an entrypoint and pins --root to the repository), while
 * import.meta.url names the binary itself, so the relative URL would miss.
 */
function workerEntry(): string | URL {
  const compiled = import.meta.url.includes("/$bunfs/");
  return compiled ? "/$bunfs/root/core/apiserver/transport/front-worker.ts" : new URL("./front-worker.ts", import.meta.url);
}

/** How long stop() waits for the Worker to close its sockets before terminating it. */
const WORKER_STOP_GRACE_MS = 2000;

/**
 * Starts front-worker.ts listening with `listen`, recording identities in `registry`.
 * Resolves with the bound port once it listens; rejects (worker terminated) if it cannot.
 */
async function startWorker(listen: TlsListenOptions, registry: PeerRegistry): Promise<{ port: number; close(): Promise<void>; direct: DirectStreams }> {
  const worker = new Worker(workerEntry());
  const send = (msg: ToWorker) => worker.postMessage(msg);
  const direct = new DirectStreams(send);
  const listening = Promise.withResolvers<number>();
  const stopped = Promise.withResolvers<void>();
  let closing = false;
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const msg = event.data;
    switch (msg.type) {
      case "register":
        registry.register(msg.port, msg.peer, msg.id, msg.clientAddress);
        send({ type: "ack", id: msg.id });
        return;
      case "unregister":
        registry.unregister(msg.port, msg.id);
        direct.gone(msg.id);
        return;
      case "direct-written":
        direct.written();
        return;
      case "listening":
        listening.resolve(msg.port);
        return;
      case "failed":
        listening.reject(Object.assign(new Error(msg.message), msg.code ? { code: msg.code } : {}));
        return;
      case "stopped":
        stopped.resolve();
        return;
    }
  };
  const died = (why: string) => {
    direct.closeAll(); // its connections died with it
    listening.reject(new Error(`https front worker: ${why}`));
    stopped.resolve();
    if (!closing) console.error(`lite: https front worker ${why}; HTTPS connections are no longer served`);
  };
  worker.onerror = (e) => died(`error: ${e.message}`);
  worker.addEventListener("close", () => died("exited"));
  send({ type: "start", options: listen });
  let port: number;
  try {
    port = await listening.promise;
  } catch (err) {
    closing = true;
    worker.terminate();
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    port,
    direct,
    close() {
      closed ??= (async () => {
        closing = true;
        send({ type: "stop" });
        await Promise.race([stopped.promise, Bun.sleep(WORKER_STOP_GRACE_MS)]);
        worker.terminate();
      })();
      return closed;
    },
  };
}
