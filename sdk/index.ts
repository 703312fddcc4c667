/**
 * @lite/sdk: the stable contract between lite's core and its plugins (embedded or third-party).
 * Everything a plugin may use is exported here; nothing else is public.
 */
export { SDK_VERSION } from "./version.ts";
export type { Logger } from "./logger.ts";
export type { PluginState, HealthReport } from "./plugin-state.ts";
export { PLUGIN_STATES } from "./plugin-state.ts";
export type { ServiceRef } from "./service-ref.ts";
export { createServiceRef, ServiceUnavailableError } from "./service-ref.ts";
export type { ClusterSettings, NodeSettings } from "./cluster-settings.ts";
export type {
  StatusReporter, PluginHandle, PluginContext, ServerContext, NodeContext, PluginHalf, PluginSpec,
  PluginDefinition, ConfigOf,
} from "./plugin.ts";
export { definePlugin, isPluginDefinition } from "./plugin.ts";
export type { AdminRoutes, AdminRouteHandler } from "./core-services.ts";
export { coreServices } from "./core-services.ts";
export type { ApiGroups, ApiGroupDefinition, ApiGroupResource, ApiGroupReadRequest, ApiGroupTableColumn } from "./api-groups.ts";
export * from "./api/index.ts";
export * from "./client/index.ts";
export * from "./controller/index.ts";
export * from "./scheduler/index.ts";
export * as v from "valibot";
