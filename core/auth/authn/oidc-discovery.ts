/**
 * Service-account issuer discovery (upstream pkg/serviceaccount/openidmetadata.go): the OpenID
 * provider configuration at `/.well-known/openid-configuration` and the verification keys at
 * `/openid/v1/jwks`, so relying parties can verify service-account tokens. Both are ordinary
 * non-resource GETs: authorization (the system:service-account-issuer-discovery role) applies.
 */
import type { ServiceAccountKey } from "./service-account-key.ts";

export const OIDC_CONFIGURATION_PATH = "/.well-known/openid-configuration";
export const JWKS_PATH = "/openid/v1/jwks";

const CACHE = "public, max-age=3600";

/** Path -> response builder for both documents (bodies computed once). */
export function oidcDiscoveryRoutes(opts: { issuer: string; jwksUri?: string; keys: readonly ServiceAccountKey[] }): Record<string, () => Response> {
  const config = JSON.stringify({
    issuer: opts.issuer,
    jwks_uri: opts.jwksUri ?? `${opts.issuer.replace(/\/+$/, "")}${JWKS_PATH}`,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [...new Set(opts.keys.map((k) => k.algorithm))],
  });
  const jwks = JSON.stringify({ keys: opts.keys.map((k) => k.jwk) });
  return {
    [OIDC_CONFIGURATION_PATH]: () => new Response(config, { headers: { "Content-Type": "application/json", "Cache-Control": CACHE } }),
    [JWKS_PATH]: () => new Response(jwks, { headers: { "Content-Type": "application/jwk-set+json", "Cache-Control": CACHE } }),
  };
}
