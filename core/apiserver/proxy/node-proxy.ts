/**
 * The API server's way to the kubelets: the connect hook behind `pods/log`, `pods/exec`,
 * `pods/attach`, `pods/portforward` and `nodes/proxy` (authorization is already done). The API
 * server authenticates to the kubelet with its kubelet-client certificate and verifies the
 * kubelet's serving certificate against the cluster server CA.
 *
 * - logs and nodes/proxy: an HTTPS request whose body streams through; when the client goes away
 *   the kubelet request is aborted. A log request that asks for a WebSocket gets the stream as
 *   messages (log-websocket.ts), as upstream's wsstream reader does.
 * - exec/attach/portforward over WebSocket: a WebSocket is opened to the kubelet with the client's
 *   subprotocols; then the client's request is upgraded with the protocol the kubelet chose and
 *   messages are relayed both ways. The hook cannot upgrade by itself (it answers a Response), so
 *   it answers a 101 marker and the HTTPS front calls `finishUpgrade` with its Bun server.
 * - A kubelet refusal passes through as the kubelet wrote it (upstream's upgrade-aware proxy does
 *   the same). SPDY clients arrive here as WebSockets offering `SPDY/3.1+<protocol>` (the HTTPS
 *   front rewrites their upgrade: transport/spdy-upgrade.ts) and are relayed like any other. An
 *   SPDY upgrade that still reaches this hook (an in-process caller) gets the kubelet's refusal if
 *   it has one (a plain request tells: the kubelet answers 426 when only the upgrade is missing),
 *   else a 400. kubectl retries a refused WebSocket over SPDY, so the kubelet's reason must survive
 *   that second attempt too.
 */
import type { Logger } from "@lite/sdk";
import type { Server, WebSocketHandler } from "bun";
import type { UserInfo } from "../authz/types.ts";
import { apiErrors } from "../errors/index.ts";
import type { RequestInfo } from "../request/request-info.ts";
import type { KObject } from "../resources/index.ts";
import type { ConnectHandler } from "../rest/context.ts";
import { errorResponse } from "../rest/respond.ts";
import { errorBodyText, kubeletLogError, kubeletUnreachable } from "./kubelet-errors.ts";
import { kubeletBaseUrl, kubeletPathFor } from "./kubelet-location.ts";
import { chooseLogProtocol, logStreamRelay } from "./log-websocket.ts";
import { openUpstream, relayWebSocketHandler, type RelayData, type UpstreamOpen } from "./websocket-relay.ts";

export interface NodeProxyOptions {
  /** Reads a Node by name (undefined when it does not exist). */
  getNode(name: string): Promise<KObject | undefined>;
  /** The API server's kubelet-client certificate and key, and the CA of kubelet serving certificates (PEM). */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  readonly log?: Logger;
  /** How long the kubelet may take to accept a WebSocket (ms, default 30 s). */
  readonly upgradeTimeoutMs?: number;
}

export interface NodeProxy {
  /** The API server's `connect` option. */
  readonly connect: ConnectHandler;
  /** The HTTPS front's WebSocket callbacks (relayed streams). */
  readonly websocket: WebSocketHandler<RelayData>;
  /**
   * Call with every response of the API server: completes the WebSocket upgrade `connect`
   * prepared for `req` and returns undefined (what Bun.serve wants after an upgrade); any other
   * response is returned unchanged.
   */
  finishUpgrade(req: Request, server: Server<RelayData>, res: Response): Response | undefined;
}

/** Bun.serve speaks HTTP/1.1 and WebSocket only; these kubectl settings or versions fall back to SPDY. */
export const SPDY_NOT_SUPPORTED =
  "SPDY upgrade requests are not supported by this server: use kubectl 1.30 or newer for exec/attach and 1.31 or newer for port-forward (WebSocket streaming) " +
  "and do not set KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false or KUBECTL_PORT_FORWARD_WEBSOCKETS=false";

/** A bearer token offered as a WebSocket subprotocol is for the API server only. */
const TOKEN_PROTOCOL_PREFIX = "base64url.bearer.authorization.k8s.io.";
/** An unclaimed prepared upgrade (no finishUpgrade call) is dropped after this long. */
const PENDING_UPGRADE_MS = 10_000;

/** The WebSocket subprotocols the client offers, less a bearer token (for the API server only). */
function offeredSubprotocols(req: Request): string[] {
  return (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim())
    .filter((p) => p && !p.startsWith(TOKEN_PROTOCOL_PREFIX));
}

export function createNodeProxy(opts: NodeProxyOptions): NodeProxy {
  const tls = { cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca };
  const pending = new WeakMap<Request, { data: RelayData; timer: Timer }>();

  /**
   * Keeps the relay for `req` until finishUpgrade claims it (or PENDING_UPGRADE_MS passes, when the
   * upstream is closed) and answers 101 so that the server upgrades the client's connection.
   */
  function holdPendingUpgrade(req: Request, data: RelayData): Response {
    const timer = setTimeout(() => {
      pending.delete(req);
      data.upstream.close();
    }, PENDING_UPGRADE_MS);
    pending.set(req, { data, timer });
    return new Response(null, { status: 101 });
  }

  async function nodeOf(pod: KObject): Promise<KObject> {
    const name = String(pod.spec?.nodeName ?? "");
    const node = await opts.getNode(name);
    if (!node) throw apiErrors.notFound({ group: "", resource: "nodes" }, name);
    return node;
  }

  /** A request (no upgrade) to the kubelet, aborted when the client's request is. */
  async function forward(req: Request, url: string, init: RequestInit = {}): Promise<Upstream> {
    const abort = new AbortController();
    req.signal.addEventListener("abort", () => abort.abort(), { once: true });
    try {
      return { res: await fetch(url, { ...init, tls, signal: abort.signal }), abort };
    } catch (err) {
      throw kubeletUnreachable(`${init.method ?? "GET"} ${JSON.stringify(url)}`, err);
    }
  }

  async function logs(req: Request, pod: KObject): Promise<Response> {
    const path = kubeletPathFor("log", pod, new URL(req.url).searchParams);
    const url = kubeletBaseUrl(await nodeOf(pod)) + path;
    const upstream = await forward(req, url);
    const res = upstream.res;
    if (!res.ok) throw kubeletLogError(res.status, await errorBodyText(res), pod.metadata.name ?? "");
    if ((req.headers.get("upgrade") ?? "").toLowerCase() === "websocket") return logsOverWebSocket(req, upstream);
    return new Response(streamThrough(upstream), { headers: { "Content-Type": "text/plain" } });
  }

  /** The log stream as WebSocket messages (log-websocket.ts); the upgrade completes in finishUpgrade. */
  function logsOverWebSocket(req: Request, upstream: Upstream): Response {
    const offered = offeredSubprotocols(req);
    const protocol = chooseLogProtocol(offered);
    if (protocol === undefined) {
      upstream.abort.abort();
      throw apiErrors.badRequest(`none of the requested subprotocols are supported: ${offered.join(", ")}`);
    }
    const data = logStreamRelay(upstream.res.body, upstream.abort, protocol);
    return holdPendingUpgrade(req, data);
  }

  /** The kubelet's reason for refusing `url`, as its own response; undefined when it would accept an upgrade. */
  async function refusal(req: Request, url: string): Promise<Response | undefined> {
    const { res } = await forward(req, url);
    if (res.status === 426 || res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const text = await errorBodyText(res);
    return new Response(text, { status: res.status, headers: { "Content-Type": res.headers.get("content-type") ?? "text/plain; charset=utf-8" } });
  }

  async function stream(req: Request, sub: string, pod: KObject): Promise<Response> {
    const path = kubeletPathFor(sub, pod, new URL(req.url).searchParams);
    const base = kubeletBaseUrl(await nodeOf(pod));
    const upgrade = (req.headers.get("upgrade") ?? "").toLowerCase();
    if (upgrade !== "websocket") {
      const refused = await refusal(req, base + path);
      if (refused) return refused;
      throw apiErrors.badRequest(upgrade.startsWith("spdy") ? SPDY_NOT_SUPPORTED : "Upgrade request required");
    }
    const protocols = offeredSubprotocols(req);
    let opened: UpstreamOpen;
    try {
      opened = await openUpstream(`wss://${base.slice("https://".length)}${path}`, { protocols, tls, timeoutMs: opts.upgradeTimeoutMs });
    } catch (err) {
      throw kubeletUnreachable("error dialing backend", err);
    }
    if (!opened.ok) return new Response(opened.body, { status: opened.status, headers: { "Content-Type": opened.contentType || "text/plain; charset=utf-8" } });
    const data = opened.data;
    return holdPendingUpgrade(req, data);
  }

  async function nodeHttp(req: Request, info: RequestInfo, node: KObject): Promise<Response> {
    if (req.headers.get("upgrade")) throw apiErrors.badRequest("upgrade requests through nodes/proxy are not supported");
    const url = new URL(req.url);
    const path = `/${info.rest.map(encodeURIComponent).join("/")}${url.search}`;
    const headers = new Headers();
    for (const h of ["accept", "content-type"]) {
      const v = req.headers.get(h);
      if (v) headers.set(h, v);
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const upstream = await forward(req, kubeletBaseUrl(node) + path, { method: req.method, headers, body: hasBody ? await req.arrayBuffer() : undefined });
    const out = new Headers();
    const type = upstream.res.headers.get("content-type");
    if (type) out.set("Content-Type", type);
    return new Response(streamThrough(upstream), { status: upstream.res.status, headers: out });
  }

  const connect: ConnectHandler = async (req: Request, info: RequestInfo, obj: KObject, _user: UserInfo | undefined) => {
    const what = `${info.resource}/${info.subresource}`;
    switch (what) {
      case "pods/log":
        return logs(req, obj);
      case "pods/exec":
      case "pods/attach":
      case "pods/portforward":
        return stream(req, info.subresource, obj);
      case "nodes/proxy":
        return nodeHttp(req, info, obj);
    }
    throw apiErrors.serviceUnavailable(`${what} is not supported by this server`);
  };

  return {
    connect,
    websocket: relayWebSocketHandler,
    finishUpgrade(req, server, res) {
      const entry = pending.get(req);
      if (!entry) return res;
      pending.delete(req);
      clearTimeout(entry.timer);
      const { data } = entry;
      if (res.status !== 101) {
        data.upstream.close();
        return res;
      }
      const headers = data.protocol ? { "Sec-WebSocket-Protocol": data.protocol } : undefined;
      if (server.upgrade(req, { data, headers })) return undefined;
      data.upstream.close();
      opts.log?.warn("node proxy: client WebSocket upgrade failed", { url: req.url });
      return errorResponse(apiErrors.badRequest("unable to upgrade the connection"));
    },
  };
}

interface Upstream {
  readonly res: Response;
  readonly abort: AbortController;
}

/**
 * The kubelet response's body as a new stream; cancelling it (the client went away) aborts the
 * kubelet request.
 */
function streamThrough({ res, abort }: Upstream): ReadableStream<Uint8Array> | null {
  const body = res.body;
  if (!body) return null;
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel(reason) {
      abort.abort();
      await reader.cancel(reason).catch(() => {});
    },
  });
}
