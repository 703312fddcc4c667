/**
 * createApiServer: wires the catalog, store, watch caches, admission, allocators and REST
 * engine into one in-process `handle(req, user)`. Several servers may coexist (no globals).
 */
import type { Store } from "../store/types.ts";
import { namespaceLifecyclePlugin } from "./admission/namespace-lifecycle.ts";
import { limitRangerPlugin } from "./admission/limit-ranger.ts";
import { runtimeClassPlugin } from "./admission/runtime-class.ts";
import { resourceQuotaPlugin } from "./admission/quota/resource-quota.ts";
import { mutatingWebhookPlugin, validatingWebhookPlugin } from "./admission/webhook/dispatch.ts";
import { cachedPolicySources, cachedWebhookSources } from "./admission/webhook/sources.ts";
import { validatingAdmissionPolicyPlugin } from "./admission/policy/validating-admission-policy.ts";
import type { ProxyClientCertificate } from "./aggregator/aggregated-proxy.ts";
import { createAggregator } from "./aggregator/aggregator.ts";
import type { AdmissionPlugin } from "./admission/types.ts";
import { firstServiceIP } from "./allocators/cidr.ts";
import { ClusterIPAllocator } from "./allocators/cluster-ip.ts";
import { NodePortAllocator } from "./allocators/node-port.ts";
import { markServiceAllocations, serviceAllocationPlugin } from "./allocators/service-allocation.ts";
import { allowAuthenticated, authorize } from "./authz/authorize.ts";
import type { Authorizer, UserInfo } from "./authz/types.ts";
import type { AuthzDecide } from "../cel/library/authz.ts";
import { bootstrapCluster } from "./bootstrap/bootstrap.ts";
import { createCrdController } from "./crd/controller.ts";
import { serveDiscovery } from "./discovery/serve.ts";
import { apiErrors, toApiError } from "./errors/index.ts";
import { serveHealth, type HealthCheck } from "./health/health.ts";
import type { SchemaProvider } from "./openapi/schema-provider.ts";
import { createBuiltinSchemaProvider } from "./openapi/builtin-schema-provider.ts";
import { decodeKubernetesProtobuf } from "./protobuf/index.ts";
import { createPluginApiGroups, type PluginApiGroups } from "./plugin-groups/plugin-groups.ts";
import { createOpenApiService } from "./openapi/serve.ts";
import { withDefSchemas } from "./openapi/def-schemas.ts";
import type { ProtobufDecoder } from "./request/body.ts";
import { parseRequestInfo } from "./request/request-info.ts";
import { builtinResources, createResourceRegistry, type KObject, type ResourceDef, type ResourceRegistry } from "./resources/index.ts";
import type { WatchCache } from "./watch-cache/watch-cache.ts";
import type { ApiContext, ConnectHandler, TokenIssuer } from "./rest/context.ts";
import { handleResourceRequest } from "./rest/resource-handler.ts";
import { errorResponse, jsonResponse, withWarnings } from "./rest/respond.ts";
import { createStorageSet, type StorageSet } from "./storage/storage-set.ts";
import { createFlowControl, type FlowControl } from "./flowcontrol/apf.ts";
import { serveDebug } from "./flowcontrol/debug.ts";
import { KUBERNETES_VERSION } from "./version/version.ts";
import { ApiServerMetrics } from "./metrics/request-metrics.ts";
import { EXPOSITION_CONTENT_TYPE } from "../metrics/registry.ts";

export interface ApiServerOptions {
  store: Store;
  /** e.g. "10.43.0.0/16"; its first IP is the `kubernetes` Service. */
  serviceCIDR: string;
  nodePortRange: { min: number; max: number };
  clusterDomain: string;
  now?: () => Date;
  /** Authorization hook (default: every authenticated user may do everything; anonymous users only the public paths). */
  authorize?: Authorizer;
  /**
   * The same authorizer as a synchronous upstream-shaped decision (lite's `Authorization.decide`),
   * for CEL's `authorizer` in ValidatingAdmissionPolicies and webhook matchConditions; without it they ask `authorize`, and an
   * asynchronous answer is an errored decision.
   */
  decide?: AuthzDecide;
  /** Resources served besides the built-in catalog (e.g. create-only review kinds). */
  extraResources?: ResourceDef[];
  /** HTTPS port, the `kubernetes` Service's targetPort (default 6443). */
  securePort?: number;
  /** Decoder for `application/vnd.kubernetes.protobuf` bodies (415 without one). */
  protobufDecoder?: ProtobufDecoder;
  /** log/exec/attach/portforward/proxy. */
  connect?: ConnectHandler;
  issueToken?: TokenIssuer;
  /** Extra admission plugins, run after the built-in ones. */
  admission?: AdmissionPlugin[];
  /** Extra /readyz checks (e.g. plugin health). */
  readyChecks?: HealthCheck[];
  schemaProvider?: SchemaProvider;
  /** Extra non-resource GET endpoints by exact path (e.g. OIDC discovery), served after authorization. */
  nonResourceRoutes?: Readonly<Record<string, (req: Request) => Response | Promise<Response>>>;
  /** Watch bookmark interval (default 10 s). */
  bookmarkIntervalMs?: number;
  /** Events each watch cache keeps for resuming watches (default 4096). */
  watchCacheCapacity?: number;
  /** The front-proxy client certificate presented to aggregated API servers (APIServices with a service). */
  aggregatorClientCert?: ProxyClientCertificate;
  /** How often APIServices backed by a Service are checked (default 10 s; also on every change). */
  aggregatorCheckIntervalMs?: number;
  /** Requests counted by the max-inflight filter now (apiserver_current_inflight_requests; 0 without). */
  inflight?: () => { readOnly: number; mutating: number };
  /**
   * API Priority and Fairness over every request this server handles (HTTPS and in-process); undefined:
   * off (the max-inflight filter in front limits instead). apiserver/flowcontrol/apf.ts.
   */
  flowControl?: { readonly serverConcurrencyLimit: number; readonly requestWaitLimitMs?: number };
}

export interface ApiServer {
  handle(req: Request, user: UserInfo | undefined): Promise<Response>;
  /**
   * In-process read access for authorizers and in-process controllers: the started watch cache of
   * a served resource (await `.ready`), or undefined. Cached objects are frozen and shared.
   */
  watchCache(group: string, version: string, resource: string): WatchCache | undefined;
  /** The server's authorizer, for checks made in front of it (impersonation). */
  authorize: Authorizer;
  /** Read-only API groups served by plugins (`coreServices.apiGroups`). */
  readonly pluginGroups: PluginApiGroups;
  /** The metrics served at /metrics and /metrics/slis (filters in front record 429s here). */
  readonly metrics: ApiServerMetrics;
  close(): Promise<void>;
}

/** A synchronous decision from an Authorizer hook (an asynchronous one cannot answer CEL's synchronous checks). */
function syncDecide(authorizer: Authorizer): AuthzDecide {
  return (attrs) => {
    const d = authorizer(attrs.user, attrs);
    if (d instanceof Promise) {
      d.catch(() => undefined);
      return { decision: "noOpinion", reason: "", error: "the authorizer cannot answer synchronously" };
    }
    return d.allowed ? { decision: "allow", reason: "" } : { decision: "noOpinion", reason: d.reason };
  };
}

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const registry = createResourceRegistry([...builtinResources(), ...(opts.extraResources ?? [])]);
  const now = opts.now ?? (() => new Date());
  const closing = new AbortController();
  const storage = createStorageSet(opts.store, registry, { watchCacheCapacity: opts.watchCacheCapacity });
  await storage.ready();

  const ipAlloc = new ClusterIPAllocator(opts.serviceCIDR);
  const portAlloc = new NodePortAllocator(opts.nodePortRange.min, opts.nodePortRange.max);
  const servicesDef = registry.find("", "v1", "services");
  const namespacesDef = registry.find("", "v1", "namespaces");
  const quotasDef = registry.find("", "v1", "resourcequotas");
  const limitRangesDef = registry.find("", "v1", "limitranges");
  if (!servicesDef || !namespacesDef || !quotasDef || !limitRangesDef) throw new Error("catalog lacks core/v1 services, namespaces, resourcequotas or limitranges");
  markServiceAllocations(storage.watchCache(servicesDef).snapshot().items.map((i) => i.object), ipAlloc, portAlloc);

  const nsStore = storage.resourceStore(namespacesDef);
  const namespaceReader = {
    cached: (name: string) => storage.cached(namespacesDef, "", name),
    live: async (name: string): Promise<KObject | undefined> => (await nsStore.get("", name))?.object,
  };
  const runtimeClassesDef = registry.find("node.k8s.io", "v1", "runtimeclasses");
  // As upstream's lister first, then a live read for a class the cache does not have (yet).
  const getRuntimeClass = async (name: string): Promise<KObject | undefined> => runtimeClassesDef
    ? storage.cached(runtimeClassesDef, "", name) ?? (await storage.resourceStore(runtimeClassesDef).get("", name))?.object
    : undefined;

  const webhookSources = cachedWebhookSources(registry, storage);
  const decide = opts.decide ?? syncDecide(opts.authorize ?? allowAuthenticated);
  const aggregator = createAggregator({
    registry, storage, resolveService: webhookSources.resolveService, clientCert: opts.aggregatorClientCert, now,
    checkIntervalMs: opts.aggregatorCheckIntervalMs,
  });

  const ctx: ApiContext = {
    registry, store: opts.store, now,
    resourceStore: (def) => storage.resourceStore(def),
    watchCache: (def) => storage.watchCache(def),
    // Webhooks after the built-in plugins and ResourceQuota last, as upstream orders them.
    admission: { plugins: [namespaceLifecyclePlugin(namespaceReader, () => now().getTime()), serviceAllocationPlugin(ipAlloc, portAlloc), limitRangerPlugin((ns) => storage.watchCache(limitRangesDef).snapshot(storage.resourceStore(limitRangesDef).listPrefix(ns)).items.map((i) => i.object)), runtimeClassPlugin(getRuntimeClass), ...(opts.admission ?? []), mutatingWebhookPlugin(webhookSources, decide), validatingAdmissionPolicyPlugin(cachedPolicySources(registry, storage), decide), validatingWebhookPlugin(webhookSources, decide), resourceQuotaPlugin(() => storage.resourceStore(quotasDef), (ns) => storage.watchCache(quotasDef).snapshot(storage.resourceStore(quotasDef).listPrefix(ns)).items.map((i) => i.object))] },
    connect: opts.connect, issueToken: opts.issueToken, protobuf: opts.protobufDecoder ?? ((bytes) => decodeKubernetesProtobuf(bytes).object),
    signal: closing.signal,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 10_000,
  };

  await bootstrapCluster(ctx, { kubernetesServiceIP: firstServiceIP(ipAlloc.range), securePort: opts.securePort ?? 6443 });

  // Custom resources: served again from the stored CRDs before the server is ready.
  const crdDef = registry.find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
  if (!crdDef) throw new Error("catalog lacks apiextensions.k8s.io/v1 customresourcedefinitions");
  const crdController = createCrdController({ ...ctx, registry, crdDef, store: opts.store, signal: closing.signal, resolveService: webhookSources.resolveService });
  await crdController.sync();
  crdController.start();

  const authorizer = opts.authorize ?? allowAuthenticated;
  const openapi = createOpenApiService(registry, withDefSchemas(opts.schemaProvider ?? createBuiltinSchemaProvider()));
  const baseChecks: HealthCheck[] = [
    { name: "ping", check: () => undefined },
    { name: "log", check: () => undefined },
    { name: "etcd", check: () => (closing.signal.aborted ? "closed" : (opts.store.currentRevision(), undefined)) },
  ];
  const readyChecks: HealthCheck[] = [
    ...baseChecks,
    { name: "informer-sync", check: () => undefined },
    { name: "poststarthook/bootstrap-controller", check: () => undefined },
    ...(opts.readyChecks ?? []),
  ];
  let closed = false;
  const metrics = new ApiServerMetrics({ objectCounts: () => storage.objectCounts() });
  if (opts.inflight) metrics.setInflightSource(opts.inflight);
  const observeHealth = metrics.observeHealthcheck.bind(metrics);
  const apf = opts.flowControl ? startFlowControl(opts.flowControl, registry, storage, metrics) : undefined;
  if (apf && !opts.inflight) metrics.setInflightSource(apf.inflight);

  async function route(req: Request, user: UserInfo | undefined, url = new URL(req.url), info = parseRequestInfo(req.method, url)): Promise<Response> {
    // apiserver_request_duration_seconds includes authorization, as upstream's (from request receipt).
    const start = info.isResourceRequest ? performance.now() : 0;
    await authorize(authorizer, user, info, url);
    const path = url.pathname;
    if (!info.isResourceRequest) {
      if (path === "/version" || path === "/version/") return jsonResponse(KUBERNETES_VERSION);
      for (const ep of ["healthz", "livez", "readyz"] as const) {
        if (path === `/${ep}` || path.startsWith(`/${ep}/`)) return serveHealth(ep, ep === "readyz" ? readyChecks : baseChecks, url, observeHealth);
      }
      if (req.method === "GET" || req.method === "HEAD") {
        if (path === "/metrics") return metricsResponse(metrics.registry.render());
        if (path === "/metrics/slis") return metricsResponse(metrics.slis.render());
        if (apf) {
          const dump = serveDebug(path, url, apf.levels);
          if (dump) return dump;
        }
        const d = serveDiscovery(registry, req, url);
        if (d) return d;
        const o = openapi.serve(req, url);
        if (o) return o;
        const extra = opts.nonResourceRoutes?.[path];
        if (extra) return extra(req);
      }
      throw apiErrors.pathNotFound();
    }
    if (info.apiPrefix === "apis" && aggregator.serves(info.group, info.version)) return aggregator.proxy(req, url, user, info.group, info.version);
    const def = registry.find(info.group, info.version, info.resource);
    if (!def) throw apiErrors.pathNotFound();
    const warnings: string[] = [];
    const recorder = metrics.route(def, info, req, url);
    const watchStats = info.verb === "watch" ? recorder.openWatch() : undefined;
    let res: Response;
    try {
      res = withWarnings(await handleResourceRequest(ctx, { req, url, info, def, user, warnings, watchStats }), warnings);
    } catch (err) {
      res = withWarnings(errorResponse(toApiError(err)), warnings);
    }
    // A watch that failed before streaming is not open (a streaming one ends its stats itself).
    if (watchStats && res.status !== 200) watchStats.end();
    recorder.done(res.status, start);
    return res;
  }

  return {
    async handle(req, user) {
      try {
        if (closed) throw apiErrors.serviceUnavailable("the server is shutting down");
        if (!apf) return await route(req, user);
        const url = new URL(req.url);
        const info = parseRequestInfo(req.method, url);
        return await apf.handle(info, user, req, url, () => route(req, user, url, info));
      } catch (err) {
        return errorResponse(toApiError(err));
      }
    },
    authorize: (user, attrs) => authorizer(user, attrs),
    pluginGroups: createPluginApiGroups(registry),
    metrics,
    watchCache(group, version, resource) {
      const def = registry.find(group, version, resource);
      return def ? storage.watchCache(def) : undefined;
    },
    async close() {
      if (closed) return;
      closed = true;
      closing.abort();
      aggregator.stop();
      storage.stop();
    },
  };
}

/**
 * APF over the FlowSchema and PriorityLevelConfiguration watch caches: recompiled before the first
 * request after either changes (a cache's snapshot is a new array exactly when it changed or relisted).
 */
function startFlowControl(o: NonNullable<ApiServerOptions["flowControl"]>, registry: ResourceRegistry, storage: StorageSet, metrics: ApiServerMetrics): FlowControl {
  const apf = createFlowControl({
    ...o, registry: metrics.registry,
    onReject: (info, req, url) => metrics.recordDropped(info, req, url),
  });
  const fsDef = registry.find("flowcontrol.apiserver.k8s.io", "v1", "flowschemas");
  const plDef = registry.find("flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations");
  if (!fsDef || !plDef) return apf;
  const schemas = storage.watchCache(fsDef), levels = storage.watchCache(plDef);
  let compiledFrom: readonly [unknown, unknown] | undefined;
  apf.follow(() => {
    if (!schemas.isReady || !levels.isReady) return undefined;
    const fs = schemas.snapshot().items, pl = levels.snapshot().items;
    if (compiledFrom && compiledFrom[0] === fs && compiledFrom[1] === pl) return undefined;
    compiledFrom = [fs, pl];
    return { flowSchemas: fs.map((i) => i.object), priorityLevels: pl.map((i) => i.object) };
  });
  return apf;
}

function metricsResponse(text: string): Response {
  return new Response(text, { status: 200, headers: { "Content-Type": EXPOSITION_CONTENT_TYPE } });
}
