/**
 * The kubelet's service-account token cache (upstream pkg/kubelet/token Manager). Tokens come
 * from the TokenRequest API (`serviceaccounts/<name>/token`) bound to the pod; a cached token is
 * reused until it is older than 80% of its lifetime or 24 hours (minus up to 10 s of jitter).
 * When a refresh fails the old token is served while it is still valid.
 */
import type { ApiClient, KubeObject } from "@lite/sdk";
import { builtinResources } from "@lite/sdk";
import { errorMessage } from "./errors.ts";

export interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef: { apiVersion: "v1"; kind: "Pod"; name: string; uid: string };
}

interface Issued {
  token: string;
  /** ms since the epoch */
  expiresAt: number;
  /** lifetime the server granted */
  expirationSeconds: number;
  podUid: string;
}

const MAX_TTL_MS = 24 * 3600 * 1000;
const MAX_JITTER_MS = 10_000;

export class ServiceAccountTokens {
  private readonly cache = new Map<string, Issued>();
  /** Requests made to the API server (for tests and metrics). */
  requests = 0;

  constructor(private readonly client: ApiClient, private readonly clock: () => number, private readonly random: () => number = Math.random) {}

  /** The token for `serviceAccount` in `namespace` with `spec`, from cache or a new TokenRequest. */
  async get(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<string> {
    const key = `${JSON.stringify(serviceAccount)}/${JSON.stringify(namespace)}/${JSON.stringify(spec.audiences ?? [])}/${spec.expirationSeconds ?? 0}/${spec.boundObjectRef.uid}`;
    const cached = this.cache.get(key);
    if (cached && !this.requiresRefresh(cached)) return cached.token;
    let fresh: Issued;
    try {
      fresh = await this.request(namespace, serviceAccount, spec);
    } catch (err) {
      if (!cached) throw new Error(`failed to fetch token: ${errorMessage(err)}`);
      if (this.clock() > cached.expiresAt) throw new Error(`token ${key} expired and refresh failed: ${errorMessage(err)}`);
      return cached.token;
    }
    this.cache.set(key, fresh);
    return fresh.token;
  }

  /** Drops the pod's tokens (its volumes are gone). */
  forgetPod(podUid: string): void {
    for (const [k, v] of this.cache) if (v.podUid === podUid) this.cache.delete(k);
  }

  private requiresRefresh(t: Issued): boolean {
    const now = this.clock();
    const issuedAt = t.expiresAt - t.expirationSeconds * 1000;
    const jitter = Math.floor(this.random() * (MAX_JITTER_MS / 1000)) * 1000;
    if (now > issuedAt + MAX_TTL_MS - jitter) return true;
    return now > t.expiresAt - Math.floor((t.expirationSeconds * 20) / 100) * 1000 - jitter;
  }

  private async request(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<Issued> {
    this.requests++;
    const body: Record<string, unknown> = { boundObjectRef: spec.boundObjectRef };
    if (spec.audiences?.length) body.audiences = spec.audiences;
    if (spec.expirationSeconds !== undefined) body.expirationSeconds = spec.expirationSeconds;
    const tr = await this.client.create<KubeObject & { spec?: { expirationSeconds?: number }; status?: { token?: string; expirationTimestamp?: string } }>(
      { ...builtinResources.serviceAccounts, namespace },
      { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", metadata: { name: serviceAccount, namespace }, spec: body },
      { subresource: "token" },
    );
    const token = tr.status?.token;
    const expiresAt = Date.parse(tr.status?.expirationTimestamp ?? "");
    if (!token || Number.isNaN(expiresAt)) throw new Error("the TokenRequest response carries no token");
    return { token, expiresAt, expirationSeconds: tr.spec?.expirationSeconds ?? spec.expirationSeconds ?? 3600, podUid: spec.boundObjectRef.uid };
  }
}
