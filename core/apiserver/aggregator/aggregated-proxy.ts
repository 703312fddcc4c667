/**
 * Forwarding a request to an aggregated API server (upstream kube-aggregator's proxy handler): to a
 * ready endpoint of the APIService's Service, over TLS verified against `caBundle` as
 * `<service>.<namespace>.svc` (or not verified with `insecureSkipTLSVerify`), presenting the
 * front-proxy client certificate, with the caller's identity in X-Remote-User / X-Remote-Group /
 * X-Remote-Extra-* headers and the caller's own credentials removed. Bodies stream both ways, so
 * watches pass through.
 */
import { apiErrors } from "../errors/index.ts";
import type { UserInfo } from "../authz/types.ts";

export interface ProxyTarget {
  /** Endpoint address and port. */
  readonly host: string;
  readonly port: number;
  /** `<service>.<namespace>.svc`, the name the serving certificate must hold. */
  readonly serverName: string;
  readonly caPem?: string;
  readonly insecureSkipTLSVerify: boolean;
}

export interface ProxyClientCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Request headers never forwarded: hop-by-hop, the caller's credentials and identity claims. */
const DROPPED = new Set(["authorization", "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "content-length", "accept-encoding"]);
const DROPPED_PREFIXES = ["x-remote-", "impersonate-"];
/** Response headers not copied back (the body is re-framed by our server). */
const DROPPED_RESPONSE = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"]);

export function identityHeaders(user: UserInfo | undefined, from: Headers): Headers {
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

export async function proxyToAggregated(req: Request, url: URL, user: UserInfo | undefined, target: ProxyTarget, clientCert: ProxyClientCertificate | undefined): Promise<Response> {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  const location = `https://${host}:${target.port}${url.pathname}${url.search}`;
  const hasBody = req.method !== "GET" && req.method !== "HEAD" && req.body !== null;
  let res: Response;
  try {
    res = await fetch(location, {
      method: req.method,
      headers: identityHeaders(user, req.headers),
      body: hasBody ? req.body : undefined,
      duplex: hasBody ? "half" : undefined,
      redirect: "manual",
      decompress: false,
      signal: req.signal,
      tls: {
        ...(clientCert ? { cert: clientCert.certPem, key: clientCert.keyPem } : {}),
        ...(target.caPem ? { ca: target.caPem } : {}),
        serverName: target.serverName,
        rejectUnauthorized: !target.insecureSkipTLSVerify,
      },
    } as RequestInit);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const reason = e.code === "ConnectionRefused" || e.code === "ECONNREFUSED" ? `dial tcp ${target.host}:${target.port}: connect: connection refused` : (e.message ?? String(err));
    throw apiErrors.serviceUnavailable(`error trying to reach service: ${reason}`);
  }
  const headers = new Headers();
  res.headers.forEach((value, name) => {
    if (!DROPPED_RESPONSE.has(name.toLowerCase())) headers.append(name, value);
  });
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}
