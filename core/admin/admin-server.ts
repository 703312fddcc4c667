import { chmodSync, existsSync, mkdirSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "@lite/sdk";
import type { PluginStatus } from "../host/plugin-status.ts";
import { LITE_VERSION, GIT_SHA } from "../version.ts";
import type { AdminRouteTable } from "./admin-routes.ts";

/** The admin endpoint lives on a Unix socket in the data dir: `<data-dir>/admin.sock`, mode 0600 (root only). */
export function adminSocketPath(dataDir: string): string {
  return `${dataDir}/admin.sock`;
}

export interface AdminServerOptions {
  readonly socketPath: string;
  readonly role: "server" | "agent";
  readonly statuses: () => PluginStatus[];
  readonly ready: () => boolean;
  readonly routes: AdminRouteTable;
  /**
   * Core endpoints keyed `"<METHOD> <path>"` (e.g. `"POST /secrets-encrypt/rotate-keys"`); read at
   * request time, so the server may add entries once the control plane runs.
   */
  readonly commands?: ReadonlyMap<string, (req: Request) => Promise<Response>>;
  readonly log: Logger;
}

export interface AdminServer {
  stop(): Promise<void>;
}

/**
 * Serves, over HTTP on a Unix socket (so it needs no port and is protected by file permissions):
 * - `GET /plugins`: `{"kind":"PluginStatusList","items":[PluginStatus...]}`
 * - `GET /plugins/<id>/<path>`: routes a plugin registered through `coreServices.adminRoutes`
 * - `GET /readyz`, `GET /healthz`, `GET /version`
 * Refuses to start if another lite process already serves the socket.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const path = options.socketPath;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (existsSync(path)) {
    if (await isServing(path)) throw new AdminSocketBusyError(path);
    unlinkSync(path); // stale socket from a process that died
  }
  const server = Bun.serve({
    unix: path,
    fetch: async (req) => {
      const url = new URL(req.url);
      const command = options.commands?.get(`${req.method} ${url.pathname}`);
      if (command) {
        try {
          return await command(req);
        } catch (err) {
          return json({ error: (err as Error).message }, 500);
        }
      }
      if (req.method !== "GET") return json({ error: "method not allowed" }, 405);
      switch (url.pathname) {
        case "/plugins":
          return json({ kind: "PluginStatusList", role: options.role, items: options.statuses() });
        case "/readyz":
          return options.ready() ? new Response("ok\n") : new Response("starting\n", { status: 503 });
        case "/healthz":
          return new Response("ok\n");
        case "/version":
          return json({ version: LITE_VERSION, gitCommit: GIT_SHA });
      }
      const route = options.routes.match(url.pathname);
      if (route) {
        try {
          return await route(req);
        } catch (err) {
          return json({ error: (err as Error).message }, 500);
        }
      }
      return json({ error: `no such admin path: ${url.pathname}` }, 404);
    },
  });
  chmodSync(path, 0o600);
  options.log.debug("admin endpoint listening", { socket: path });
  let stopped: Promise<void> | undefined;
  return {
    stop: () => (stopped ??= (async () => {
      await server.stop(true);
      if (existsSync(path)) unlinkSync(path);
    })()),
  };
}

export class AdminSocketBusyError extends Error {
  constructor(readonly socketPath: string) {
    super(`another lite process is already running with this data dir (its admin endpoint answers at ${socketPath})`);
    this.name = "AdminSocketBusyError";
  }
}

async function isServing(path: string): Promise<boolean> {
  try {
    const res = await fetch("http://lite/healthz", { unix: path, signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body, null, 2) + "\n", { status, headers: { "content-type": "application/json" } });
}
