/** Public surface of lite's authentication (who is asking): see authentication.ts. */
export { createAuthentication, defaultIssuer, type Authentication, type AuthenticationOptions, type AuthenticationOutcome } from "./authentication.ts";
export { apiObjectReader, LOOPBACK_USER } from "./object-reader.ts";
export type { AuthResult, BoundKind, ObjectReader, TokenAuthenticator, UserInfo } from "./types.ts";
export { ANONYMOUS, ALL_AUTHENTICATED, ALL_UNAUTHENTICATED } from "./types.ts";
export {
  bootstrapTokenSecret, generateBootstrapToken, parseBootstrapToken, isBootstrapTokenId, secretNameFor, secretValue, hasExpired,
  validateBootstrapGroup, validateUsage, BOOTSTRAP_NAMESPACE, BOOTSTRAP_SECRET_TYPE, KNOWN_USAGES, K3S_DEFAULT_NODE_GROUP,
  type BootstrapToken, type BootstrapTokenSpec,
} from "./bootstrap-token.ts";
export { OIDC_CONFIGURATION_PATH, JWKS_PATH } from "./oidc-discovery.ts";
