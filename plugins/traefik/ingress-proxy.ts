/**
 * The node half's reverse proxy: HTTP on the `web` entry point and HTTPS (SNI over the Ingress
 * certificates, Traefik's self-signed default otherwise) on `websecure`. Each request goes to the
 * highest-priority matching router's Service, round-robin over its ready endpoints, retrying the
 * next endpoint when a connection fails; requests and responses stream through, WebSockets are
 * relayed, connections to backends are kept alive.
 *
 * `web` is a raw HTTP/1.1 proxy on `Bun.listen` (http-listener.ts: bytes in, bytes out, one pool of
 * backend connections). `websecure` is `Bun.serve` with TLS: plain-HTTP backends over the same pool
 * (upstream.ts), HTTPS backends through fetch, WebSockets through a WebSocket client.
 *
 * `update()` swaps the routing table: new requests, on open connections too, use it at once. A new
 * certificate set starts a second HTTPS listener on the same port (SO_REUSEPORT) and lets the old one
 * finish its connections, so nothing open is dropped.
 */
import type { Server, ServerWebSocket } from "bun";
import type { Logger } from "@lite/sdk";
import { certificateNames } from "./default-certificate.ts";
import { startHttpListener, type HttpListener, type RequestRecord } from "./http-listener.ts";
import { badGateway, notFound, pageResponse, redirect, unavailable } from "./pages.ts";
import { MwState, runMiddlewares } from "./middlewares.ts";
import { matchRoute, pickBackend, requestHost, type Backend, type EntryPoint, type Router, type RoutingTable } from "./routing.ts";
import type { RequestView } from "./rule.ts";
import { RouteMetrics } from "./route-metrics.ts";
import { upstreamRequest, UpstreamRetryableError } from "./upstream.ts";
import { UpstreamPool } from "./upstream-pool.ts";

export interface IngressProxyOptions {
  /** Address to listen on (default 0.0.0.0). */
  hostname?: string;
  httpPort: number;
  httpsPort: number;
  defaultCertificate: { certPem: string; keyPem: string };
  log: Logger;
  /** Write one access log line per request (Traefik's common log format, as log records). */
  accessLog?: boolean;
  /** X-Forwarded-Server. */
  serverName?: string;
  /** Attempts per request when connecting to an endpoint fails (default 3, at most the number of endpoints). */
  attempts?: number;
  /**
   * The `web` entry point: "raw" (default), the raw HTTP/1.1 proxy on Bun.listen (http-listener.ts);
   * "serve", Bun.serve as `websecure` (the earlier path; the benchmark compares them).
   */
  webListener?: "raw" | "serve";
  /**
   * Bun.serve entry points: how plain-HTTP backends are reached: "raw" (default) over the proxy's
   * own pool of keep-alive HTTP/1.1 connections (upstream.ts), "fetch" through Bun's fetch. HTTPS
   * backends and WebSockets always use fetch / WebSocket there.
   */
  upstreamClient?: "raw" | "fetch";
}

export interface IngressProxy {
  readonly httpPort: number;
  readonly httpsPort: number;
  update(table: RoutingTable): void;
  readonly metrics: RouteMetrics;
  stop(): Promise<void>;
}

const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];
const HOP_BY_HOP_SET = new Set(HOP_BY_HOP);
/** Request headers not copied to a raw upstream request: hop-by-hop, framing (set per request), the ones the proxy sets. */
const SKIP_UPSTREAM = new Set([...HOP_BY_HOP, "content-length", "x-forwarded-proto", "x-forwarded-port", "x-real-ip"]);
const HOST_PLACEHOLDER = "\0target\0";
/** Bodies up to this size are buffered so a failed connection can be retried on another endpoint. */
const REPLAYABLE_BODY = 1 << 20;

interface WsData {
  backend?: WebSocket;
  pending: (string | ArrayBufferLike | Uint8Array)[];
  closed: boolean;
}

export async function startIngressProxy(options: IngressProxyOptions): Promise<IngressProxy> {
  const { log } = options;
  const hostname = options.hostname ?? "0.0.0.0";
  const attempts = options.attempts ?? 3;
  const metrics = new RouteMetrics();
  let routers: readonly Router[] = [];
  /** Some router has a general rule (IngressRoutes): Bun.serve requests then need a RequestView. */
  let hasRules = false;
  const roundRobin = new Map<string, number>();
  const pool = new UpstreamPool();
  const rawUpstream = options.upstreamClient !== "fetch";

  /** The next start index of the backend's round robin. */
  function next(backend: Backend): number {
    const n = roundRobin.get(backend.name) ?? 0;
    roundRobin.set(backend.name, (n + 1) % 1_000_000_007);
    return n;
  }

  function forwardedHeaders(req: Request, server: Server<WsData>, entryPoint: EntryPoint, host: string | null, reqHeaders: Headers = req.headers): Headers {
    const headers = new Headers(reqHeaders);
    const connectionTokens = (reqHeaders.get("connection") ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
    for (const h of HOP_BY_HOP) headers.delete(h);
    for (const h of connectionTokens) headers.delete(h);
    const clientIP = server.requestIP(req)?.address ?? "";
    const ip = clientIP.startsWith("::ffff:") ? clientIP.slice(7) : clientIP;
    const prior = reqHeaders.get("x-forwarded-for");
    headers.set("x-forwarded-for", prior ? `${prior}, ${ip}` : ip);
    headers.set("x-forwarded-proto", entryPoint === "websecure" ? "https" : "http");
    if (host) headers.set("x-forwarded-host", host);
    headers.set("x-forwarded-port", String(entryPoint === "websecure" ? httpsServer.port : web.port));
    if (options.serverName) headers.set("x-forwarded-server", options.serverName);
    headers.set("x-real-ip", ip);
    return headers;
  }

  /**
   * The request head for a raw upstream connection, as forwardedHeaders builds it, without the
   * final CRLF and framing headers; HOST_PLACEHOLDER stands for the target when the client sent no Host.
   */
  function requestHead(req: Request, method: string, server: Server<WsData>, entryPoint: EntryPoint, host: string | null, pathAndQuery: string, reqHeaders: Headers): string {
    const connection = reqHeaders.get("connection");
    const tokens = connection ? connection.toLowerCase().split(",").map((s) => s.trim()).filter((t) => t && t !== "close" && t !== "keep-alive") : undefined;
    const skipHost = host !== null, skipServer = !!options.serverName;
    let head = `${method} ${pathAndQuery} HTTP/1.1\r\n`;
    let prior: string | null = null;
    const fields = (reqHeaders as unknown as { toJSON(): Record<string, string | string[]> }).toJSON(); // Bun: lower-case names, about twice as fast as iterating
    for (const k in fields) {
      const value = fields[k]!;
      const v = typeof value === "string" ? value : value.join(", ");
      if (k === "x-forwarded-for") { prior = v; continue; }
      if (SKIP_UPSTREAM.has(k) || (skipHost && k === "x-forwarded-host") || (skipServer && k === "x-forwarded-server") || tokens?.includes(k)) continue;
      head += `${k}: ${v}\r\n`;
    }
    if (!host) head += `host: ${HOST_PLACEHOLDER}\r\n`;
    const clientIP = server.requestIP(req)?.address ?? "";
    const ip = clientIP.startsWith("::ffff:") ? clientIP.slice(7) : clientIP;
    head += `x-forwarded-for: ${prior ? `${prior}, ${ip}` : ip}\r\nx-forwarded-proto: ${entryPoint === "websecure" ? "https" : "http"}\r\n`;
    if (host) head += `x-forwarded-host: ${host}\r\n`;
    head += `x-forwarded-port: ${entryPoint === "websecure" ? httpsServer.port : web.port}\r\n`;
    if (options.serverName) head += `x-forwarded-server: ${options.serverName}\r\n`;
    return head + `x-real-ip: ${ip}\r\n`;
  }

  async function proxy(req: Request, server: Server<WsData>, entryPoint: EntryPoint): Promise<Response | undefined> {
    const started = performance.now();
    const url = req.url;
    const pathStart = url.indexOf("/", url.indexOf("//") + 2);
    let pathAndQuery = pathStart < 0 ? "/" : url.slice(pathStart);
    const q = pathAndQuery.indexOf("?");
    const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
    const hostHeader = req.headers.get("host");
    const view = hasRules ? serveRequestView(req, server, q < 0 ? "" : pathAndQuery.slice(q + 1)) : undefined;
    const router = matchRoute(routers, entryPoint, requestHost(hostHeader), decodePath(path), view);
    let response: Response | undefined;
    let upstream = "-";
    let reqHeaders = req.headers;
    let respEdits: Map<string, string | null> | null = null;
    let answered: Response | undefined;
    if (router?.middlewares !== undefined && !(entryPoint === "web" && router.sslRedirect)) {
      const ip = clientAddress(req, server);
      const s = new MwState({ method: req.method, host: hostHeader, target: pathAndQuery, ip, header: (n) => req.headers.get(n) }, entryPoint === "websecure" ? "https" : "http");
      let page = runMiddlewares(router.middlewares, s);
      if (page instanceof Promise) page = await page;
      if (page) answered = pageResponse(page);
      else {
        pathAndQuery = s.target;
        respEdits = s.respEdits;
        if (s.reqEdits) {
          reqHeaders = new Headers(req.headers);
          for (const [k, v] of s.reqEdits) if (v === null) reqHeaders.delete(k); else reqHeaders.set(k, v);
        }
      }
    }
    const backend = router === undefined ? undefined : pickBackend(router);
    if (!router || !backend) {
      response = pageResponse(notFound);
    } else if (entryPoint === "web" && router.sslRedirect) {
      const port = httpsServer.port === 443 ? "" : `:${httpsServer.port}`;
      response = pageResponse(redirect(`https://${requestHost(hostHeader)}${port}${pathAndQuery}`));
    } else if (answered) {
      response = answered;
    } else if (backend.servers.length === 0) {
      response = pageResponse(unavailable(router, backend));
    } else if (req.headers.get("upgrade")?.toLowerCase() === "websocket") {
      const target = backend.servers[next(backend) % backend.servers.length]!;
      upstream = target;
      const ok = await upgradeWebSocket(req, server, entryPoint, backend, target, pathAndQuery, reqHeaders);
      if (ok) {
        record(req, router, 101, started, target, hostHeader, server);
        return undefined;
      }
      response = pageResponse(badGateway);
    } else if (rawUpstream && backend.scheme === "http") {
      // Plain HTTP backends: raw keep-alive HTTP/1.1 connections (upstream.ts).
      const method = req.method;
      const head = requestHead(req, method, server, entryPoint, hostHeader, pathAndQuery, reqHeaders);
      let body: Uint8Array | ReadableStream<Uint8Array> | null = null;
      let framing = "";
      if (method !== "GET" && method !== "HEAD") {
        const length = Number(req.headers.get("content-length") ?? NaN);
        if (!req.body) framing = "content-length: 0\r\n";
        else if (Number.isFinite(length) && length <= REPLAYABLE_BODY) {
          body = new Uint8Array(await req.arrayBuffer());
          framing = `content-length: ${body.byteLength}\r\n`;
        } else { body = req.body; framing = "transfer-encoding: chunked\r\n"; }
      }
      const servers = backend.servers;
      const tries = body instanceof ReadableStream ? 1 : Math.min(attempts, servers.length);
      const first = next(backend);
      for (let i = 0; i < tries; i++) {
        const target = servers[(first + i) % servers.length]!;
        upstream = target;
        try {
          const res = await upstreamRequest(pool, target, method, (hostHeader === null ? head.replace(HOST_PLACEHOLDER, target) : head) + framing + "\r\n", body, body instanceof ReadableStream);
          const out = new Headers();
          for (const [k, v] of res.headers) if (!HOP_BY_HOP_SET.has(k)) out.append(k, v);
          response = new Response(res.body, { status: res.status, statusText: res.statusText, headers: out });
          break;
        } catch (err) {
          log.debug("backend request failed", { router: router.name, server: target, error: (err as Error).message });
          if (!(err instanceof UpstreamRetryableError)) break;
        }
      }
      response ??= pageResponse(badGateway);
    } else {
      const headers = forwardedHeaders(req, server, entryPoint, hostHeader, reqHeaders);
      let body: ArrayBuffer | ReadableStream | null = null;
      let replayable = true;
      if (req.body && req.method !== "GET" && req.method !== "HEAD") {
        const length = Number(req.headers.get("content-length") ?? NaN);
        if (Number.isFinite(length) && length <= REPLAYABLE_BODY) body = await req.arrayBuffer();
        else { body = req.body; replayable = false; }
      }
      const tries = replayable ? Math.min(attempts, backend.servers.length) : 1;
      const first = next(backend);
      for (let i = 0; i < tries; i++) {
        const target = backend.servers[(first + i) % backend.servers.length]!;
        upstream = target;
        try {
          const res = await fetch(`${backend.scheme}://${target}${pathAndQuery}`, {
            method: req.method, headers, body, redirect: "manual", decompress: false,
            tls: { rejectUnauthorized: false },
          } as RequestInit);
          const out = new Headers(res.headers);
          for (const h of HOP_BY_HOP) out.delete(h);
          response = new Response(res.body, { status: res.status, statusText: res.statusText, headers: out });
          break;
        } catch (err) {
          log.debug("backend connection failed", { router: router.name, server: target, error: (err as Error).message });
        }
      }
      response ??= pageResponse(badGateway);
    }
    if (respEdits !== null) for (const [k, v] of respEdits) if (v === null) response.headers.delete(k); else response.headers.set(k, v);
    record(req, router, response.status, started, upstream, hostHeader, server);
    return response;
  }

  function clientAddress(req: Request, server: Server<WsData>): string {
    const a = server.requestIP(req)?.address ?? "";
    return a.startsWith("::ffff:") ? a.slice(7) : a;
  }

  /** What IngressRoute rules read of a Bun.serve request. */
  function serveRequestView(req: Request, server: Server<WsData>, query: string): RequestView {
    return {
      method: req.method, query,
      get ip() { return clientAddress(req, server); },
      headerValues(name) { const v = req.headers.get(name); return v === null ? [] : name === "set-cookie" ? req.headers.getSetCookie() : [v]; },
    };
  }

  function record(req: Request, router: Router | undefined, status: number, started: number, upstream: string, host: string | null, server: Server<WsData>) {
    observe({
      router, method: req.method, target: req.url.slice(req.url.indexOf("/", req.url.indexOf("//") + 2)), status, started, upstream, host,
      get ip() { return server.requestIP(req)?.address ?? "-"; }, header: (n) => req.headers.get(n),
    });
  }

  /** Metrics and the access log line of one request, from either entry point. */
  function observe(r: RequestRecord) {
    const seconds = (performance.now() - r.started) / 1000;
    metrics.observe(r.router?.name ?? "", r.router?.backend.name ?? "", r.method, r.status, seconds);
    if (options.accessLog) {
      log.info(`${r.ip || "-"} - - [${new Date().toISOString()}] "${r.method} ${r.target} HTTP/1.1" ${r.status} - "${r.header("referer") ?? "-"}" "${r.header("user-agent") ?? "-"}" "${r.router?.name ?? "-"}" "${r.upstream}" ${Math.round(seconds * 1000)}ms`,
        { accessLog: true, host: r.host ?? "", router: r.router?.name ?? "" });
    }
  }

  async function upgradeWebSocket(req: Request, server: Server<WsData>, entryPoint: EntryPoint, service: Backend, target: string, pathAndQuery: string, reqHeaders: Headers): Promise<boolean> {
    const headers = forwardedHeaders(req, server, entryPoint, req.headers.get("host"), reqHeaders);
    for (const h of ["sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol"]) headers.delete(h);
    const protocols = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const data: WsData = { pending: [], closed: false };
    const scheme = service.scheme === "https" ? "wss" : "ws";
    let backend: WebSocket;
    try {
      backend = new WebSocket(`${scheme}://${target}${pathAndQuery}`, { headers: Object.fromEntries(headers), protocols, tls: { rejectUnauthorized: false } } as never);
    } catch {
      return false;
    }
    backend.binaryType = "arraybuffer";
    const opened = await new Promise<boolean>((resolve) => {
      backend.onopen = () => resolve(true);
      backend.onerror = () => resolve(false);
      backend.onclose = () => resolve(false);
    });
    if (!opened) return false;
    data.backend = backend;
    const upgraded = server.upgrade(req, { data, headers: backend.protocol ? { "sec-websocket-protocol": backend.protocol } : undefined });
    if (!upgraded) { backend.close(); return false; }
    return true;
  }

  const websocket = {
    open(ws: ServerWebSocket<WsData>) {
      const backend = ws.data.backend!;
      backend.onmessage = (ev) => ws.send(ev.data as string | ArrayBuffer);
      backend.onclose = (ev) => { if (!ws.data.closed) { ws.data.closed = true; ws.close(ev.code === 1005 || ev.code === 1006 ? 1000 : ev.code, ev.reason); } };
      backend.onerror = () => { if (!ws.data.closed) { ws.data.closed = true; ws.close(1011, "backend error"); } };
    },
    message(ws: ServerWebSocket<WsData>, message: string | Buffer) {
      ws.data.backend?.send(message);
    },
    close(ws: ServerWebSocket<WsData>, code: number, reason: string) {
      ws.data.closed = true;
      try { ws.data.backend?.close(code === 1005 || code === 1006 ? 1000 : code, reason); } catch { ws.data.backend?.close(); }
    },
  };

  const serve = (entryPoint: EntryPoint, port: number, tls?: object) => Bun.serve<WsData>({
    hostname, port, reusePort: true, idleTimeout: 180,
    ...(tls ? { tls } : {}),
    fetch: (req: Request, server: Server<WsData>) => proxy(req, server, entryPoint) as Promise<Response>,
    websocket,
  } as never) as unknown as Server<WsData>;

  const tlsEntries = (certs: RoutingTable["certificates"]) => {
    const entries: { serverName?: string; cert: string; key: string }[] = [{ cert: options.defaultCertificate.certPem, key: options.defaultCertificate.keyPem }];
    const named = new Set<string>();
    for (const c of certs) {
      for (const name of certificateNames(c.certPem) ?? []) {
        if (named.has(name)) continue;
        named.add(name);
        entries.push({ serverName: name, cert: c.certPem, key: c.keyPem });
      }
    }
    return entries;
  };

  const web: HttpListener = options.webListener === "serve" ? serve("web", options.httpPort) as unknown as HttpListener : startHttpListener({
    route: (host, path, req) => matchRoute(routers, "web", host, path, req),
    next, attempts, pool, serverName: options.serverName, log, record: observe,
    httpsPort: () => httpsServer.port!,
  }, hostname, options.httpPort);
  let httpsServer: Server<WsData>;
  try {
    httpsServer = serve("websecure", options.httpsPort, tlsEntries([]));
  } catch (err) {
    web.stop();
    throw err;
  }
  let certKey = "";
  const retired: Server<WsData>[] = [];

  return {
    get httpPort() { return web.port; },
    get httpsPort() { return httpsServer.port!; },
    metrics,
    update(table) {
      routers = table.routers;
      hasRules = routers.some((r) => r.match !== undefined);
      const key = table.certificates.map((c) => `${c.id}\0${c.certPem}\0${c.keyPem}`).join("\0\0");
      if (key === certKey) return;
      try {
        const next = serve("websecure", httpsServer.port!, tlsEntries(table.certificates));
        const old = httpsServer;
        httpsServer = next;
        retired.push(old);
        old.stop(false); // stops listening; open connections finish
        certKey = key;
        log.info("TLS certificates changed", { certificates: table.certificates.map((c) => c.id).join(",") || "default only" });
      } catch (err) {
        log.warn("could not load the Ingress TLS certificates; keeping the previous set", { error: (err as Error).message });
      }
    },
    async stop() {
      await Promise.all([web.stop(), httpsServer.stop(true), ...retired.map((s) => s.stop(true))]);
      pool.close();
    },
  };
}

function decodePath(path: string): string {
  if (!path.includes("%")) return path;
  try { return decodeURI(path); } catch { return path; }
}
