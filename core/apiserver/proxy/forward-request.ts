/**
 * Forwarding one HTTP request from the API server to a backend (aggregated API servers,
 * pods/proxy, services/proxy), as upstream's upgrade-aware proxy does for plain requests: method,
 * path and query as given, the caller's headers minus hop-by-hop ones, its credentials and identity
 * claims (an identity to pass on goes in X-Remote-* headers), bodies streamed both ways without
 * decompressing, redirects returned rather than followed. A backend that cannot be reached is a
 * 503 `error trying to reach service: ...`.
 */
import type { UserInfo } from "../authz/types.ts";
import { apiErrors } from "../errors/index.ts";

/** Request headers never forwarded: hop-by-hop, the caller's credentials and identity claims. */
const DROPPED = new Set(["authorization", "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "content-length", "accept-encoding"]);
const DROPPED_PREFIXES = ["x-remote-", "impersonate-"];
/** Response headers not copied back (our server frames the body itself). */
const DROPPED_RESPONSE = new Set(["connection", "keep-alive", "transfer-encoding", "content-length"]);

/** The headers to forward, with `user` (when given) in X-Remote-User / X-Remote-Group / X-Remote-Extra-*. */
export function forwardedHeaders(from: Headers, user?: UserInfo): Headers {
  const headers = new Headers();
  from.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (DROPPED.has(lower) || DROPPED_PREFIXES.some((p) => lower.startsWith(p))) return;
    headers.append(name, value);
  });
  if (user) {
    headers.set("X-Remote-User", user.username);
    for (const g of user.groups) headers.append("X-Remote-Group", g);
    for (const [key, values] of Object.entries(user.extra ?? {})) {
      for (const v of values) headers.append(`X-Remote-Extra-${encodeURIComponent(key)}`, v);
    }
  }
  return headers;
}

export interface ForwardOptions {
  readonly headers: Headers;
  /** Bun fetch TLS options (client certificate, CA, server name, verification). */
  readonly tls?: Record<string, unknown>;
  /** `host:port` as a refused dial names it. */
  readonly dialed: string;
}

export async function forwardRequest(req: Request, target: string, o: ForwardOptions): Promise<Response> {
  const hasBody = req.method !== "GET" && req.method !== "HEAD" && req.body !== null;
  let res: Response;
  try {
    res = await fetch(target, {
      method: req.method,
      headers: o.headers,
      body: hasBody ? req.body : undefined,
      duplex: hasBody ? "half" : undefined,
      redirect: "manual",
      decompress: false,
      signal: req.signal,
      ...(o.tls ? { tls: o.tls } : {}),
    } as RequestInit);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const reason = e.code === "ConnectionRefused" || e.code === "ECONNREFUSED" ? `dial tcp ${o.dialed}: connect: connection refused` : (e.message ?? String(err));
    throw apiErrors.serviceUnavailable(`error trying to reach service: ${reason}`);
  }
  const headers = new Headers();
  res.headers.forEach((value, name) => {
    if (!DROPPED_RESPONSE.has(name.toLowerCase())) headers.append(name, value);
  });
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}
