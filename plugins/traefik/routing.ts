/**
 * Ingresses to a routing table, as Traefik's Kubernetes Ingress provider builds its routers, and
 * request matching. Pure: no I/O.
 *
 * - Served Ingresses: `spec.ingressClassName` naming an IngressClass whose controller is
 *   `traefik.io/ingress-controller`; without a class name, the annotation
 *   `kubernetes.io/ingress.class` equal to "traefik" or absent (the `traefik` class is the default).
 * - One router per (rule host, path). Rule as Traefik writes it: `Host(...)` or, for `*.example.com`,
 *   `HostRegexp(...)` matching exactly one label; Exact is `Path`, Prefix matches whole path
 *   elements (Traefik's strict prefix matching, as the Ingress API defines Prefix),
 *   ImplementationSpecific (and no path type) is Traefik's `PathPrefix`: a plain string prefix, or
 *   `Path` with the annotation `traefik.ingress.kubernetes.io/router.pathmatcher: Path`.
 * - Priority is Traefik's default, the length of the rule text, unless
 *   `traefik.ingress.kubernetes.io/router.priority` sets it; the highest priority matching router
 *   wins (ties: router name). `spec.defaultBackend` is the lowest-priority catch-all (one per cluster:
 *   the oldest Ingress's).
 * - Entry points: `web` (HTTP) and `websecure` (HTTPS) both, unless
 *   `traefik.ingress.kubernetes.io/router.entrypoints` names some, or
 *   `traefik.ingress.kubernetes.io/router.tls: "true"` (HTTPS only).
 * - `ingress.lite.io/ssl-redirect: "true"` (lite's own): HTTP requests are redirected to HTTPS (308).
 * - Two Ingresses defining the same host, path and path type conflict: the older one keeps it.
 */

import { ingressRouteKey, MiddlewareRegistry, ruleHash, type IngressRoute, type MiddlewareObject } from "./ingressroute.ts";
import { MiddlewareError, type Middleware } from "./middlewares.ts";
import { compileRule, RuleError, type RequestView, type RuleMatcher } from "./rule.ts";

export const TRAEFIK_CONTROLLER = "traefik.io/ingress-controller";
export const CLASS_ANNOTATION = "kubernetes.io/ingress.class";
export const ANN_PRIORITY = "traefik.ingress.kubernetes.io/router.priority";
export const ANN_ENTRYPOINTS = "traefik.ingress.kubernetes.io/router.entrypoints";
export const ANN_TLS = "traefik.ingress.kubernetes.io/router.tls";
export const ANN_PATHMATCHER = "traefik.ingress.kubernetes.io/router.pathmatcher";
export const ANN_SSL_REDIRECT = "ingress.lite.io/ssl-redirect";
export const ANN_MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares";

export type EntryPoint = "web" | "websecure";

export interface ServiceBackendRef { name: string; port?: { number?: number; name?: string } }
export interface IngressBackend { service?: ServiceBackendRef; resource?: unknown }
export interface IngressPath { path?: string; pathType?: string; backend: IngressBackend }
export interface Ingress {
  apiVersion?: string; kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; creationTimestamp?: string; annotations?: Record<string, string>; deletionTimestamp?: string; generation?: number };
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: { host?: string; http?: { paths?: IngressPath[] } }[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}
export interface IngressClass { metadata: { name?: string; annotations?: Record<string, string> }; spec?: { controller?: string } }
export interface Service {
  metadata: { name?: string; namespace?: string };
  spec?: { type?: string; ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string; appProtocol?: string }[] };
}
export interface EndpointSlice {
  metadata: { namespace?: string; labels?: Record<string, string> };
  addressType?: string;
  ports?: { name?: string; port?: number; protocol?: string }[];
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean } }[];
}
export interface Secret { metadata: { name?: string; namespace?: string }; type?: string; data?: Record<string, string> }

/** One upstream a router sends to: a Service port and its ready endpoints ("ip:port"). */
export interface Backend {
  /** Traefik's service name, `<ns>-<svc>-<port>`. */
  name: string;
  namespace: string;
  service: string;
  /** Ready endpoints as "ip:port" (IPv6 in brackets). */
  servers: string[];
  scheme: "http" | "https";
  /** Why there are no servers, for the 503 page (undefined when there are some). */
  unavailable?: string;
}

export interface Router {
  /** Traefik's router key, `<ns>-<ingress>-<host><path>` normalised (IngressRoutes: `<ns>-<name>-<hash>`). */
  name: string;
  ingress: string; // "ns/name"
  /** The kind of object the router comes from, when not an Ingress. */
  source?: "IngressRoute";
  rule: string;
  priority: number;
  entryPoints: ReadonlySet<EntryPoint>;
  sslRedirect: boolean;
  host?: { exact?: string; wildcardSuffix?: string };
  path?: { kind: "exact" | "prefix" | "strict-prefix"; value: string };
  /** A general rule (IngressRoutes); host and path above are then unset. */
  match?: RuleMatcher;
  /** Middlewares in order; undefined when none (the proxies then do no extra work). */
  middlewares?: Middleware[];
  backend: Backend;
  /** Several Services, weighted round robin (backend is then the first); undefined for one. */
  weighted?: { backend: Backend; weight: number; current: number }[];
}

export interface Certificate { id: string; certPem: string; keyPem: string }

export type ProblemReason = "ServiceNotFound" | "ServicePortNotFound" | "NoEndpoints" | "SecretNotFound" | "InvalidSecret" | "RuleConflict" | "DefaultBackendConflict" | "UnsupportedBackend"
  | "InvalidRule" | "MiddlewareNotFound" | "UnsupportedMiddleware" | "InvalidMiddleware" | "UnsupportedService" | "CrossNamespaceReference" | "NoServices" | "IgnoredOption";
export interface Problem { reason: ProblemReason; message: string }

export interface RoutingTable {
  /** Sorted: highest priority first. */
  routers: Router[];
  /** TLS certificates from Ingress Secrets (namespace-secret, sorted). */
  certificates: Certificate[];
  /** Per served Ingress ("ns/name"): what is wrong with it ([] when nothing). */
  problems: Map<string, Problem[]>;
  /** Served Ingresses ("ns/name"). */
  served: string[];
  /** Per IngressRoute ("<group>:ns/name", ingressRouteKey): what is wrong with it. */
  routeProblems: Map<string, Problem[]>;
}

export interface RoutingInput {
  ingresses: readonly Ingress[];
  ingressClasses: readonly IngressClass[];
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
  secrets: readonly Secret[];
  /** Traefik CRDs (both API groups); absent = none. */
  ingressRoutes?: readonly IngressRoute[];
  middlewares?: readonly (MiddlewareObject & { apiVersion?: string })[];
}

const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;

/** Traefik's provider.Normalize: every run of non-alphanumerics becomes one "-". */
function normalize(s: string): string {
  return s.replace(/[^a-zA-Z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

export function isServedIngress(ing: Ingress, classes: readonly IngressClass[]): boolean {
  if (ing.metadata.deletionTimestamp) return false;
  const className = ing.spec?.ingressClassName;
  if (className) return classes.some((c) => c.metadata.name === className && c.spec?.controller === TRAEFIK_CONTROLLER);
  const annotated = ing.metadata.annotations?.[CLASS_ANNOTATION];
  return annotated === undefined || annotated === "" || annotated === "traefik";
}

function hostRule(host: string): string {
  if (host.startsWith("*.")) return `HostRegexp(\`^[a-zA-Z0-9-]+\\.${host.slice(2).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$\`)`;
  return `Host(\`${host}\`)`;
}

function pathRuleOf(p: IngressPath, annotations: Record<string, string>): { rule: string; match: Router["path"] } | undefined {
  const path = p.path ?? "";
  if (!path) return undefined;
  const type = p.pathType || "ImplementationSpecific";
  if (type === "Exact") return { rule: `Path(\`${path}\`)`, match: { kind: "exact", value: path } };
  if (type === "Prefix") {
    if (path === "/") return { rule: "PathPrefix(`/`)", match: { kind: "prefix", value: "/" } };
    const trimmed = path.replace(/\/+$/, "");
    return { rule: `(Path(\`${trimmed}\`) || PathPrefix(\`${trimmed}/\`))`, match: { kind: "strict-prefix", value: trimmed } };
  }
  const matcher = annotations[ANN_PATHMATCHER] === "Path" ? "Path" : "PathPrefix";
  return { rule: `${matcher}(\`${path}\`)`, match: { kind: matcher === "Path" ? "exact" : "prefix", value: path } };
}

function entryPointsOf(annotations: Record<string, string>): Set<EntryPoint> {
  const named = annotations[ANN_ENTRYPOINTS]?.split(",").map((s) => s.trim()).filter((s): s is EntryPoint => s === "web" || s === "websecure");
  const eps = new Set<EntryPoint>(named?.length ? named : ["web", "websecure"]);
  if (annotations[ANN_TLS] === "true") eps.delete("web");
  return eps;
}

/** Resolves a Service backend to its ready endpoints, or a problem. */
function resolveBackend(namespace: string, ref: IngressBackend, input: RoutingInput, services: Map<string, Service>): { backend: Backend; problem?: Problem } {
  const svcRef = ref.service;
  if (!svcRef) {
    const backend: Backend = { name: `${namespace}-resource`, namespace, service: "", servers: [], scheme: "http", unavailable: "resource backends are not supported" };
    return { backend, problem: { reason: "UnsupportedBackend", message: "resource backends are not supported; use a Service backend" } };
  }
  const portString = svcRef.port?.name || String(svcRef.port?.number ?? "");
  const name = normalize(`${namespace}-${svcRef.name}-${portString}`);
  const base = { name, namespace, service: svcRef.name, servers: [] as string[], scheme: "http" as "http" | "https" };
  const svc = services.get(`${namespace}/${svcRef.name}`);
  if (!svc) {
    return { backend: { ...base, unavailable: `Service ${namespace}/${svcRef.name} not found` }, problem: { reason: "ServiceNotFound", message: `Service ${namespace}/${svcRef.name} not found` } };
  }
  const port = svc.spec?.ports?.find((p) => (svcRef.port?.number !== undefined && p.port === svcRef.port.number) || (!!svcRef.port?.name && p.name === svcRef.port.name));
  if (!port) {
    return { backend: { ...base, unavailable: `Service ${namespace}/${svcRef.name} has no port ${portString}` }, problem: { reason: "ServicePortNotFound", message: `Service ${namespace}/${svcRef.name} has no port ${portString}` } };
  }
  const scheme = port.port === 443 || (port.name ?? "").startsWith("https") ? "https" : "http";
  const servers: string[] = [];
  for (const slice of input.endpointSlices) {
    if (slice.metadata.namespace !== namespace || slice.metadata.labels?.["kubernetes.io/service-name"] !== svcRef.name) continue;
    if (slice.addressType === "FQDN") continue;
    const sp = slice.ports?.find((p) => (p.name ?? "") === (port.name ?? ""));
    if (!sp?.port) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const a of ep.addresses) servers.push(a.includes(":") ? `[${a}]:${sp.port}` : `${a}:${sp.port}`);
    }
  }
  servers.sort();
  const backend: Backend = { ...base, scheme, servers: [...new Set(servers)] };
  if (backend.servers.length === 0) {
    backend.unavailable = `no ready endpoints for Service ${namespace}/${svcRef.name}`;
    return { backend, problem: { reason: "NoEndpoints", message: `Service ${namespace}/${svcRef.name} has no ready endpoints` } };
  }
  return { backend };
}

export function buildRoutingTable(input: RoutingInput): RoutingTable {
  const services = new Map(input.services.map((s) => [keyOf(s), s]));
  const secrets = new Map(input.secrets.map((s) => [keyOf(s), s]));
  const ingresses = input.ingresses.filter((i) => isServedIngress(i, input.ingressClasses)).sort((a, b) =>
    (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") || keyOf(a).localeCompare(keyOf(b)));
  const problems = new Map<string, Problem[]>();
  const routers: Router[] = [];
  const claimed = new Map<string, string>(); // host|type|path -> ingress key
  const certs = new Map<string, Certificate>();
  let defaultOwner: string | undefined;
  const registry = new MiddlewareRegistry(input.middlewares ?? [], secrets);
  /** Middlewares of a list of references, or the problem that drops the router. */
  const middlewaresOf = (refs: (() => Middleware)[]): { list?: Middleware[]; problem?: Problem } => {
    if (refs.length === 0) return {};
    try {
      return { list: refs.map((r) => r()) };
    } catch (err) {
      const e = err instanceof MiddlewareError ? err : new MiddlewareError("InvalidMiddleware", (err as Error).message);
      return { problem: { reason: e.reason, message: `${e.message}; the router is not served` } };
    }
  };
  const addCertificate = (ns: string, secretName: string, note: (p?: Problem) => void) => {
    const id = `${ns}-${secretName}`;
    if (certs.has(id)) return;
    const secret = secrets.get(`${ns}/${secretName}`);
    if (!secret) { note({ reason: "SecretNotFound", message: `TLS Secret ${ns}/${secretName} not found; the default certificate is served instead` }); return; }
    const crt = secret.data?.["tls.crt"], k = secret.data?.["tls.key"];
    const missing = [!crt && "tls.crt", !k && "tls.key"].filter(Boolean);
    if (missing.length) { note({ reason: "InvalidSecret", message: `TLS Secret ${ns}/${secretName} is missing ${missing.join(", ")}; the default certificate is served instead` }); return; }
    certs.set(id, { id, certPem: Buffer.from(crt!, "base64").toString("utf8"), keyPem: Buffer.from(k!, "base64").toString("utf8") });
  };

  for (const ing of ingresses) {
    const key = keyOf(ing);
    const ns = ing.metadata.namespace ?? "default";
    const annotations = ing.metadata.annotations ?? {};
    const list: Problem[] = [];
    problems.set(key, list);
    const entryPoints = entryPointsOf(annotations);
    const sslRedirect = annotations[ANN_SSL_REDIRECT] === "true";
    const explicitPriority = annotations[ANN_PRIORITY] !== undefined ? Number.parseInt(annotations[ANN_PRIORITY]!, 10) : undefined;
    const note = (p?: Problem) => { if (p && !list.some((q) => q.message === p.message)) list.push(p); };

    for (const t of ing.spec?.tls ?? []) if (t.secretName) addCertificate(ns, t.secretName, note);
    const annotated = (annotations[ANN_MIDDLEWARES] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const mw = middlewaresOf(annotated.map((ref) => () => registry.resolveQualified(ref)));
    note(mw.problem);

    if (ing.spec?.defaultBackend) {
      if (defaultOwner) {
        note({ reason: "DefaultBackendConflict", message: `the default backend is already defined by Ingress ${defaultOwner}; this one is ignored` });
      } else {
        defaultOwner = key;
        const { backend, problem } = resolveBackend(ns, ing.spec.defaultBackend, input, services);
        note(problem);
        if (!mw.problem) routers.push({ name: "default-router", ingress: key, rule: "PathPrefix(`/`)", priority: -2147483648, entryPoints, sslRedirect, path: { kind: "prefix", value: "/" }, middlewares: mw.list, backend });
      }
    }

    for (const rule of ing.spec?.rules ?? []) {
      const host = (rule.host ?? "").toLowerCase();
      for (const p of rule.http?.paths ?? []) {
        const claimKey = `${host}|${p.pathType || "ImplementationSpecific"}|${p.path ?? ""}`;
        const owner = claimed.get(claimKey);
        if (owner && owner !== key) {
          note({ reason: "RuleConflict", message: `host "${host || "*"}" path "${p.path ?? ""}" (${p.pathType || "ImplementationSpecific"}) is already routed by Ingress ${owner}; this rule is ignored` });
          continue;
        }
        claimed.set(claimKey, key);
        const pathRule = pathRuleOf(p, annotations);
        const rules = [host ? hostRule(host) : "", pathRule?.rule ?? ""].filter(Boolean);
        const ruleText = rules.length ? rules.join(" && ") : "PathPrefix(`/`)";
        const { backend, problem } = resolveBackend(ns, p.backend, input, services);
        note(problem);
        if (mw.problem) continue;
        routers.push({
          name: normalize(`${ns}-${ing.metadata.name}-${host}${p.path ?? ""}`),
          ingress: key, rule: ruleText,
          priority: Number.isFinite(explicitPriority) && explicitPriority !== 0 ? explicitPriority! : ruleText.length,
          entryPoints, sslRedirect,
          host: !host ? undefined : host.startsWith("*.") ? { wildcardSuffix: host.slice(1) } : { exact: host },
          path: pathRule?.match,
          middlewares: mw.list,
          backend,
        });
      }
    }
  }
  const routeProblems = ingressRouteRouters(input, services, registry, middlewaresOf, addCertificate, routers);
  // Same key twice (e.g. one Ingress listing a path twice): Traefik adds a hash of the rule.
  const seen = new Map<string, number>();
  for (const r of routers) {
    const n = (seen.get(r.name) ?? 0) + 1;
    seen.set(r.name, n);
    if (n > 1) r.name = `${r.name}-${n}`;
  }
  routers.sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
  return { routers, certificates: [...certs.values()].sort((a, b) => a.id.localeCompare(b.id)), problems, served: ingresses.map(keyOf), routeProblems };
}

const ALL_ENTRY_POINTS: readonly EntryPoint[] = ["web", "websecure"];

/** IngressRoutes to routers (appended to `routers`); returns the problems per IngressRoute. */
function ingressRouteRouters(
  input: RoutingInput, services: Map<string, Service>, registry: MiddlewareRegistry,
  middlewaresOf: (refs: (() => Middleware)[]) => { list?: Middleware[]; problem?: Problem },
  addCertificate: (ns: string, secretName: string, note: (p?: Problem) => void) => void, routers: Router[],
): Map<string, Problem[]> {
  const out = new Map<string, Problem[]>();
  // traefik.io wins over traefik.containo.us for the same namespace/name.
  const seen = new Set<string>();
  const irs = [...(input.ingressRoutes ?? [])].filter((ir) => !ir.metadata.deletionTimestamp).sort((a, b) =>
    Number((b.apiVersion ?? "traefik.io").startsWith("traefik.io")) - Number((a.apiVersion ?? "traefik.io").startsWith("traefik.io"))
    || (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") || keyOf(a).localeCompare(keyOf(b)));
  for (const ir of irs) {
    if (seen.has(keyOf(ir))) continue;
    seen.add(keyOf(ir));
    const ns = ir.metadata.namespace ?? "default";
    const list: Problem[] = [];
    out.set(ingressRouteKey(ir), list);
    const note = (p?: Problem) => { if (p && !list.some((q) => q.message === p.message)) list.push(p); };
    const spec = ir.spec ?? {};
    const named = (spec.entryPoints ?? []).filter((e): e is EntryPoint => e === "web" || e === "websecure");
    const eps = new Set<EntryPoint>(spec.entryPoints?.length ? named : ALL_ENTRY_POINTS);
    if (spec.tls) {
      eps.delete("web");
      if (spec.tls.secretName) addCertificate(ns, spec.tls.secretName, note);
      if (spec.tls.certResolver) note({ reason: "IgnoredOption", message: `tls.certResolver ${spec.tls.certResolver} is not supported; the default certificate is served` });
    }
    for (const [i, route] of (spec.routes ?? []).entries()) {
      const where = `routes[${i}]`;
      const rule = route.match ?? "";
      let match: RuleMatcher;
      try {
        match = compileRule(rule);
      } catch (err) {
        note({ reason: "InvalidRule", message: `${where}: invalid rule ${JSON.stringify(rule)}: ${err instanceof RuleError ? err.message : String(err)}; the route is not served` });
        continue;
      }
      const svcs = route.services ?? [];
      if (svcs.length === 0) { note({ reason: "NoServices", message: `${where}: no services; the route is not served` }); continue; }
      const resolved: { backend: Backend; weight: number; current: number }[] = [];
      let failed = false;
      for (const s of svcs) {
        const sns = s.namespace || ns;
        if (s.kind && s.kind !== "Service") { note({ reason: "UnsupportedService", message: `${where}: service ${s.name} of kind ${s.kind} is not supported by lite (only kind Service); the route is not served` }); failed = true; break; }
        if (sns !== ns) { note({ reason: "CrossNamespaceReference", message: `${where}: service ${sns}/${s.name} is in another namespace (cross-namespace references are not allowed); the route is not served` }); failed = true; break; }
        const port = typeof s.port === "number" ? { number: s.port } : typeof s.port === "string" && /^\d+$/.test(s.port) ? { number: Number(s.port) } : { name: s.port };
        const { backend, problem } = resolveBackend(sns, { service: { name: s.name ?? "", port } }, input, services);
        note(problem);
        resolved.push({ backend, weight: typeof s.weight === "number" ? Math.max(0, s.weight) : 1, current: 0 });
      }
      if (failed) continue;
      const refs: (() => Middleware)[] = [];
      let cross: string | undefined;
      for (const m of route.middlewares ?? []) {
        const mns = m.namespace || ns;
        if (!(m.name ?? "").includes("@") && mns !== ns) { cross = `${mns}/${m.name}`; break; }
        refs.push(() => registry.resolve(mns, m.name ?? ""));
      }
      if (cross) { note({ reason: "CrossNamespaceReference", message: `${where}: middleware ${cross} is in another namespace (cross-namespace references are not allowed); the route is not served` }); continue; }
      const mw = middlewaresOf(refs);
      if (mw.problem) { note({ ...mw.problem, message: `${where}: ${mw.problem.message}` }); continue; }
      for (const m of mw.list ?? []) for (const msg of registry.warnings.get(m.name) ?? []) note({ reason: "IgnoredOption", message: `middleware ${m.name}: ${msg}` });
      const priority = typeof route.priority === "number" && route.priority !== 0 ? route.priority : rule.length;
      routers.push({
        name: normalize(`${ns}-${ir.metadata.name}-${ruleHash(rule)}`),
        ingress: `${ns}/${ir.metadata.name}`, source: "IngressRoute", rule, priority, entryPoints: eps, sslRedirect: false,
        match, middlewares: mw.list, backend: resolved[0]!.backend, weighted: resolved.length > 1 ? resolved : undefined,
      });
    }
  }
  return out;
}

/** The backend for the next request of a router: its one Service, or the next of a smooth weighted round robin. */
export function pickBackend(r: Router): Backend {
  const w = r.weighted;
  if (w === undefined) return r.backend;
  let total = 0, best: (typeof w)[number] | undefined;
  for (const x of w) {
    if (x.weight <= 0) continue;
    x.current += x.weight;
    total += x.weight;
    if (!best || x.current > best.current) best = x;
  }
  if (!best) return r.backend;
  best.current -= total;
  return best.backend;
}

/** The request's host without port, lower-cased (IPv6 literals keep their brackets). */
export function requestHost(hostHeader: string | null): string {
  const h = (hostHeader ?? "").toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const i = h.lastIndexOf(":");
  return i >= 0 ? h.slice(0, i) : h;
}

function hostMatches(r: Router, host: string): boolean {
  if (!r.host) return true;
  if (r.host.exact) return r.host.exact === host;
  const suffix = r.host.wildcardSuffix!; // ".example.com"
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, host.length - suffix.length);
  return /^[a-z0-9-]+$/.test(label);
}

function pathMatches(r: Router, path: string): boolean {
  const m = r.path;
  if (!m) return true;
  if (m.kind === "exact") return path === m.value;
  if (m.kind === "prefix") return path.startsWith(m.value);
  return path === m.value || path.startsWith(`${m.value}/`);
}

/**
 * The router for a request on an entry point, or undefined (404). `req` is read only by the
 * general rules of IngressRoutes (a router with `match` does not match without it).
 */
export function matchRoute(routers: readonly Router[], entryPoint: EntryPoint, host: string, path: string, req?: RequestView): Router | undefined {
  for (const r of routers) {
    if (!r.entryPoints.has(entryPoint)) continue;
    if (r.match !== undefined) { if (req !== undefined && r.match(host, path, req)) return r; continue; }
    if (hostMatches(r, host) && pathMatches(r, path)) return r;
  }
  return undefined;
}
