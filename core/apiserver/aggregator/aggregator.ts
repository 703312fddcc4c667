/**
 * API aggregation (upstream kube-aggregator) for APIServices backed by a Service:
 * - requests under `/apis/<group>/<version>` go to the aggregated API server (aggregated-proxy.ts)
 *   once the APIService is Available, and get 503 `service unavailable` before;
 * - an availability check per APIService (at start, on every APIService or EndpointSlice change,
 *   and every `checkIntervalMs`) resolves the Service to a ready endpoint and GETs the
 *   group-version's discovery document; the outcome is the APIService's `Available` condition
 *   (Passed, ServiceNotFound, ServicePortError, MissingEndpoints, FailedDiscoveryCheck), and the
 *   resources it lists join this server's discovery (legacy and aggregated) and authorization, and
 *   the kinds its `/openapi/v3/apis/<group>/<version>` document describes join this server's OpenAPI.
 * APIServices without a service are Local (served here) and are left alone.
 */
import type { UserInfo } from "../authz/types.ts";
import { apiErrors } from "../errors/index.ts";
import { ServiceResolutionError } from "../proxy/service-endpoint.ts";
import { defineResource, sub } from "../resources/define.ts";
import type { KObject, ResourceDef, ResourceRegistry, Verb } from "../resources/index.ts";
import { ALL_VERBS } from "../resources/index.ts";
import type { StorageSet } from "../storage/storage-set.ts";
import { proxyToAggregated, type ProxyClientCertificate, type ProxyTarget } from "./aggregated-proxy.ts";
import { formatTime } from "../../kube-time.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

export interface AggregatorOptions {
  readonly registry: ResourceRegistry;
  readonly storage: StorageSet;
  /** A Service port to a ready endpoint; throws ServiceResolutionError. */
  readonly resolveService: (ref: { namespace: string; name: string; port: number }) => Promise<{ host: string; port: number }>;
  /** The front-proxy client certificate presented to aggregated servers. */
  readonly clientCert?: ProxyClientCertificate;
  readonly now: () => Date;
  readonly checkIntervalMs?: number;
}

export interface Aggregator {
  /** Whether `/apis/<group>/<version>` belongs to an APIService backed by a Service. */
  serves(group: string, version: string): boolean;
  proxy(req: Request, url: URL, user: UserInfo | undefined, group: string, version: string): Promise<Response>;
  stop(): void;
}

interface RemoteApi {
  readonly name: string;
  readonly group: string;
  readonly version: string;
  spec: Json;
  available: boolean;
  checking?: Promise<void>;
  again: boolean;
  /** The discovery document last registered (JSON), to skip unchanged re-registration. */
  registered?: string;
}

interface Condition {
  readonly status: "True" | "False";
  readonly reason: string;
  readonly message: string;
}

const APISERVICES = ["apiregistration.k8s.io", "v1", "apiservices"] as const;
const DISCOVERY_TIMEOUT_MS = 5000;

export function createAggregator(opts: AggregatorOptions): Aggregator {
  const remotes = new Map<string, RemoteApi>(); // by "group/version"
  const unsubscribes: (() => void)[] = [];
  let stopped = false;
  let scheduled: ReturnType<typeof setTimeout> | undefined;

  const apiServiceDef = () => opts.registry.find(...APISERVICES);
  const apiServices = (): readonly KObject[] => {
    const def = apiServiceDef();
    return def ? opts.storage.watchCache(def).snapshot().items.map((i) => i.object) : [];
  };

  const targetOf = async (remote: RemoteApi): Promise<ProxyTarget> => {
    const svc = remote.spec.service as Json;
    const port = svc.port ?? 443;
    const endpoint = await opts.resolveService({ namespace: svc.namespace, name: svc.name, port });
    const caPem = remote.spec.caBundle ? Buffer.from(remote.spec.caBundle, "base64").toString("utf8") : undefined;
    return { ...endpoint, serverName: `${svc.name}.${svc.namespace}.svc`, caPem, insecureSkipTLSVerify: remote.spec.insecureSkipTLSVerify === true };
  };

  async function discover(remote: RemoteApi): Promise<Condition> {
    const svc = remote.spec.service as Json;
    let target: ProxyTarget;
    try {
      target = await targetOf(remote);
    } catch (err) {
      if (!(err instanceof ServiceResolutionError)) throw err;
      const where = `service/${svc.name} in "${svc.namespace}"`;
      if (err.reason === "ServiceNotFound") return { status: "False", reason: "ServiceNotFound", message: `${where} is not present` };
      if (err.reason === "ServicePortError") return { status: "False", reason: "ServicePortError", message: `${where} is not listening on port ${svc.port ?? 443}` };
      return { status: "False", reason: "MissingEndpoints", message: `endpoints for ${where} have no addresses with port ${svc.port ?? 443}` };
    }
    const path = `/apis/${remote.group}/${remote.version}`;
    const host = target.host.includes(":") ? `[${target.host}]` : target.host;
    const where = `https://${host}:${target.port}${path}`;
    const failed = (detail: string): Condition => ({ status: "False", reason: "FailedDiscoveryCheck", message: `failing or missing response from ${where}: ${detail}` });
    let list: Json;
    try {
      const req = new Request(`https://aggregator.invalid${path}`, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
      const res = await proxyToAggregated(req, new URL(req.url), { username: "system:kube-aggregator", groups: ["system:masters"] }, target, opts.clientCert);
      if (res.status !== 200) {
        await res.body?.cancel();
        return failed(`bad status from ${where}: ${res.status}`);
      }
      list = (await res.json()) as Json;
    } catch (err) {
      return failed(err instanceof Error ? err.message : String(err));
    }
    if (!Array.isArray(list.resources)) return failed("the response is not an APIResourceList");
    register(remote, list.resources as Json[], await openApiSchemas(remote, target));
    return { status: "True", reason: "Passed", message: "all checks passed" };
  }

  /** Makes the remote's resources part of discovery (unless this server serves the group-version itself). */
  /**
   * The component schemas of the server's `/openapi/v3/apis/<group>/<version>` document, so that
   * its kinds appear in this server's OpenAPI (`kubectl explain`); none when it serves no document.
   */
  async function openApiSchemas(remote: RemoteApi, target: ProxyTarget): Promise<Json> {
    const path = `/openapi/v3/apis/${remote.group}/${remote.version}`;
    try {
      const req = new Request(`https://aggregator.invalid${path}`, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
      const res = await proxyToAggregated(req, new URL(req.url), { username: "system:kube-aggregator", groups: ["system:masters"] }, target, opts.clientCert);
      if (res.status !== 200) { await res.body?.cancel(); return {}; }
      const doc = (await res.json()) as Json;
      const schemas = doc.components?.schemas;
      return schemas && typeof schemas === "object" ? schemas : {};
    } catch {
      return {};
    }
  }

  function register(remote: RemoteApi, resources: Json[], schemas: Json): void {
    const text = JSON.stringify([resources, schemas]);
    if (remote.registered === text) return;
    const owner = `aggregated:${remote.name}`;
    const local = opts.registry.resourcesOf(remote.group, remote.version).some((d) => !d.aggregated);
    if (local) return;
    opts.registry.setDynamic(owner, resourceDefs(remote, resources, schemas));
    remote.registered = text;
  }

  async function writeCondition(name: string, condition: Condition): Promise<void> {
    const def = apiServiceDef();
    if (!def) return;
    await opts.storage.resourceStore(def).guaranteedUpdate("", name, (cur) => {
      if (!cur) return { action: "none" };
      const obj = structuredClone(cur.object) as Json;
      const conditions: Json[] = obj.status?.conditions ?? [];
      const prior = conditions.find((c) => c.type === "Available");
      if (prior && prior.status === condition.status && prior.reason === condition.reason && prior.message === condition.message) return { action: "none" };
      const lastTransitionTime = prior && prior.status === condition.status ? prior.lastTransitionTime : formatTime(opts.now());
      const next = { type: "Available", ...condition, lastTransitionTime };
      obj.status = { ...obj.status, conditions: [...conditions.filter((c) => c.type !== "Available"), next] };
      return { action: "update", object: obj as KObject };
    }).catch(() => undefined); // deleted meanwhile, or a conflict: the next check writes again
  }

  function check(remote: RemoteApi): void {
    if (remote.checking) {
      remote.again = true;
      return;
    }
    remote.checking = (async () => {
      do {
        remote.again = false;
        const condition = await discover(remote).catch((err): Condition => ({ status: "False", reason: "FailedDiscoveryCheck", message: String(err) }));
        if (stopped || remotes.get(`${remote.group}/${remote.version}`) !== remote) return;
        remote.available = condition.status === "True";
        await writeCondition(remote.name, condition);
      } while (remote.again && !stopped);
    })().finally(() => { remote.checking = undefined; });
  }

  function sync(): void {
    if (stopped) return;
    const seen = new Set<string>();
    for (const obj of apiServices()) {
      const spec = (obj as Json).spec ?? {};
      if (!spec.service) continue; // Local
      const gv = `${spec.group ?? ""}/${spec.version ?? ""}`;
      seen.add(gv);
      let remote = remotes.get(gv);
      if (!remote || remote.name !== obj.metadata.name) {
        remote = { name: obj.metadata.name!, group: spec.group ?? "", version: spec.version ?? "", spec, available: false, again: false };
        remotes.set(gv, remote);
      }
      remote.spec = spec;
      check(remote);
    }
    for (const [gv, remote] of remotes) {
      if (seen.has(gv)) continue;
      remotes.delete(gv);
      opts.registry.setDynamic(`aggregated:${remote.name}`, []);
    }
  }

  const schedule = (delayMs = 50) => {
    if (scheduled || stopped) return;
    scheduled = setTimeout(() => { scheduled = undefined; sync(); }, delayMs);
  };

  const follow = (group: string, version: string, resource: string, delayMs: number) => {
    const def = opts.registry.find(group, version, resource);
    if (!def) return;
    const cache = opts.storage.watchCache(def);
    void cache.ready.then(() => {
      if (stopped) return;
      unsubscribes.push(cache.subscribe(cache.snapshot().revision, { onEvent: () => schedule(delayMs), onEnd: () => undefined }));
      schedule(0);
    });
  };
  follow(...APISERVICES, 50);
  follow("discovery.k8s.io", "v1", "endpointslices", 1000);
  const timer = setInterval(sync, opts.checkIntervalMs ?? 10_000);
  timer.unref?.();

  return {
    serves(group, version) {
      return remotes.has(`${group}/${version}`);
    },
    async proxy(req, url, user, group, version) {
      const remote = remotes.get(`${group}/${version}`);
      if (!remote?.available) throw apiErrors.serviceUnavailable("service unavailable");
      let target: ProxyTarget;
      try {
        target = await targetOf(remote);
      } catch (err) {
        throw apiErrors.serviceUnavailable(err instanceof Error ? err.message : String(err));
      }
      return proxyToAggregated(req, url, user, target, opts.clientCert);
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      if (scheduled) clearTimeout(scheduled);
      for (const u of unsubscribes) u();
      for (const remote of remotes.values()) opts.registry.setDynamic(`aggregated:${remote.name}`, []);
      remotes.clear();
    },
  };
}

const KNOWN_VERBS = new Set<string>(ALL_VERBS);

/** Registry entries standing for an aggregated server's resources: discovery and authorization only. */
function resourceDefs(remote: RemoteApi, resources: Json[], schemas: Json): ResourceDef[] {
  const top = resources.filter((r) => typeof r.name === "string" && !r.name.includes("/") && typeof r.kind === "string");
  /** The component whose x-kubernetes-group-version-kind names this kind. */
  const schemaOf = (kind: string) => Object.keys(schemas).find((name) => (schemas[name]?.["x-kubernetes-group-version-kind"] ?? [])
    .some((g: Json) => g.group === remote.group && g.version === remote.version && g.kind === kind));
  return top.map((r) => {
    const subs = resources.filter((s) => typeof s.name === "string" && s.name.startsWith(`${r.name}/`));
    const schema = schemaOf(r.kind);
    return defineResource({
      ...(schema ? { openapi: { ref: `#/components/schemas/${schema}`, components: schemas } } : {}),
      group: remote.group, version: remote.version, resource: r.name, kind: r.kind, namespaced: r.namespaced === true,
      singular: r.singularName || r.kind.toLowerCase(),
      shortNames: Array.isArray(r.shortNames) ? r.shortNames : [],
      categories: Array.isArray(r.categories) ? r.categories : [],
      verbs: (Array.isArray(r.verbs) ? r.verbs : []).filter((v: string) => KNOWN_VERBS.has(v)) as Verb[],
      subresources: subs.map((s) => sub.of(s.name.slice(r.name.length + 1), "connect", { group: remote.group, version: remote.version, kind: s.kind ?? r.kind }, Array.isArray(s.verbs) ? s.verbs : [])),
      strategicMergePatch: false,
      topLevelFields: [],
      aggregated: true,
      readOnly: {
        list: async () => { throw apiErrors.serviceUnavailable("service unavailable"); },
        get: async () => { throw apiErrors.serviceUnavailable("service unavailable"); },
      },
    });
  });
}
