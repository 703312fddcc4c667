import { mkdirSync } from "node:fs";
import { coreServices, type Logger } from "@lite/sdk";
import { AdminRouteTable } from "../admin/admin-routes.ts";
import { agentPaths } from "../agent/paths.ts";
import { csrSigningController } from "../certificates/index.ts";
import { secretsEncryptAdminRoutes } from "../secrets-encryption/index.ts";
import { LITE_CONTROLLER_USER } from "../auth/authz/bootstrap/bindings.ts";
import { nodePasswordCleanupController } from "./join/node-password-cleanup.ts";
import { coreControllers, startControllerManager, type ControllerManagerHandle } from "../controllers/index.ts";
import { createApiClient, inProcessTransport } from "../client/index.ts";
import { FIELD_MANAGER, startManifestDeployer, type ManifestDeployer } from "./manifests/manifest-deployer.ts";
import { createAddonRecords } from "./manifests/addon-records.ts";
import { realClock } from "../controllers/runtime/clock.ts";
import { createEventRecorder, type BackgroundEventRecorder } from "../controllers/runtime/event-recorder.ts";
import type { PluginStatus } from "../host/plugin-status.ts";
import { adminSocketPath, startAdminServer, type AdminServer } from "../admin/admin-server.ts";
import type { ServerSettings } from "../config/settings.ts";
import { EMBEDDED_PLUGINS } from "../host/embedded-plugins.ts";
import { externalPluginSource } from "../host/load-external-plugin.ts";
import { PluginHost } from "../host/plugin-host.ts";
import { removeDisabledPluginObjects } from "../host/disabled-plugin-objects.ts";
import { resolvePlugins } from "../host/resolve-plugins.ts";
import { startScheduler, type SchedulerHandleRunning } from "../scheduler/index.ts";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";
import { startEmbeddedAgent } from "./embedded-agent.ts";
import { removeEmbeddedProxyRules, startEmbeddedProxy } from "./embedded-proxy.ts";
import type { ServiceProxy } from "../proxy/index.ts";
import type { NetpolController } from "../netpol/index.ts";
import { removeEmbeddedNetpolRules, startEmbeddedNetpol } from "./embedded-netpol.ts";
import type { NodeAgent } from "../agent/node-agent.ts";
import { waitForShutdown, type Shutdown } from "./shutdown.ts";
import { readTestKnobs } from "./test-knobs.ts";
import { GIT_SHA, LITE_VERSION } from "../version.ts";

export interface RunServerOptions {
  readonly log: Logger;
  /** Resolves (once) when the process should stop; defaults to SIGTERM/SIGINT. */
  readonly shutdown?: Shutdown;
}

/**
 * `lite server`: resolves the plugins, then starts in phases — admin endpoint, datastore and API
 * server, controller manager, server halves of plugins, the embedded agent's node halves — and stops in
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
  const adminCommands = new Map<string, (req: Request) => Promise<Response>>();
  const services = new Map<string, (pluginId: string) => unknown>([
    [coreServices.adminRoutes.id, (id) => routes.forPlugin(id)],
    [coreServices.apiClient.id, (id) => controllersFor(id).apiClient],
    [coreServices.informers.id, (id) => controllersFor(id).informers],
    [coreServices.controllers.id, (id) => controllersFor(id).controllers],
    [coreServices.scheduler.id, (id) => {
      if (!scheduler) throw new Error(settings.disableScheduler ? "the scheduler is disabled (--disable-scheduler)" : "the scheduler is not running");
      return scheduler.forPlugin(id);
    }],
    [coreServices.apiGroups.id, (id) => {
      if (!controlPlane) throw new Error("the API server is not running");
      return controlPlane.api.pluginGroups.forOwner(id);
    }],
  ]);
  let scheduler: SchedulerHandleRunning | undefined;
  let controllerManager: ControllerManagerHandle | undefined;
  const controllersFor = (id: string) => {
    if (!controllerManager) throw new Error("the controller manager is not running");
    return controllerManager.forPlugin(id);
  };
  let pluginEvents: BackgroundEventRecorder | undefined;
  const onStatusChange = (s: PluginStatus) => {
    if (s.state === "Stopped") { routes.clear(s.id); controllerManager?.releasePlugin(s.id); scheduler?.releasePlugin(s.id); controlPlane?.api.pluginGroups.release(s.id); }
    // A Warning Event per failure, on a pseudo-object naming the plugin (`kubectl get events -n kube-system`).
    if (s.state === "Failed" || s.state === "Degraded") {
      const object = { apiVersion: "lite.dev/v1", kind: "Plugin", metadata: { name: s.id, namespace: "kube-system" } };
      pluginEvents?.event(object, "Warning", s.state === "Failed" ? "PluginFailed" : "PluginDegraded", `${s.role} half: ${s.lastError ?? s.message ?? s.state}`);
    }
  };
  const hosts = [
    new PluginHost({
      role: "server", plan, log, cluster: settings.cluster, stateRoot: `${settings.dataDir}/server/plugins`,
      services, onCriticalFailure, onStatusChange,
    }),
  ];
  if (!settings.disableAgent) {
    hosts.push(new PluginHost({
      role: "node", plan, log, cluster: settings.cluster, node: { nodeName: settings.nodeName, nodeIP: settings.nodeIP, cniConfDir: agentPaths(settings.dataDir).cniConfDir },
      stateRoot: `${settings.dataDir}/agent/plugins`, services, onCriticalFailure, onStatusChange,
    }));
  }

  let ready = false;
  let admin: AdminServer | undefined;
  let controlPlane: ControlPlane | undefined;
  let agent: NodeAgent | undefined;
  let proxy: ServiceProxy | undefined;
  let netpol: NetpolController | undefined;
  let manifests: ManifestDeployer | undefined;
  let deployEvents: BackgroundEventRecorder | undefined;
  const agentAbort = new AbortController();
  void shutdown.promise.then(() => agentAbort.abort());
  try {
    admin = await startAdminServer({
      socketPath: adminSocketPath(settings.dataDir), role: "server", routes, log, commands: adminCommands,
      statuses: () => hosts.flatMap((h) => h.statuses()),
      ready: () => ready,
    });
    // Phases: control plane (datastore, API server), controller manager, then plugins' server halves, then the embedded agent's node halves.
    controlPlane = await startControlPlane(settings, log, { joinPluginConfig: { flannel: { backend: settings.flannelBackend } } });
    for (const [key, handler] of secretsEncryptAdminRoutes(controlPlane.secretsEncryption)) adminCommands.set(key, handler);
    // Controllers run before plugins start, so plugins find namespaces with their defaults in place.
    // RBAC: lite runs every controller in one process as system:lite-controller (bound to cluster-admin by
    // the bootstrap policy), where upstream gives each controller its own service account.
    controllerManager = startControllerManager({
      api: controlPlane.api, log, identity: settings.nodeName, user: { username: LITE_CONTROLLER_USER, groups: ["system:authenticated"] },
      controllers: [
        ...coreControllers({ rootCAPem: controlPlane.pki.serverCA.authority.certPem, nodeMonitorGracePeriodMs: readTestKnobs(process.env).nodeMonitorGracePeriodMs }),
        csrSigningController({ cas: { client: controlPlane.pki.clientCA.authority, server: controlPlane.pki.serverCA.authority } }),
        nodePasswordCleanupController(),
      ],
    });
    pluginEvents = createEventRecorder({ client: controllerManager.client, component: "lite-plugin-host", host: settings.nodeName, clock: realClock(), log });
    if (!settings.disableScheduler) scheduler = startScheduler({ api: controlPlane.api, log, identity: settings.nodeName, informers: controllerManager.informers });
    // What disabled embedded plugins created goes (a replacement plugin with the same id keeps it).
    const enabledIds = new Set(plan.enabled.map((p) => p.definition.id));
    await removeDisabledPluginObjects(controllerManager.client, plan.disabled.map((d) => d.id).filter((id) => !enabledIds.has(id)), log, agentAbort.signal)
      .catch((err: unknown) => log.warn("could not remove the objects of disabled plugins", { error: (err as Error).message }));
    // Server halves of plugins, then the embedded agent (containerd, kubelet, Node), then node halves.
    if (!shutdown.triggered) await hosts[0]!.start();
    // Auto-deploying manifests (K3s' server/manifests), applied as an admin.
    if (!shutdown.triggered) {
      const deployLog = log.child({ component: "deploy" });
      const deployClient = createApiClient({ transport: inProcessTransport(controlPlane.api, { username: "system:lite-deploy", groups: ["system:masters", "system:authenticated"] }), fieldManager: FIELD_MANAGER });
      deployEvents = createEventRecorder({ client: deployClient, component: "deploy", host: settings.nodeName, clock: realClock(), log: deployLog });
      manifests = startManifestDeployer({
        dir: `${settings.dataDir}/server/manifests`, stateFile: `${settings.dataDir}/server/manifests-applied.json`, log: deployLog, client: deployClient,
        addons: createAddonRecords({ client: deployClient, events: deployEvents, log: deployLog, fieldManager: FIELD_MANAGER }),
      });
    }
    if (!settings.disableAgent && !shutdown.triggered) {
      agent = await startEmbeddedAgent(settings, controlPlane.api, controlPlane.pki, log, agentAbort.signal);
      // The service proxy of this node (its rules outlive a restart; --disable-kube-proxy removes them).
      if (!settings.disableKubeProxy) {
        proxy = startEmbeddedProxy(settings, controlPlane.api, log);
        const running = proxy;
        adminCommands.set("GET /proxy", async () => Response.json({ kind: "ServiceProxyStatus", ...running.status() }));
      } else {
        await removeEmbeddedProxyRules(log);
      }
      // NetworkPolicy enforcement on this node (its rules outlive a restart; --disable-network-policy removes them).
      if (!settings.disableNetworkPolicy) {
        netpol = startEmbeddedNetpol(settings.nodeName, controlPlane.api, log);
        const running = netpol;
        adminCommands.set("GET /netpol", async () => Response.json({ kind: "NetworkPolicyStatus", ...running.status() }));
      } else {
        await removeEmbeddedNetpolRules(log);
      }
    }
    for (const host of hosts.slice(1)) {
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
    agentAbort.abort();
    for (const host of hosts.slice(1).reverse()) await host.stop();
    await netpol?.stop();
    await proxy?.stop();
    await agent?.stop();
    await manifests?.stop();
    await deployEvents?.flush();
    await hosts[0]!.stop();
    await scheduler?.stop();
    await pluginEvents?.flush();
    await controllerManager?.stop();
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
  return {
    flannel: { backend: settings.flannelBackend, ...(settings.flannelIface ? { iface: settings.flannelIface } : {}) },
    "local-storage": { path: settings.defaultLocalStoragePath },
  };
}
