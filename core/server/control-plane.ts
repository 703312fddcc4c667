import type { Logger } from "@lite/sdk";
import { createApiServer, type ApiServer } from "../apiserver/index.ts";
import { apiObjectReader, createAuthentication, defaultIssuer } from "../auth/authn/index.ts";
import { createAuthorization } from "../auth/authz/index.ts";
import { startHttpsFront, type HttpsFront } from "../apiserver/transport/index.ts";
import { createNodeProxy, type RelayData } from "../apiserver/proxy/index.ts";
import { firstServiceIP, parseCidr } from "../apiserver/allocators/cidr.ts";
import { isIP } from "../config/net.ts";
import type { ServerSettings } from "../config/settings.ts";
import { AUTH_PROXY_NAME, ensureServerPKI, renderKubeconfig, writeKubeconfig, type ServerPKI } from "../pki/index.ts";
import { extensionAuthenticationData, publishExtensionAuthentication } from "./extension-apiserver-authentication.ts";
import { openStore } from "../store/open.ts";
import { createMaxInflight, createRequestFilters, openAuditLog } from "../apiserver/filters/index.ts";
import { withValueTransformer } from "../apiserver/storage/transforming-store.ts";
import { csrAdmissionPlugin } from "../certificates/index.ts";
import { setupSecretsEncryption, type SecretsEncryption } from "../secrets-encryption/index.ts";
import { readTestKnobs } from "./test-knobs.ts";
import { reconcileKubernetesEndpoints } from "./kubernetes-endpoints.ts";
import { createApiClient, inProcessTransport } from "../client/index.ts";
import type { Store } from "../store/types.ts";
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/config-error.ts";
import { TokenFormatError } from "../agent/join/token.ts";
import { createJoinRoutes } from "./join/join-routes.ts";
import { ensureServerTokens, type ServerTokens } from "./join/server-token.ts";

/** The running datastore, API server and its HTTPS listener. */
export interface ControlPlane {
  readonly store: Store;
  readonly api: ApiServer;
  readonly pki: ServerPKI;
  /** Secrets encryption at rest (undefined: off and never on). */
  readonly secretsEncryption?: SecretsEncryption;
  /** The port the API server listens on (the OS-assigned one when --https-listen-port 0). */
  readonly port: number;
  /** Stops the listener, then the API server, then closes the store. Idempotent. */
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Plugin configuration defaults from server flags, handed to joining agents (run-server's embeddedPluginFlags). */
  readonly joinPluginConfig?: Readonly<Record<string, Record<string, unknown>>>;
}

/**
 * Starts the control plane in its phases: datastore, PKI (generated on first start under
 * `<data-dir>/server/tls`), API server, HTTPS listener with x509 client-certificate identity, and
 * writes the admin kubeconfig. A failure in any phase stops the ones already started.
 */
export async function startControlPlane(settings: ServerSettings, log: Logger, options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const serviceCIDR = settings.cluster.serviceCIDR.split(",")[0]!;
  const serviceIP = firstServiceIP(parseCidr(serviceCIDR));
  const undo: (() => Promise<void>)[] = [];
  try {
    const knobs = readTestKnobs(process.env);
    const store = await openStore(settings.datastoreEndpoint, settings.dataDir, knobs.storeOptions);
    undo.push(() => store.close());
    log.info("datastore open", { endpoint: settings.datastoreEndpoint, revision: store.currentRevision() });

    // Secrets at rest: the API server sees plaintext through a transforming store; stale values are
    // re-encrypted before it starts.
    const secretsEncryption = await setupSecretsEncryption({ dataDir: settings.dataDir, enabled: settings.secretsEncryption, store, log });
    if (secretsEncryption) {
      const { rewritten } = await secretsEncryption.reencrypt();
      if (rewritten) log.info("secrets encryption: stored values rewritten with the current key", { rewritten });
    }
    const apiStore = secretsEncryption ? withValueTransformer(store, secretsEncryption.binding) : store;

    const nodeIPs = [...new Set([settings.nodeIP, settings.advertiseAddress].filter((ip): ip is string => !!ip))];
    const pki = await ensureServerPKI(`${settings.dataDir}/server/tls`, {
      nodeName: settings.nodeName,
      sans: { dns: settings.tlsSans.filter((s) => !isIP(s)), ips: settings.tlsSans.filter(isIP) },
      serviceIP,
      nodeIPs,
    });
    if (pki.issued.length) log.info("certificates issued", { files: pki.issued.join(",") });

    // Authentication reads service accounts, pods and secrets through the API server it fronts,
    // and asks the server's authorizer about impersonation: both bound once the server exists.
    let apiRef: ApiServer | undefined;
    const authn = createAuthentication({
      serviceKeyPem: pki.serviceKey.pem,
      issuer: defaultIssuer(settings.cluster.clusterDomain),
      objects: apiObjectReader(() => apiRef),
      authorize: (user, attrs) => apiRef ? apiRef.authorize(user, attrs) : { allowed: false, reason: "the API server is not started" },
    });

    // pods/log|exec|attach|portforward and nodes/proxy reach the kubelets with the kubelet-client
    // certificate; kubelet serving certificates are verified against the server CA.
    const nodes = apiObjectReader(() => apiRef);
    const nodeProxy = createNodeProxy({
      getNode: (name) => nodes("Node", "", name),
      tls: { cert: pki.clients.kubeletClient.certPem, key: pki.clients.kubeletClient.keyPem, ca: pki.serverCA.authority.certPem },
      log,
    });

    const authz = createAuthorization();
    // API Priority and Fairness (default) shares the two limits' sum among the priority levels, as
    // upstream's; without it the max-inflight filter limits requests arriving over HTTPS.
    const apf = settings.enablePriorityAndFairness;
    const inflight = apf ? undefined : createMaxInflight({
      maxReadOnly: settings.maxRequestsInflight, maxMutating: settings.maxMutatingRequestsInflight,
      onReject: (info, req, url) => apiRef?.metrics.recordDropped(info, req, url),
    });
    const api = await createApiServer({
      store: apiStore,
      authorize: authz.authorize,
      decide: (attrs) => authz.decide(attrs),
      admission: [authn.admission, csrAdmissionPlugin(), ...authz.admission],
      extraResources: [...authn.reviewResources, ...authz.resources],
      issueToken: authn.issueToken,
      connect: nodeProxy.connect,
      nonResourceRoutes: authn.discoveryRoutes,
      serviceCIDR,
      nodePortRange: settings.cluster.serviceNodePortRange,
      clusterDomain: settings.cluster.clusterDomain,
      watchCacheCapacity: knobs.watchCacheCapacity,
      aggregatorClientCert: pki.authProxy,
      inflight: inflight?.inflight,
      flowControl: apf ? { serverConcurrencyLimit: settings.maxRequestsInflight + settings.maxMutatingRequestsInflight } : undefined,
    });
    undo.push(() => api.close());
    apiRef = api;
    // Node,RBAC over the API server's caches; the bootstrap policy is reconciled before serving.
    const policy = await authz.attach(api, { onError: (err) => log.warn("clusterrole aggregation", { error: String(err) }) });
    undo.push(async () => authz.stop());
    if (policy.created || policy.updated) log.info("RBAC bootstrap policy reconciled", policy);

    // Join tokens (server/token, node-token, agent-token) and the join endpoints (/cacerts, /v1-lite/join).
    const caBundle = readFileSync(pki.serverCA.certPath, "utf8");
    let tokens: ServerTokens;
    try {
      tokens = ensureServerTokens({ dataDir: settings.dataDir, caBundle, token: settings.token, agentToken: settings.agentToken });
    } catch (err) {
      if (err instanceof TokenFormatError) throw new ConfigError(err.message);
      throw err;
    }
    const join = createJoinRoutes({
      pki, caBundle, tokens, dataDir: settings.dataDir, authn, log, cluster: settings.cluster, disable: [...settings.disable], disableKubeProxy: settings.disableKubeProxy, disableNetworkPolicy: settings.disableNetworkPolicy, pluginConfig: options.joinPluginConfig ?? {},
      client: createApiClient({ transport: inProcessTransport(api, { username: "system:lite-supervisor", groups: ["system:masters", "system:authenticated"] }), fieldManager: "lite-supervisor" }),
    });

    const audit = settings.auditLogPath
      ? await openAuditLog({ path: settings.auditLogPath, onDrop: (dropped) => log.warn("audit log is falling behind: events dropped", { dropped }) })
      : undefined;
    if (audit) undo.push(() => audit.close());
    const filters = createRequestFilters({ audit, inflight });

    const front: HttpsFront = await startHttpsFront<RelayData>({
      host: settings.bindAddress,
      port: settings.httpsListenPort,
      cert: pki.serving.certPem,
      key: pki.serving.keyPem,
      clientCA: pki.clientCA.authority.certPem,
      idleTimeout: 0, // watches stay open for minutes; the API server sends bookmarks
      maxRequestBodySize: 3 * 1024 * 1024 + 1024, // the API server answers 413 past 3 MiB itself
      handler: async (req, client, server, clientAddress) => {
        const joined = join.handle(req, client);
        if (joined) return joined;
        const who = await authn.authenticate(req, client);
        if ("response" in who) {
          log.debug("request not authenticated", { reason: who.reason });
          return who.response;
        }
        const user = who.user;
        const res = await filters.handle(req, user, clientAddress ?? "", () => api.handle(req, user));
        return nodeProxy.finishUpgrade(req, server, res); // exec/attach/portforward and log WebSockets
      },
      websocket: nodeProxy.websocket,
    });
    undo.push(() => front.stop());

    const host = settings.bindAddress === "0.0.0.0" || settings.bindAddress === "::" ? "127.0.0.1" : settings.bindAddress;
    const server = `https://${host.includes(":") ? `[${host}]` : host}:${front.port}`;
    await writeKubeconfig(settings.writeKubeconfig, renderKubeconfig({
      server,
      caPem: pki.serverCA.authority.certPem,
      certPem: pki.clients.admin.certPem,
      keyPem: pki.clients.admin.keyPem,
    }), settings.writeKubeconfigMode);
    log.info("API server listening", { url: `https://${settings.bindAddress}:${front.port}`, kubeconfig: settings.writeKubeconfig });
    const apiserverClient = createApiClient({ transport: inProcessTransport(api, { username: "system:apiserver", groups: ["system:masters", "system:authenticated"] }), fieldManager: "kube-apiserver" });
    await publishExtensionAuthentication(apiserverClient, extensionAuthenticationData({
      clientCAPem: pki.clientCA.authority.certPem, requestHeaderCAPem: pki.requestHeaderCA.authority.certPem, allowedNames: [AUTH_PROXY_NAME],
    })).catch((err) => log.warn("could not publish kube-system/extension-apiserver-authentication", { error: String(err) }));
    const advertise = settings.advertiseAddress;
    if (advertise) {
      await reconcileKubernetesEndpoints(apiserverClient, { ip: advertise, port: front.port, log })
        .catch((err) => log.warn("could not write the kubernetes Service's endpoints", { error: String(err) }));
    }

    let stopping: Promise<void> | undefined;
    return {
      store, api, pki, secretsEncryption, port: front.port,
      stop: () => (stopping ??= runAll([...undo].reverse())),
    };
  } catch (err) {
    await runAll([...undo].reverse());
    throw err;
  }
}

async function runAll(steps: (() => Promise<void>)[]): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch {
      // keep stopping the rest
    }
  }
}
