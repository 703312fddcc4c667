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

/** Services the core offers plugins in SDK v1. Later versions add the API client, informers and extension points. */
export const coreServices = {
  adminRoutes: createServiceRef<AdminRoutes>("core.adminRoutes"),
} as const;
