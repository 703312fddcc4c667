/**
 * `lite agent`: joins a server (core/agent/join) and runs one node: containerd, the kubelet, the
 * service proxy and the node halves of plugins, all talking to the server over HTTPS with the
 * certificates the join handed out. Node halves act as `system:lite-plugin:<id>`, the identity they
 * have in the server's own process (the server issues one client certificate per plugin at join),
 * so a plugin's RBAC is the same on every node. Stops in reverse on SIGTERM/SIGINT; containers keep
 * running and are adopted at the next start.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { coreServices, type ControllerRunner, type Logger } from "@lite/sdk";
import { AdminRouteTable } from "../admin/admin-routes.ts";
import { adminSocketPath, startAdminServer, type AdminServer } from "../admin/admin-server.ts";
import { createApiClient, httpsTransport } from "../client/index.ts";
import type { AgentSettings } from "../config/settings.ts";
import { realClock } from "../controllers/runtime/clock.ts";
import { createEventRecorder } from "../controllers/runtime/event-recorder.ts";
import { runController } from "../controllers/runtime/run-controller.ts";
import { createSharedInformerFactory } from "../controllers/runtime/shared-informer-factory.ts";
import { EMBEDDED_PLUGINS } from "../host/embedded-plugins.ts";
import { externalPluginSource } from "../host/load-external-plugin.ts";
import { PluginHost } from "../host/plugin-host.ts";
import { resolvePlugins } from "../host/resolve-plugins.ts";
import { renderKubeconfig } from "../pki/index.ts";
import { removeNetpolRules, startNetpolController, type NetpolController } from "../netpol/index.ts";
import { startServiceProxy, type ServiceProxy } from "../proxy/index.ts";
import { waitForShutdown, type Shutdown } from "../server/shutdown.ts";
import type { JoinResponse, PemPair } from "../server/join/join-routes.ts";
import { GIT_SHA, LITE_VERSION } from "../version.ts";
import { JoinError, joinServer } from "./join/join-client.ts";
import { ensureNodePassword } from "./join/node-password.ts";
import { parseJoinToken, TokenFormatError, type JoinToken } from "./join/token.ts";
import { startNodeAgent, type NodeAgent } from "./node-agent.ts";
import { agentPaths } from "./paths.ts";
import { subjectAccessReviewAuthorizer } from "./sar-authorizer.ts";

export interface RunAgentOptions {
  readonly log: Logger;
  readonly shutdown?: Shutdown;
}

const JOIN_BACKOFF_MAX_MS = 30_000;

export async function runAgent(settings: AgentSettings, options: RunAgentOptions): Promise<number> {
  const { log } = options;
  const started = performance.now();
  if (!settings.server) {
    log.error("lite agent: --server (LITE_URL) is required, e.g. --server https://10.0.0.1:6443");
    return 1;
  }
  if (!settings.token) {
    log.error("lite agent: --token (LITE_TOKEN) or --token-file is required: the server's DATA_DIR/server/token (or agent-token, or a token from lite token create)");
    return 1;
  }
  if (!settings.nodeIP) {
    log.error("lite agent: no node IP found; set --node-ip");
    return 1;
  }
  let token: JoinToken;
  try {
    token = parseJoinToken(settings.token);
  } catch (err) {
    if (err instanceof TokenFormatError) {
      log.error(`lite agent: invalid token: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const server = settings.server.replace(/\/+$/, "");
  const nodeIP = settings.nodeIP;
  const paths = agentPaths(settings.dataDir);
  mkdirSync(paths.kubeletTlsDir, { recursive: true, mode: 0o700 });
  log.info("lite agent starting", { version: LITE_VERSION, commit: GIT_SHA, server, node: settings.nodeName });

  const shutdown = options.shutdown ?? waitForShutdown(log);
  const abort = new AbortController();
  void shutdown.promise.then(() => abort.abort());

  // The plugins this node could run (to ask the server for their credentials); the server's disable list narrows them after the join.
  const external = settings.pluginPaths.map((p) => externalPluginSource(p));
  const candidates = await resolvePlugins({ embedded: EMBEDDED_PLUGINS, external, disable: new Set(), pluginConfig: settings.pluginConfig });
  const nodeHalves = candidates.enabled.filter((p) => p.definition.node).map((p) => p.definition.id);

  // Join, retrying with back-off while the server is unreachable; a refusal is final.
  let answer: JoinResponse | undefined;
  const nodePassword = ensureNodePassword(`${paths.root}/node-password`);
  for (let delay = 1000; !abort.signal.aborted; delay = Math.min(delay * 2, JOIN_BACKOFF_MAX_MS)) {
    try {
      answer = await joinServer({
        server, token, log, signal: abort.signal,
        request: { nodeName: settings.nodeName, nodeIP, nodePassword, plugins: nodeHalves },
      });
      break;
    } catch (err) {
      if (!(err instanceof JoinError)) throw err;
      if (abort.signal.aborted) break;
      if (!err.retry) {
        log.error(`lite agent: ${err.message}`);
        shutdown.dispose();
        return 1;
      }
      log.warn(`${err.message}; retrying in ${delay / 1000}s`);
      await Bun.sleep(delay);
    }
  }
  if (!answer) {
    shutdown.dispose();
    return 0;
  }
  writeCredentials(paths.kubeletTlsDir, server, answer);
  log.info("joined the cluster", { server, node: answer.nodeName, elapsedMs: Math.round(performance.now() - started) });

  const transport = (pair: PemPair) => httpsTransport({ server, caPem: answer!.serverCA, clientCertPem: pair.cert, clientKeyPem: pair.key });
  const nodeClient = createApiClient({ transport: transport(answer.kubeletClient), fieldManager: "kubelet", userAgent: "kubelet" });

  const flannelDefaults = { ...(answer.pluginConfig.flannel ?? {}), ...(settings.flannelIface ? { iface: settings.flannelIface } : {}) };
  const plan = await resolvePlugins({
    embedded: EMBEDDED_PLUGINS, external, disable: new Set(answer.disable), pluginConfig: settings.pluginConfig,
    configDefaults: { ...answer.pluginConfig, flannel: flannelDefaults, "local-storage": { path: settings.defaultLocalStoragePath } },
  });

  // Per-plugin services over HTTPS as system:lite-plugin:<id>.
  const clock = realClock();
  const routes = new AdminRouteTable();
  const pluginServices = new Map<string, { apiClient: ReturnType<typeof createApiClient>; informers: ReturnType<typeof createSharedInformerFactory>; controllers: ControllerRunner; stop: AbortController }>();
  const servicesFor = (id: string) => {
    let s = pluginServices.get(id);
    if (s) return s;
    const pair = answer!.plugins[id];
    if (!pair) throw new Error(`the server issued no credentials for plugin "${id}" (restart the agent to join again)`);
    const plog = log.child({ plugin: id });
    const apiClient = createApiClient({ transport: transport(pair), fieldManager: id });
    const informers = createSharedInformerFactory({ client: apiClient, clock, log: plog });
    const stop = new AbortController();
    informers.start(stop.signal);
    const controllers: ControllerRunner = {
      async run(controller, signal) {
        const events = createEventRecorder({ client: apiClient, component: controller.name, host: answer!.nodeName, clock, log: plog });
        await runController(controller, { client: apiClient, informers, events, clock, log: plog.child({ controller: controller.name }) }, signal);
        await events.flush();
      },
    };
    s = { apiClient, informers, controllers, stop };
    pluginServices.set(id, s);
    return s;
  };
  const services = new Map<string, (pluginId: string) => unknown>([
    [coreServices.adminRoutes.id, (id) => routes.forPlugin(id)],
    [coreServices.apiClient.id, (id) => servicesFor(id).apiClient],
    [coreServices.informers.id, (id) => servicesFor(id).informers],
    [coreServices.controllers.id, (id) => servicesFor(id).controllers],
  ]);
  let criticalFailure: string | undefined;
  const host = new PluginHost({
    role: "node", plan, log, cluster: answer.cluster,
    node: { nodeName: answer.nodeName, nodeIP, cniConfDir: paths.cniConfDir },
    stateRoot: `${paths.root}/plugins`, services,
    onCriticalFailure: (id, error) => {
      criticalFailure ??= `critical plugin "${id}" failed: ${error.message}`;
      shutdown.trigger(criticalFailure);
    },
    onStatusChange: (s) => {
      if (s.state !== "Stopped") return;
      routes.clear(s.id);
      pluginServices.get(s.id)?.stop.abort();
      pluginServices.delete(s.id);
    },
  });

  let ready = false;
  let admin: AdminServer | undefined;
  let agent: NodeAgent | undefined;
  let proxy: ServiceProxy | undefined;
  let netpol: NetpolController | undefined;
  try {
    admin = await startAdminServer({
      socketPath: adminSocketPath(settings.dataDir), role: "agent", routes, log, statuses: () => host.statuses(), ready: () => ready,
    });
    agent = await startNodeAgent({
      dataDir: settings.dataDir, nodeName: answer.nodeName, nodeIP, role: "agent", client: nodeClient, cluster: answer.cluster, log,
      labels: { ...settings.nodeLabels }, taints: [...settings.nodeTaints],
      ...(settings.containerRuntimeEndpoint ? { containerRuntimeEndpoint: settings.containerRuntimeEndpoint } : {}),
      registriesFile: settings.privateRegistry,
      kubeletPort: settings.kubeletPort, maxPods: settings.maxPods,
      containerLogMaxSize: settings.containerLogMaxSize, containerLogMaxFiles: settings.containerLogMaxFiles,
      eviction: settings.eviction, imageGc: settings.imageGc, kubeletConfigIgnored: settings.kubeletConfigIgnored, bindAddress: "0.0.0.0",
      kubeletTls: { cert: answer.kubeletServing.cert, key: answer.kubeletServing.key, clientCA: answer.clientCA },
      signal: abort.signal,
      authorize: subjectAccessReviewAuthorizer(nodeClient),
    });
    if (!answer.disableKubeProxy && !shutdown.triggered) {
      proxy = startServiceProxy({
        client: createApiClient({ transport: transport(answer.kubeProxy), fieldManager: "kube-proxy", userAgent: "kube-proxy" }),
        log, nodeName: answer.nodeName, nodePortAddresses: nodeIP.startsWith("127.") ? "all" : [nodeIP],
        clusterCIDRs: answer.cluster.clusterCIDR.split(","),
      });
    }
    // NetworkPolicy enforcement: off when this agent or its server says --disable-network-policy.
    if (settings.disableNetworkPolicy || answer.disableNetworkPolicy) {
      await removeNetpolRules().catch((err: unknown) => log.warn("could not remove the network policy nftables table", { error: String(err) }));
    } else if (!answer.networkPolicy) {
      log.warn("the server issued no network policy credentials (an older server?): NetworkPolicies are not enforced on this node");
    } else if (!shutdown.triggered) {
      netpol = startNetpolController({
        client: createApiClient({ transport: transport(answer.networkPolicy), fieldManager: "network-policy", userAgent: "lite-network-policy" }),
        log, nodeName: answer.nodeName,
      });
    }
    if (!shutdown.triggered) await host.start();
    if (!shutdown.triggered) {
      ready = true;
      log.info("lite agent ready", { elapsedMs: Math.round(performance.now() - started), node: answer.nodeName, dataDir: settings.dataDir, kubeletPort: agent.kubeletPort });
    }
    await shutdown.promise;
  } finally {
    ready = false;
    log.info("lite agent stopping");
    abort.abort();
    await host.stop();
    for (const s of pluginServices.values()) s.stop.abort();
    await netpol?.stop();
    await proxy?.stop();
    await agent?.stop();
    await admin?.stop();
    shutdown.dispose();
    log.info("lite agent stopped");
  }
  if (criticalFailure) {
    log.error(`lite agent: ${criticalFailure}; stopped`);
    return 1;
  }
  return 0;
}

/** The node's credentials on disk (K3s agent/*.crt, *.kubeconfig), for operators and tools; the agent itself uses them from memory. */
function writeCredentials(dir: string, server: string, a: JoinResponse): void {
  const write = (name: string, text: string) => writeFileSync(`${dir}/${name}`, text, { mode: 0o600 });
  write("server-ca.crt", a.serverCA);
  write("client-ca.crt", a.clientCA);
  write("client-kubelet.crt", a.kubeletClient.cert);
  write("client-kubelet.key", a.kubeletClient.key);
  write("serving-kubelet.crt", a.kubeletServing.cert);
  write("serving-kubelet.key", a.kubeletServing.key);
  write("client-kube-proxy.crt", a.kubeProxy.cert);
  write("client-kube-proxy.key", a.kubeProxy.key);
  write("kubelet.kubeconfig", renderKubeconfig({ server, caPem: a.serverCA, certPem: a.kubeletClient.cert, keyPem: a.kubeletClient.key }));
}
