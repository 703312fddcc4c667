/**
 * The agent's half of the join (K3s pkg/agent/config + pkg/clientaccess): fetch the CA bundle
 * from `/cacerts` without verification, check its SHA-256 against the token's `K10<hash>` before
 * any credential leaves the machine, prove the server holds a certificate of that CA (`/ping`
 * verified against the bundle), then send the token and the node password to `/v1-lite/join` and
 * receive the node's configuration and certificates. HTTPS only.
 */
import type { Logger } from "@lite/sdk";
import type { JoinRequest, JoinResponse } from "../../server/join/join-routes.ts";
import { authorizationHeader, caBundleHash, type JoinToken } from "./token.ts";

/** A join that failed. `retry`: the server was unreachable or busy (try again); otherwise the answer is final. */
export class JoinError extends Error {
  constructor(message: string, readonly retry: boolean, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Step 1 failed because the server's CA bundle is not the one the token names. */
export class CAHashMismatchError extends JoinError {}

export interface JoinOptions {
  /** e.g. https://10.0.0.1:6443 */
  server: string;
  token: JoinToken;
  request: JoinRequest;
  log: Logger;
  signal?: AbortSignal;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

const describe = (err: unknown) => {
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.code}${e.message && !e.message.includes(e.code) ? `: ${e.message}` : ""}` : String(e.message ?? err);
};

interface RequestOptions {
  signal?: AbortSignal;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

/**
 * One request of the handshake. Failures become JoinErrors (with the fetch error as `cause`):
 * TLS verification failures are final, connection problems are retried.
 */
async function call(base: string, path: string, init: RequestInit & { tls: Record<string, unknown> }, o: RequestOptions): Promise<Response> {
  try {
    const signal = AbortSignal.any([AbortSignal.timeout(o.timeoutMs ?? 30_000), ...(o.signal ? [o.signal] : [])]);
    return await fetch(`${base}${path}`, { ...init, signal } as RequestInit);
  } catch (err) {
    if (o.signal?.aborted) throw new JoinError("stopped", false, { cause: err });
    const code = (err as { code?: string }).code ?? "";
    // TLS verification failures are final; connection problems are retried.
    if (/CERT|SSL|TLS|HOSTNAME|SELF_SIGNED|ERR_TLS/i.test(code) && !/ECONNRESET/.test(code)) {
      throw new JoinError(`the server at ${base} did not present a certificate valid for this address under the cluster CA (${describe(err)})`, false, { cause: err });
    }
    throw new JoinError(`cannot reach the server at ${base}${path}: ${describe(err)}`, true, { cause: err });
  }
}

export interface ClusterCAOptions extends RequestOptions {
  /** Called when the token has no CA hash (a short token), so the bundle is trusted unchecked. */
  onShortToken: () => void;
  /** Refuse an answer that holds no PEM certificate (default true). */
  requireCertificate?: boolean;
}

export interface ClusterCA {
  /** The bundle as text (for `tls.ca`). */
  readonly bundle: string;
  /** The bundle's bytes as served (what the token's hash covers). */
  readonly bundleBytes: Uint8Array;
}

/**
 * Step 1 of the join: the CA bundle from `${base}/cacerts`, fetched without verification, and its
 * SHA-256 checked against the token's `K10<hash>` (CAHashMismatchError when it differs). Failures
 * are JoinErrors; a failed request carries the fetch error as `cause`. `base` has no trailing slash.
 */
export async function fetchClusterCA(base: string, token: JoinToken, o: ClusterCAOptions): Promise<ClusterCA> {
  const caRes = await call(base, "/cacerts", { tls: { rejectUnauthorized: false } }, o);
  if (!caRes.ok) throw new JoinError(`${base}/cacerts answered ${caRes.status}; is this a lite server?`, caRes.status >= 500);
  const bundleBytes = new Uint8Array(await caRes.arrayBuffer());
  const bundle = new TextDecoder().decode(bundleBytes);
  if ((o.requireCertificate ?? true) && !bundle.includes("-----BEGIN CERTIFICATE-----")) {
    throw new JoinError(`${base}/cacerts did not answer with a CA certificate; is this a lite server?`, false);
  }
  if (token.caHash) {
    const hash = caBundleHash(bundleBytes);
    if (hash !== token.caHash) {
      throw new CAHashMismatchError(`token CA hash does not match the cluster CA certificate hash of ${base} (token K10${token.caHash.slice(0, 12)}..., server ${hash.slice(0, 12)}...): the token belongs to another cluster, or someone is in the middle`, false);
    }
  } else {
    o.onShortToken();
  }
  return { bundle, bundleBytes };
}

export async function joinServer(o: JoinOptions): Promise<JoinResponse> {
  const base = o.server.replace(/\/+$/, "");
  const req = { timeoutMs: o.timeoutMs, signal: o.signal };

  // 1. The CA bundle, unverified, and its hash against the token's.
  const { bundle } = await fetchClusterCA(base, o.token, {
    ...req,
    onShortToken: () => o.log.warn("the token has no CA hash (a short token): the server's CA is trusted without a check; use the full K10 token from the server's DATA_DIR/server/token"),
  });

  // 2. The server must hold a certificate of that CA for this address.
  const ping = await call(base, "/ping", { tls: { ca: bundle } }, req);
  if (!ping.ok) throw new JoinError(`${base}/ping answered ${ping.status}`, ping.status >= 500);

  // 3. Credentials, only now.
  const res = await call(base, "/v1-lite/join", {
    method: "POST",
    headers: { authorization: authorizationHeader(o.token.credentials), "content-type": "application/json" },
    body: JSON.stringify(o.request),
    tls: { ca: bundle },
  }, req);
  const reason = async () => (await res.text()).trim().split("\n")[0] ?? "";
  if (res.status === 401) throw new JoinError(`the server refused the token (401): ${await reason()}`, false);
  if (res.status === 403) throw new JoinError(`${await reason()}`, false);
  if (!res.ok) throw new JoinError(`the server refused the join (${res.status}): ${await reason()}`, res.status >= 500 || res.status === 429);
  const answer = (await res.json()) as JoinResponse;
  if (answer.serverCA !== bundle) throw new JoinError("the server's join answer names another CA than /cacerts", false);
  return answer;
}
