/**
 * lite's Kubernetes API server as an in-process library. The HTTPS front authenticates and
 * calls `handle(request, user)`; everything else (REST, watch, discovery, OpenAPI, health) is here.
 */
export { createApiServer } from "./server.ts";
export type { ApiServer, ApiServerOptions } from "./server.ts";
export type { UserInfo, Attributes, Authorizer, Decision } from "./authz/types.ts";
export { allowAll, ANONYMOUS_USER } from "./authz/types.ts";
export { attributesOf, forbiddenError } from "./authz/authorize.ts";
export type { WatchCache } from "./watch-cache/watch-cache.ts";
export { KUBERNETES_VERSION } from "./version/version.ts";
export type { VersionInfo } from "./version/version.ts";
export { ApiError, apiErrors, fieldErrors } from "./errors/index.ts";
export type { Status, FieldError } from "./errors/index.ts";
export type { AdmissionPlugin, AdmissionAttributes } from "./admission/types.ts";
export type { ConnectHandler, TokenIssuer } from "./rest/context.ts";
export type { HealthCheck } from "./health/health.ts";
export type { SchemaProvider } from "./openapi/schema-provider.ts";
export { builtinResources } from "./resources/index.ts";
export type { ResourceDef, KObject, CreateOnlyHandler } from "./resources/index.ts";
