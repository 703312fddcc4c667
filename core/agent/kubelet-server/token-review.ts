/**
 * Bearer-token authentication for the kubelet API by TokenReview (the kubelet's
 * `--authentication-token-webhook`): the API server decides; answers are cached for 2 minutes
 * (upstream's `authentication-token-webhook-cache-ttl`), so a burst of `kubectl logs` through a
 * service-account token costs one review. Failed reviews (the API server unreachable) are not
 * cached: the request is refused and the next one asks again.
 */
import type { ApiClient, KubeObject } from "@lite/sdk";
import type { UserInfo } from "../../apiserver/authz/types.ts";
import type { TokenAuthenticator } from "./request-auth.ts";

const TOKEN_REVIEWS = { group: "authentication.k8s.io", version: "v1", resource: "tokenreviews" } as const;
const CACHE_TTL_MS = 120_000;
const MAX_CACHED = 1024;

interface TokenReview extends KubeObject {
  status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } };
}

export function tokenReviewAuthenticator(client: ApiClient, now: () => number = Date.now): TokenAuthenticator {
  const cache = new Map<string, { user: UserInfo | undefined; until: number }>();
  return async (token) => {
    const hit = cache.get(token);
    if (hit && hit.until > now()) return hit.user;
    const review = await client.create<TokenReview>(TOKEN_REVIEWS, {
      apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", metadata: {}, spec: { token },
    } as TokenReview).catch(() => undefined);
    if (!review) return undefined;
    const u = review.status?.user;
    const user: UserInfo | undefined = review.status?.authenticated && u?.username
      ? { username: u.username, groups: u.groups ?? [], ...(u.uid ? { uid: u.uid } : {}), ...(u.extra ? { extra: u.extra } : {}) }
      : undefined;
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(token, { user, until: now() + CACHE_TTL_MS });
    return user;
  };
}
