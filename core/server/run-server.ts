import { mkdirSync } from "node:fs";
import { coreServices, type Logger } from "@lite/sdk";
import { AdminRouteTable } from "../admin/admin-routes.ts";
import { adminSocketPath, startAdminServer, type AdminServer } from "../admin/admin-server.ts";
import type { ServerSettings } from "../config/settings.ts";
import { EMBEDDED_PLUGINS } from "../host/embedded-plugins.ts";
import { externalPluginSource } from "../host/load-external-plugin.ts";
import { PluginHost } from "../host/plugin-host.ts";
import { resolvePlugins } from "../host/resolve-plugins.ts";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";
import { waitForShutdown, type Shutdown } from "./shutdown.ts";
import { GIT_SHA, LITE_VERSION } from "../version.ts";

export interface RunServerOptions {
  readonly log: Logger;
  /** Resolves (once) when the process should stop; defaults to SIGTERM/SIGINT. */
  readonly shutdown?: Shutdown;
}

/**
 * `lite server`: resolves the plugins, then starts in phases — admin endpoint, datastore and API
 * server, server halves of plugins, the embedded agent's node halves — and stops in
 * reverse on SIGTERM/SIGINT or when a critical plugin fails. Returns the process exit code.
 */
export async function runServer(settings: ServerSettings, options: RunServerOptions): Promise<number> {
  const started = performance.now();
  const { log } = options;
  mkdirSync(`${settings.dataDir}/server`, { recursive: true, mode: 0o700 });

  // Enable/disable is decided once, before anything is constructed.
  const plan = await resolvePlugins({
    embedded: EMBEDDED_PLUGINS,
    external: settings.pluginPaths.map((p) => externalPluginSource(p)),
    disable: settings.disable,
    pluginConfig: settings.pluginConfig,
    configDefaults: embeddedPluginFlags(settings),
  });

  log.info("lite server starting", { version: LITE_VERSION, commit: GIT_SHA, plugins: plan.enabled.map((p) => p.definition.id).join(",") });
  const shutdown = options.shutdown ?? waitForShutdown(log);
  let criticalFailure: string | undefined;
  const onCriticalFailure = (id: string, error: Error) => {
    criticalFailure ??= `critical plugin "${id}" failed: ${error.message}`;
    shutdown.trigger(criticalFailure);
  };
  const routes = new AdminRouteTable();
  const services = new Map<string, (pluginId: string) => unknown>([
    [coreServices.adminRoutes.id, (id) => routes.forPlugin(id)],
  ]);
  const onStatusChange = (s: { id: string; state: string }) => { if (s.state === "Stopped") routes.clear(s.id); };
  const hosts = [
    new PluginHost({
      role: "server", plan, log, cluster: settings.cluster, stateRoot: `${settings.dataDir}/server/plugins`,
      services, onCriticalFailure, onStatusChange,
    }),
  ];
  if (!settings.disableAgent) {
    hosts.push(new PluginHost({
      role: "node", plan, log, cluster: settings.cluster, node: { nodeName: settings.nodeName, nodeIP: settings.nodeIP },
      stateRoot: `${settings.dataDir}/agent/plugins`, services, onCriticalFailure, onStatusChange,
    }));
  }

  let ready = false;
  let admin: AdminServer | undefined;
  let controlPlane: ControlPlane | undefined;
  try {
    admin = await startAdminServer({
      socketPath: adminSocketPath(settings.dataDir), role: "server", routes, log,
      statuses: () => hosts.flatMap((h) => h.statuses()),
      ready: () => ready,
    });
    // Phases: control plane (datastore, API server), then plugins' server halves, then the embedded agent's node halves.
    controlPlane = await startControlPlane(settings, log);
    for (const host of hosts) {
      if (shutdown.triggered) break;
      await host.start();
    }
    if (!shutdown.triggered) {
      ready = true;
      log.info("lite server ready", {
        elapsedMs: Math.round(performance.now() - started),
        dataDir: settings.dataDir,
        admin: adminSocketPath(settings.dataDir),
        apiPort: controlPlane.port,
      });
    }
    await shutdown.promise;
  } finally {
    ready = false;
    log.info("lite server stopping");
    for (const host of [...hosts].reverse()) await host.stop();
    await controlPlane?.stop();
    await admin?.stop();
    shutdown.dispose();
    log.info("lite server stopped");
  }
  if (criticalFailure) {
    log.error(`lite server: ${criticalFailure}; stopped`);
    return 1;
  }
  return 0;
}

/** Core flags that configure embedded plugins (K3s users know them as server flags). */
function embeddedPluginFlags(settings: ServerSettings): Record<string, Record<string, unknown>> {
  return { flannel: { backend: settings.flannelBackend } };
}
