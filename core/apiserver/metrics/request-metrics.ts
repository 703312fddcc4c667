/**
 * The API server's `/metrics` (and `/metrics/slis`) families, with upstream's names, labels,
 * types and buckets (k8s.io/apiserver/pkg/endpoints/metrics, storage/etcd3/metrics,
 * component-base/metrics/prometheus/slis and the process collector):
 *
 * - apiserver_request_total{verb,dry_run,group,version,resource,subresource,scope,component,code}
 * - apiserver_request_duration_seconds{verb,dry_run,group,version,resource,subresource,scope,component}
 *   (not observed for long-running requests: WATCH and CONNECT)
 * - apiserver_longrunning_requests{verb,group,version,resource,subresource,scope,component}: open watches
 * - apiserver_watch_events_total{group,version,kind}: events sent to watchers
 * - apiserver_current_inflight_requests{request_kind}: from the max-inflight filter, at scrape time
 * - apiserver_storage_objects{resource} and apiserver_resource_objects{group,resource}: object
 *   counts of the watch caches, at scrape time
 * - process_*: core/metrics/process.ts
 * - /metrics/slis: kubernetes_healthcheck{name,type}, kubernetes_healthchecks_total{name,type,status}
 *
 * Hot path: `route(def, info, req, url)` resolves the label children of a resource request once
 * per distinct route (per def, an array slot by verb and scope; a string-keyed map only for
 * subresources and dry runs), and `RouteMetrics.done` is a Map lookup by status code, one counter
 * increment and one histogram observation. Requests upstream does not instrument (non-resource
 * paths, unknown resources, aggregated APIs, authorization failures) cost nothing here.
 *
 * Reported verb and scope as upstream's CanonicalVerb/CleanVerb/CleanScope: GET of one object,
 * LIST, WATCH (also `?watch=true` and `/watch/` paths), POST, PUT, PATCH or APPLY (apply patch),
 * DELETE (also a collection), CONNECT for log/exec/attach/portforward/proxy subresources, `other`
 * for unknown methods; scope `resource` with a name or for a create, else `namespace` or `cluster`.
 */
import type { RequestInfo } from "../request/request-info.ts";
import type { ResourceDef } from "../resources/index.ts";
import { processFamilies } from "../../metrics/process.ts";
import { MetricsRegistry, REQUEST_DURATION_BUCKETS, type Counter, type Family, type Gauge, type Histogram } from "../../metrics/registry.ts";

const COMPONENT = "apiserver";

const VERBS = ["GET", "LIST", "WATCH", "POST", "PUT", "PATCH", "APPLY", "DELETE", "CONNECT", "other"] as const;
const V_GET = 0, V_LIST = 1, V_WATCH = 2, V_POST = 3, V_PUT = 4, V_PATCH = 5, V_APPLY = 6, V_DELETE = 7, V_CONNECT = 8, V_OTHER = 9;
const SCOPES = ["resource", "namespace", "cluster"] as const;
const CONNECT_SUBRESOURCES = new Set(["log", "exec", "portforward", "attach", "proxy"]);
const APPLY_PATCH = "application/apply-patch+yaml";

function verbIndex(info: RequestInfo, req: Request | undefined): number {
  if (info.subresource && CONNECT_SUBRESOURCES.has(info.subresource)) return V_CONNECT;
  switch (info.verb) {
    case "get": return V_GET;
    case "list": return V_LIST;
    case "watch": return V_WATCH;
    case "create": return V_POST;
    case "update": return V_PUT;
    case "patch": return req?.headers.get("content-type")?.startsWith(APPLY_PATCH) ? V_APPLY : V_PATCH;
    case "delete": case "deletecollection": return V_DELETE;
    default: return V_OTHER;
  }
}

function scopeIndex(info: RequestInfo): number {
  if (info.name || info.verb === "create") return 0;
  return info.namespace ? 1 : 2;
}

/** Upstream cleanDryRun: "" without the parameter, "All" for `dryRun=All`, "invalid" otherwise. */
function dryRunOf(url: URL): string {
  const params = url.searchParams;
  if (!params.has("dryRun")) return "";
  const values = params.getAll("dryRun");
  if (values.some((v) => v !== "All")) return "invalid";
  return "All";
}

/** Open-watch accounting handed to the watch stream (rest/read/watch.ts). */
export interface WatchStats {
  /** One per event sent. */
  readonly events: Counter;
  /** Called when the stream ends (idempotent). */
  end(): void;
}

/** The label children of one route (verb, scope, def, subresource, dry run). */
export class RouteMetrics {
  private readonly codes = new Map<number, Counter>();
  constructor(
    private readonly owner: ApiServerMetrics,
    private readonly labels: readonly string[],
    /** undefined for long-running requests. */
    private readonly duration: Histogram | undefined,
    private readonly watch: { open: Gauge; events: Counter } | undefined,
  ) {}

  /** Counts the request with its status and observes its duration since `startMs` (performance.now()). */
  done(code: number, startMs: number): void {
    let c = this.codes.get(code);
    if (!c) {
      c = this.owner.requests.labels(...this.labels, String(code));
      this.codes.set(code, c);
    }
    c.inc();
    if (this.duration) this.duration.observe((performance.now() - startMs) / 1000);
  }

  /** For a WATCH: counts it open until `end()`. */
  openWatch(): WatchStats | undefined {
    const w = this.watch;
    if (!w) return undefined;
    w.open.inc();
    let ended = false;
    return { events: w.events, end: () => { if (!ended) { ended = true; w.open.dec(); } } };
  }
}

interface DefRoutes {
  /** By verb * 3 + scope, for requests without subresource and dry run. */
  readonly plain: (RouteMetrics | undefined)[];
  readonly other: Map<string, RouteMetrics>;
}

export interface ObjectCount {
  readonly group: string;
  readonly resource: string;
  /** undefined: not known yet (the cache has not listed). */
  readonly objects: number | undefined;
}

export interface ApiServerMetricsOptions {
  /** Object counts per stored group/resource, read at scrape time. */
  readonly objectCounts?: () => readonly ObjectCount[];
}

export class ApiServerMetrics {
  readonly registry = new MetricsRegistry();
  /** `/metrics/slis`. */
  readonly slis = new MetricsRegistry();
  readonly requests = this.registry.counter("apiserver_request_total",
    "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.",
    ["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component", "code"]);
  private readonly durations = this.registry.histogram("apiserver_request_duration_seconds",
    "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.",
    ["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component"], REQUEST_DURATION_BUCKETS);
  private readonly longRunning = this.registry.gauge("apiserver_longrunning_requests",
    "Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.",
    ["verb", "group", "version", "resource", "subresource", "scope", "component"]);
  private readonly watchEvents = this.registry.counter("apiserver_watch_events_total", "Number of events sent in watch clients", ["group", "version", "kind"]);
  private readonly healthcheck = this.slis.gauge("kubernetes_healthcheck", "This metric records the result of a single healthcheck.", ["name", "type"]);
  private readonly healthchecks = this.slis.counter("kubernetes_healthchecks_total", "This metric records the results of all healthcheck.", ["name", "type", "status"]);
  private readonly byDef = new WeakMap<ResourceDef, DefRoutes>();
  private inflight: (() => { readOnly: number; mutating: number }) | undefined;

  constructor(options: ApiServerMetricsOptions = {}) {
    this.registry.collect(processFamilies);
    this.registry.collect(() => this.inflightFamilies());
    const counts = options.objectCounts;
    if (counts) this.registry.collect(() => objectCountFamilies(counts()));
  }

  /** The recorder of a resource request to `def` (label children resolved once per route). */
  route(def: ResourceDef, info: RequestInfo, req: Request, url: URL): RouteMetrics {
    let routes = this.byDef.get(def);
    if (!routes) this.byDef.set(def, (routes = { plain: [], other: new Map() }));
    const verb = verbIndex(info, req);
    const scope = scopeIndex(info);
    const dryRun = dryRunOf(url);
    if (!info.subresource && !dryRun) {
      const slot = verb * 3 + scope;
      return routes.plain[slot] ??= this.newRoute(def, verb, scope, "", "");
    }
    const key = `${verb}\u0000${scope}\u0000${info.subresource}\u0000${dryRun}`;
    let r = routes.other.get(key);
    if (!r) routes.other.set(key, (r = this.newRoute(def, verb, scope, info.subresource, dryRun)));
    return r;
  }

  private newRoute(def: ResourceDef, verb: number, scope: number, subresource: string, dryRun: string): RouteMetrics {
    const v = VERBS[verb]!, s = SCOPES[scope]!;
    const labels = [v, dryRun, def.group, def.version, def.resource, subresource, s, COMPONENT];
    const longRunning = verb === V_WATCH || verb === V_CONNECT;
    return new RouteMetrics(this, labels,
      longRunning ? undefined : this.durations.labels(...labels),
      verb === V_WATCH ? {
        open: this.longRunning.labels(v, def.group, def.version, def.resource, subresource, s, COMPONENT),
        events: this.watchEvents.labels(def.group, def.version, def.kind),
      } : undefined);
  }

  /** Upstream RecordDroppedRequest: a request the max-inflight filter answered 429. */
  recordDropped(info: RequestInfo, req?: Request, url?: URL): void {
    const dryRun = url ? dryRunOf(url) : "";
    if (!info.isResourceRequest) {
      const method = info.verb.toUpperCase();
      const verb = method === "HEAD" ? "GET" : (VERBS as readonly string[]).includes(method) ? method : "other";
      this.requests.labels(verb, dryRun, "", "", "", "", "", COMPONENT, "429").inc();
      return;
    }
    const scope = SCOPES[scopeIndex(info)]!;
    const verb = VERBS[verbIndex(info, req)]!;
    this.requests.labels(verb, dryRun, info.group, info.version, info.resource, info.subresource, scope, COMPONENT, "429").inc();
  }

  /** The in-flight counts of the max-inflight filter (apiserver_current_inflight_requests). */
  setInflightSource(fn: () => { readOnly: number; mutating: number }): void {
    this.inflight = fn;
  }

  /** Upstream slis.ObserveHealthcheck, for each check a /healthz, /livez or /readyz request ran. */
  observeHealthcheck(name: string, type: string, ok: boolean): void {
    this.healthcheck.labels(name, type).set(ok ? 1 : 0);
    this.healthchecks.labels(name, type, ok ? "success" : "error").inc();
  }

  private inflightFamilies(): Family[] {
    const n = this.inflight?.() ?? { readOnly: 0, mutating: 0 };
    return [{
      name: "apiserver_current_inflight_requests",
      help: "Maximal number of currently used inflight request limit of this apiserver per request kind in last second.",
      type: "gauge",
      samples: [{ labels: { request_kind: "mutating" }, value: n.mutating }, { labels: { request_kind: "readOnly" }, value: n.readOnly }],
    }];
  }
}

function objectCountFamilies(counts: readonly ObjectCount[]): Family[] {
  const sorted = [...counts].sort((a, b) => (a.group === b.group ? (a.resource < b.resource ? -1 : 1) : a.group < b.group ? -1 : 1));
  return [
    {
      name: "apiserver_storage_objects",
      help: "Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.",
      type: "gauge",
      samples: sorted.map((c) => ({ labels: { resource: c.group ? `${c.resource}.${c.group}` : c.resource }, value: c.objects ?? -1 })),
    },
    {
      name: "apiserver_resource_objects",
      help: "Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.",
      type: "gauge",
      samples: sorted.map((c) => ({ labels: { group: c.group, resource: c.resource }, value: c.objects ?? -1 })),
    },
  ];
}
