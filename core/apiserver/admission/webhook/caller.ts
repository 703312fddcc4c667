/**
 * Calling one webhook over HTTPS: `clientConfig.url`, or `clientConfig.service` resolved to a ready
 * endpoint (as K3s runs kube-apiserver, with aggregator routing) and verified as
 * `<service>.<namespace>.svc` against `caBundle` (system roots when absent). `?timeout=Ns` is added
 * as upstream adds it, and the call is cut off after that long. Failures are `CallError`s whose
 * text follows upstream's Go errors (`Post "URL": ...`).
 */

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

export interface ServiceReference {
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
  readonly path?: string;
}

export interface ClientConfig {
  readonly url?: string;
  readonly service?: ServiceReference;
  /** Base64 PEM (the JSON form of a []byte). */
  readonly caBundle?: string;
}

/** Where to connect for a Service reference: an endpoint address and port. Throws Error(message) when none. */
export type ServiceResolver = (ref: Required<Pick<ServiceReference, "namespace" | "name" | "port">>) => Promise<{ host: string; port: number }>;

/** The webhook could not be called or did not answer usably; failurePolicy decides what follows. */
export class CallError extends Error {}

export interface CallTarget {
  /** URL as upstream prints it in errors (the service's DNS name for service references). */
  readonly displayUrl: string;
  /** URL actually connected to. */
  readonly connectUrl: string;
  readonly serverName?: string;
  readonly ca?: string;
}

export async function resolveTarget(config: ClientConfig, timeoutSeconds: number, resolve: ServiceResolver): Promise<CallTarget> {
  const ca = config.caBundle ? Buffer.from(config.caBundle, "base64").toString("utf8") : undefined;
  const query = `timeout=${timeoutSeconds}s`;
  if (config.url) {
    const url = `${config.url}${config.url.includes("?") ? "&" : "?"}${query}`;
    return { displayUrl: url, connectUrl: url, ca };
  }
  const svc = config.service;
  if (!svc) throw new CallError("failed to call webhook: neither url nor service is set in clientConfig");
  const port = svc.port ?? 443;
  const path = svc.path ?? "/";
  const serverName = `${svc.name}.${svc.namespace}.svc`;
  const displayUrl = `https://${serverName}:${port}${path}?${query}`;
  let endpoint: { host: string; port: number };
  try {
    endpoint = await resolve({ namespace: svc.namespace, name: svc.name, port });
  } catch (err) {
    // Upstream resolves in the dialer, so the error reads like a failed Post.
    throw new CallError(`failed to call webhook: Post ${JSON.stringify(displayUrl)}: ${(err as Error).message}`);
  }
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
  return { displayUrl, connectUrl: `https://${host}:${endpoint.port}${path}?${query}`, serverName, ca };
}

/** POSTs `review` and returns the decoded JSON answer (conversion webhooks share this with admission). */
export async function postReview(target: CallTarget, review: Json, timeoutSeconds: number, fetcher: typeof fetch = fetch): Promise<unknown> {
  const post = `Post ${JSON.stringify(target.displayUrl)}`;
  let res: Response;
  try {
    res = await fetcher(target.connectUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "user-agent": "kube-apiserver-admission" },
      body: JSON.stringify(review),
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
      tls: { ...(target.ca ? { ca: target.ca } : {}), ...(target.serverName ? { serverName: target.serverName } : {}) },
    } as RequestInit);
  } catch (err) {
    throw new CallError(`failed to call webhook: ${post}: ${transportReason(err, target)}`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw new CallError(`failed to call webhook: ${post}: ${transportReason(err, target)}`);
  }
  if (res.status < 200 || res.status > 299) {
    const detail = text.trim() ? `an error on the server (${JSON.stringify(text.trim().slice(0, 256))}) has prevented the request from succeeding` : `the server responded with the status code ${res.status} but did not return more information`;
    throw new CallError(`failed to call webhook: ${detail}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CallError(`received invalid webhook response: json: cannot unmarshal the response body into an ${review.kind ?? "AdmissionReview"}`);
  }
}

/** Go-style text for a failed exchange. */
function transportReason(err: unknown, target: CallTarget): string {
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "context deadline exceeded";
  const hostPort = (() => {
    try { const u = new URL(target.connectUrl); return `${u.hostname}:${u.port || "443"}`; } catch { return target.connectUrl; }
  })();
  switch (e?.code) {
    case "ConnectionRefused":
    case "ECONNREFUSED": return `dial tcp ${hostPort}: connect: connection refused`;
    case "ERR_TLS_CERT_ALTNAME_INVALID": return `tls: failed to verify certificate: x509: certificate is not valid for ${target.serverName ?? new URL(target.displayUrl).hostname}`;
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "UNABLE_TO_GET_ISSUER_CERT":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY": return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
    case "CERT_HAS_EXPIRED": return "tls: failed to verify certificate: x509: certificate has expired or is not yet valid";
    case "ECONNRESET":
    case "ConnectionClosed": return "EOF";
  }
  return e?.message ?? String(err);
}
