/**
 * The cluster's authentication, assembled once per control plane: the request authenticator
 * chain (x509, service-account JWTs, bootstrap tokens, anonymous), impersonation, the
 * TokenRequest issuer, the ServiceAccount admission plugin, the TokenReview/SelfSubjectReview
 * resources and the OIDC discovery routes. Holds no global state.
 */
import type { AdmissionPlugin } from "../../apiserver/admission/types.ts";
import type { Authorizer } from "../../apiserver/authz/types.ts";
import { apiErrors, toApiError } from "../../apiserver/errors/index.ts";
import type { ResourceDef } from "../../apiserver/resources/index.ts";
import type { TokenIssuer } from "../../apiserver/rest/context.ts";
import type { ClientCertificate } from "../../apiserver/transport/index.ts";
import { createBootstrapAuthenticator } from "./bootstrap-authenticator.ts";
import { impersonate } from "./impersonation.ts";
import { oidcDiscoveryRoutes } from "./oidc-discovery.ts";
import { createRequestAuthenticator } from "./request-authenticator.ts";
import { authenticationReviewResources } from "./reviews.ts";
import { createServiceAccountAuthenticator } from "./service-account-authenticator.ts";
import { serviceAccountAdmission } from "./service-account-admission.ts";
import { loadServiceAccountKey, type ServiceAccountKey } from "./service-account-key.ts";
import { unionTokenAuthenticator } from "./token-chain.ts";
import { createTokenGenerator } from "./token-generator.ts";
import { createTokenIssuer } from "./token-request.ts";
import type { ObjectReader, TokenAuthenticator, UserInfo } from "./types.ts";

/** K3s' service-account issuer: `https://kubernetes.default.svc.<cluster domain>`. */
export function defaultIssuer(clusterDomain = "cluster.local"): string {
  return `https://kubernetes.default.svc.${clusterDomain}`;
}

export interface AuthenticationOptions {
  /** PEM of the service-account signing key (`server/tls/service.key`). */
  serviceKeyPem: string;
  issuer: string;
  /** Audiences tokens must carry one of (default: [issuer]). */
  apiAudiences?: readonly string[];
  /** Live reads of service accounts, pods, secrets and nodes (bound tokens, bootstrap tokens, admission). */
  objects: ObjectReader;
  /** Decides the `impersonate` checks (the server's authorizer). */
  authorize: Authorizer;
  now?: () => Date;
}

export type AuthenticationOutcome = { readonly user: UserInfo } | { readonly response: Response; readonly reason: string };

export interface Authentication {
  readonly issuer: string;
  readonly apiAudiences: readonly string[];
  readonly key: ServiceAccountKey;
  /** Token authenticators (service-account JWTs, bootstrap tokens), for TokenReview-like uses. */
  readonly tokens: TokenAuthenticator;
  /**
   * Authenticates a request and applies impersonation. Returns the user the API server should
   * see (anonymous when no credential was presented), or the 401/403/500 response to send.
   */
  authenticate(req: Request, client: ClientCertificate): Promise<AuthenticationOutcome>;
  readonly issueToken: TokenIssuer;
  readonly admission: AdmissionPlugin;
  /** Served as extra create-only resources: TokenReview, SelfSubjectReview. */
  readonly reviewResources: ResourceDef[];
  /** `/.well-known/openid-configuration` and `/openid/v1/jwks`. */
  readonly discoveryRoutes: Record<string, () => Response>;
}

function statusResponse(status: ReturnType<ReturnType<typeof toApiError>["toStatus"]>, code: number): Response {
  return new Response(JSON.stringify(status), { status: code, headers: { "Content-Type": "application/json" } });
}

export function createAuthentication(opts: AuthenticationOptions): Authentication {
  const now = opts.now ?? (() => new Date());
  const key = loadServiceAccountKey(opts.serviceKeyPem);
  const apiAudiences = opts.apiAudiences?.length ? [...opts.apiAudiences] : [opts.issuer];
  const tokens = unionTokenAuthenticator([
    createServiceAccountAuthenticator({ keys: [key], issuer: opts.issuer, apiAudiences, objects: opts.objects, now }),
    createBootstrapAuthenticator({ objects: opts.objects, now }),
  ]);
  const authenticateRequest = createRequestAuthenticator(tokens);
  const generator = createTokenGenerator({ key, issuer: opts.issuer, now });
  return {
    issuer: opts.issuer, apiAudiences, key, tokens,
    async authenticate(req, client) {
      const r = await authenticateRequest(req, client);
      if (r.kind === "rejected") {
        const err = apiErrors.unauthorized();
        return { response: statusResponse(err.toStatus(), 401), reason: r.reason };
      }
      try {
        return { user: await impersonate(req.headers, r.user, opts.authorize) };
      } catch (e) {
        const err = toApiError(e);
        return { response: statusResponse(err.toStatus(), err.code), reason: err.message };
      }
    },
    issueToken: createTokenIssuer({ generator, apiAudiences, objects: opts.objects }),
    admission: serviceAccountAdmission({ objects: opts.objects }),
    reviewResources: authenticationReviewResources({ tokens, apiAudiences, now }),
    discoveryRoutes: oidcDiscoveryRoutes({ issuer: opts.issuer, keys: [key] }),
  };
}
