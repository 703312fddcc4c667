import type { ApiGroups } from "./api-groups.ts";
import type { ApiClient } from "./client/api-client.ts";
import type { ControllerRunner } from "./controller/controller.ts";
import type { SharedInformerFactory } from "./controller/informer.ts";
import type { SchedulerService } from "./scheduler/service.ts";
import { createServiceRef } from "./service-ref.ts";

/** A route handler registered under the plugin's own prefix on the admin endpoint. */
export type AdminRouteHandler = (request: Request) => Response | Promise<Response>;

/**
 * Lets a plugin expose read-only diagnostics on the admin endpoint under `/plugins/<id>/<path>`.
 * Registering the same path twice replaces the handler. Routes disappear when the plugin stops.
 */
export interface AdminRoutes {
  get(path: string, handler: AdminRouteHandler): void;
}

/** Services the core offers plugins in SDK v1. Later versions add extension points. */
export const coreServices = {
  adminRoutes: createServiceRef<AdminRoutes>("core.adminRoutes"),
  /** The Kubernetes API as user `system:lite-plugin:<id>`, writing with field manager `<id>`. */
  apiClient: createServiceRef<ApiClient>("core.apiClient"),
  /** Informers shared with the core's controllers; handlers a plugin adds are removed when it stops. */
  informers: createServiceRef<SharedInformerFactory>("core.informers"),
  /** Runs `defineController` controllers with the plugin's client and informers. */
  controllers: createServiceRef<ControllerRunner>("core.controllers"),
  /** Adds scheduler plugins to the running scheduler (server only; unavailable with --disable-scheduler). */
  scheduler: createServiceRef<SchedulerService>("core.scheduler"),
  /** Serves read-only API groups (e.g. metrics.k8s.io) through the API server (server only). */
  apiGroups: createServiceRef<ApiGroups>("core.apiGroups"),
} as const;
