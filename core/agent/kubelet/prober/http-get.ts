/**
 * The kubelet's HTTP GET, shared by httpGet probes and httpGet lifecycle hooks (upstream
 * pkg/probe/http request.go + http.go, and the kubelet's lifecycle HTTP client):
 * - URL from scheme (default HTTP), host (default the pod IP), port (number or named container
 *   port) and path; headers from httpHeaders, where `Host` sets the request's Host;
 *   `User-Agent: kube-<purpose>/1.32` and `Accept` (any type) unless given;
 * - no certificate verification for HTTPS, no proxy, no compression;
 * - redirects followed only to the same host name (at most 10 requests); a redirect elsewhere
 *   ends the chain and returns that 3xx response;
 * - at most 10 KiB of the body is read.
 * Transport failures come back as Go's `Get "URL": ...` texts, the form users know from events.
 */
import { KUBERNETES_VERSION } from "../../../version.ts";
import type { ContainerSpec } from "../pod-types.ts";
import { joinHostPort, resolveContainerPort } from "./container-port.ts";
import { MAX_PROBE_OUTPUT_BYTES, type HTTPGetAction } from "./probe-types.ts";

const MAX_REQUESTS = 10;

export interface HttpGetRequest {
  url: URL;
  /** Header lines to send (canonical names), without Host. */
  headers: [string, string][];
  /** The Host header value when httpHeaders set one. */
  host?: string;
}

export type HttpGetResult =
  | { ok: true; status: number; body: string; url: URL }
  /** `stage` says where it failed: before a response (`request`) or while reading the body (`body`). */
  | { ok: false; stage: "request" | "body"; error: string; tls?: boolean };

/** Go's textproto.CanonicalMIMEHeaderKey for the usual header names. */
function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/** Builds the request of an HTTPGetAction; throws (upstream's message) when the port does not resolve. */
export function buildHttpGetRequest(action: HTTPGetAction, container: ContainerSpec, podIP: string, purpose: "probe" | "lifecycle"): HttpGetRequest {
  const scheme = (action.scheme || "HTTP").toLowerCase();
  const host = action.host || podIP;
  const port = resolveContainerPort(action.port, container);
  const hostPort = joinHostPort(host, port);
  let url: URL;
  try {
    url = new URL(action.path ?? "", `${scheme}://${hostPort}/`);
    url.protocol = `${scheme}:`;
    url.host = hostPort;
  } catch {
    url = new URL(`${scheme}://${hostPort}/${(action.path ?? "").replace(/^\/+/, "")}`);
  }
  const headers: [string, string][] = [];
  let hostHeader: string | undefined;
  for (const h of action.httpHeaders ?? []) {
    const name = canonicalHeader(h.name);
    if (name === "Host") hostHeader ??= h.value;
    else headers.push([name, h.value]);
  }
  if (!headers.some(([n]) => n === "User-Agent")) headers.push(["User-Agent", `kube-${purpose}/${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}`]);
  const accept = headers.filter(([n]) => n === "Accept");
  if (accept.length === 0) headers.push(["Accept", "*/*"]);
  else if (accept[0]![1] === "") headers.splice(0, headers.length, ...headers.filter(([n]) => n !== "Accept"));
  return { url, headers, host: hostHeader || undefined };
}

/** host:port with the port always written (WHATWG URLs drop default ports; Go's texts keep them). */
export const hostPortOf = (url: URL) => `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;

/** Go's url.Error text. */
const goUrlError = (url: URL, detail: string) =>
  `Get ${JSON.stringify(`${url.protocol}//${hostPortOf(url)}${url.pathname}${url.search}`)}: ${detail}`;

/** Go's wording for the transport errors Bun reports. */
function transportError(err: unknown, url: URL, timedOut: boolean): { error: string; tls: boolean } {
  if (timedOut) return { error: goUrlError(url, "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"), tls: false };
  const e = err as { code?: string; message?: string; name?: string };
  const dial = `dial tcp ${hostPortOf(url)}`;
  switch (e?.code) {
    case "ECONNREFUSED": return { error: goUrlError(url, `${dial}: connect: connection refused`), tls: false };
    case "EHOSTUNREACH": return { error: goUrlError(url, `${dial}: connect: no route to host`), tls: false };
    case "ENETUNREACH": return { error: goUrlError(url, `${dial}: connect: network is unreachable`), tls: false };
    case "ECONNRESET": return { error: goUrlError(url, "EOF"), tls: false };
    case "EPROTO": return { error: goUrlError(url, e.message ?? "tls: handshake failure"), tls: true };
    default: return { error: goUrlError(url, e?.message ?? String(err)), tls: false };
  }
}

/** Reads at most `limit` bytes of the body, then lets the rest go. */
async function readAtMost(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } finally {
    if (total >= limit) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  const all = new Uint8Array(Math.min(total, limit));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, all.length - at);
    all.set(part, at);
    at += part.length;
    if (at >= all.length) break;
  }
  return new TextDecoder().decode(all);
}

const isRedirect = (status: number) => status === 301 || status === 302 || status === 303 || status === 307 || status === 308;

/**
 * Performs the GET. `timeoutMs` bounds the whole exchange including the body (Go's Client.Timeout;
 * 0: none); `signal` cancels it. `readBody: false` discards the body (lifecycle hooks).
 */
export async function httpGet(req: HttpGetRequest, opts: { timeoutMs: number; signal?: AbortSignal; readBody?: boolean }): Promise<HttpGetResult> {
  const timeout = opts.timeoutMs > 0 ? AbortSignal.timeout(opts.timeoutMs) : undefined;
  const signals = [timeout, opts.signal].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length ? AbortSignal.any(signals) : undefined;
  const first = req.url;
  let url = first;
  let host = req.host;
  let referer: string | undefined;
  for (let sent = 1; ; sent++) {
    const headers = [...req.headers];
    if (host) headers.push(["Host", host]);
    if (referer) headers.push(["Referer", referer]);
    let res: Response;
    try {
      res = await fetch(url, { headers, redirect: "manual", signal, keepalive: false, decompress: false, tls: { rejectUnauthorized: false } } as RequestInit);
    } catch (err) {
      return { ok: false, stage: "request", ...transportError(err, url, timeout?.aborted ?? false) };
    }
    const location = res.headers.get("location");
    if (isRedirect(res.status) && location) {
      let next: URL | undefined;
      try { next = new URL(location, url); } catch { /* Go fails the request on a bad Location */ }
      if (!next) {
        await res.body?.cancel().catch(() => {});
        return { ok: false, stage: "request", error: goUrlError(url, `failed to parse Location header ${JSON.stringify(location)}`) };
      }
      if (next.hostname === first.hostname) {
        await res.body?.cancel().catch(() => {});
        if (sent >= MAX_REQUESTS) return { ok: false, stage: "request", error: goUrlError(next, "stopped after 10 redirects") };
        // Go keeps a caller's Host header only through relative redirects, and sends a Referer unless leaving HTTPS.
        if (/^[a-z][a-z0-9+.-]*:/i.test(location)) host = undefined;
        referer = url.protocol === "https:" && next.protocol === "http:" ? undefined : url.href;
        url = next;
        continue;
      }
    }
    if (opts.readBody === false) {
      await res.body?.cancel().catch(() => {});
      return { ok: true, status: res.status, body: "", url };
    }
    try {
      return { ok: true, status: res.status, body: await readAtMost(res, MAX_PROBE_OUTPUT_BYTES), url };
    } catch (err) {
      const detail = timeout?.aborted ? "context deadline exceeded (Client.Timeout or context cancellation while reading body)" : (err as Error)?.message ?? String(err);
      return { ok: false, stage: "body", error: detail };
    }
  }
}
