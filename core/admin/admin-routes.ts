import type { AdminRouteHandler, AdminRoutes } from "@lite/sdk";

/** The table of plugin-registered admin routes, `/plugins/<id>/<path>` → handler. */
export class AdminRouteTable {
  private readonly routes = new Map<string, AdminRouteHandler>();

  /** The AdminRoutes service handed to one plugin: it can only register under its own prefix. */
  forPlugin(pluginId: string): AdminRoutes {
    return {
      get: (path, handler) => {
        this.routes.set(`/plugins/${pluginId}/${path.replace(/^\/+/, "")}`, handler);
      },
    };
  }

  /** Drops every route of a plugin (called when it stops). */
  clear(pluginId: string): void {
    for (const key of this.routes.keys()) if (key.startsWith(`/plugins/${pluginId}/`)) this.routes.delete(key);
  }

  match(pathname: string): AdminRouteHandler | undefined {
    return this.routes.get(pathname);
  }
}
