/**
 * The cluster's Services and EndpointSlices as DNS sees them, kept from informer events. Lookups
 * are by namespace and name; the per-service endpoint view and the reverse (PTR) index are rebuilt
 * lazily after a change. `generation` grows on every change, so answers cached from this data
 * can be invalidated by comparing it. Objects passed in are read, never kept mutable or mutated.
 */
import { canonicalIP } from "../dns/ip.ts";
import { SERVICE_NAME_LABEL, type EndpointSlice, type Service } from "./kube-types.ts";

export interface PortView {
  /** "" for an unnamed port. */
  name: string;
  port: number;
  /** Lowercase: "tcp", "udp", "sctp". */
  protocol: string;
}

export interface ServiceView {
  namespace: string;
  name: string;
  /** clusterIP None. */
  headless: boolean;
  /** Canonical ClusterIPs (empty for headless and ExternalName). */
  clusterIPs: string[];
  /** Set for type ExternalName. */
  externalName?: string;
  ports: PortView[];
}

export interface EndpointView {
  address: string;
  /** The endpoint's hostname, or the address with dashes (CoreDNS' endpoint name) when it has none. */
  hostname: string;
  ports: PortView[];
}

/** What the cluster zone reads; implemented by ClusterData and by test fixtures alike. */
export interface ClusterView {
  service(namespace: string, name: string): ServiceView | undefined;
  namespaceHasServices(namespace: string): boolean;
  /** Ready endpoints of a Service, across its EndpointSlices, deduplicated by address. */
  endpoints(namespace: string, name: string): readonly EndpointView[];
  /** Owner names (relative to the cluster domain, e.g. "web.default.svc") whose address is `ip` (canonical). */
  namesForIP(ip: string): readonly string[];
  /** Grows on every change of what DNS answers (to invalidate answers prepared from it); updates that change nothing DNS reads leave it. */
  readonly generation: number;
}

export class ClusterData implements ClusterView {
  generation = 0;
  private readonly services = new Map<string, ServiceView>(); // "ns/name"
  private readonly nsCount = new Map<string, number>();
  private readonly slices = new Map<string, Map<string, EndpointSlice>>(); // "ns/service" -> slice name -> slice
  private readonly sliceOwner = new Map<string, string>(); // "ns/slice" -> "ns/service"
  private readonly endpointCache = new Map<string, EndpointView[]>();
  private reverse?: Map<string, string[]>;

  upsertService(svc: Service): void {
    const key = keyOf(svc.metadata.namespace, svc.metadata.name);
    const old = this.services.get(key);
    const view = serviceView(svc);
    if (old && JSON.stringify(old) === JSON.stringify(view)) return; // e.g. a status-only update
    if (!old) this.nsCount.set(svc.metadata.namespace ?? "", (this.nsCount.get(svc.metadata.namespace ?? "") ?? 0) + 1);
    this.services.set(key, view);
    this.changed();
  }

  deleteService(svc: Service): void {
    const key = keyOf(svc.metadata.namespace, svc.metadata.name);
    if (!this.services.delete(key)) return;
    const ns = svc.metadata.namespace ?? "";
    const n = (this.nsCount.get(ns) ?? 1) - 1;
    if (n <= 0) this.nsCount.delete(ns); else this.nsCount.set(ns, n);
    this.changed();
  }

  upsertSlice(slice: EndpointSlice): void {
    const sliceKey = keyOf(slice.metadata.namespace, slice.metadata.name);
    const owner = keyOf(slice.metadata.namespace, slice.metadata.labels?.[SERVICE_NAME_LABEL] ?? "");
    const previous = this.sliceOwner.get(sliceKey);
    if (previous !== undefined && previous !== owner) this.removeSlice(sliceKey, previous);
    this.sliceOwner.set(sliceKey, owner);
    let group = this.slices.get(owner);
    if (!group) this.slices.set(owner, group = new Map());
    const before = group.get(slice.metadata.name ?? "");
    if (before && previous === owner && dnsContent(before) === dnsContent(slice)) return;
    group.set(slice.metadata.name ?? "", slice);
    this.endpointCache.delete(owner);
    this.changed();
  }

  deleteSlice(slice: EndpointSlice): void {
    const sliceKey = keyOf(slice.metadata.namespace, slice.metadata.name);
    const owner = this.sliceOwner.get(sliceKey);
    if (owner === undefined) return;
    this.removeSlice(sliceKey, owner);
    this.changed();
  }

  private removeSlice(sliceKey: string, owner: string): void {
    this.sliceOwner.delete(sliceKey);
    const group = this.slices.get(owner);
    group?.delete(sliceKey.slice(sliceKey.indexOf("/") + 1));
    if (group?.size === 0) this.slices.delete(owner);
    this.endpointCache.delete(owner);
  }

  private changed(): void {
    this.generation++;
    this.reverse = undefined;
  }

  service(namespace: string, name: string): ServiceView | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  namespaceHasServices(namespace: string): boolean {
    return this.nsCount.has(namespace);
  }

  endpoints(namespace: string, name: string): readonly EndpointView[] {
    const key = `${namespace}/${name}`;
    let views = this.endpointCache.get(key);
    if (!views) {
      views = endpointViews(this.slices.get(key)?.values() ?? []);
      this.endpointCache.set(key, views);
    }
    return views;
  }

  namesForIP(ip: string): readonly string[] {
    this.reverse ??= this.buildReverse();
    return this.reverse.get(ip) ?? [];
  }

  private buildReverse(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const add = (ip: string, name: string) => {
      const list = out.get(ip);
      if (!list) out.set(ip, [name]);
      else if (!list.includes(name)) list.push(name);
    };
    for (const svc of this.services.values()) {
      for (const ip of svc.clusterIPs) add(ip, `${svc.name}.${svc.namespace}.svc`);
    }
    for (const svc of this.services.values()) {
      if (svc.externalName !== undefined) continue;
      for (const ep of this.endpoints(svc.namespace, svc.name)) add(ep.address, `${ep.hostname}.${svc.name}.${svc.namespace}.svc`);
    }
    return out;
  }
}

function keyOf(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ""}/${name ?? ""}`;
}

function portView(p: { name?: string; port?: number; protocol?: string }): PortView {
  return { name: (p.name ?? "").toLowerCase(), port: p.port ?? 0, protocol: (p.protocol ?? "TCP").toLowerCase() };
}

export function serviceView(svc: Service): ServiceView {
  const spec = svc.spec ?? {};
  const ips = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [])
    .map((ip) => canonicalIP(ip)).filter((ip): ip is string => ip !== undefined);
  const view: ServiceView = {
    namespace: svc.metadata.namespace ?? "", name: (svc.metadata.name ?? "").toLowerCase(),
    headless: spec.clusterIP === "None", clusterIPs: spec.type === "ExternalName" ? [] : ips,
    ports: (spec.ports ?? []).map(portView),
  };
  if (spec.type === "ExternalName" && spec.externalName) view.externalName = spec.externalName.replace(/\.$/, "");
  return view;
}

/** Ready endpoints (ready unset counts as ready, as upstream), first slice wins for a duplicate address. */
export function endpointViews(slices: Iterable<EndpointSlice>): EndpointView[] {
  const out: EndpointView[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    const ports = (slice.ports ?? []).map(portView);
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const raw of ep.addresses ?? []) {
        const address = canonicalIP(raw);
        if (!address || seen.has(address)) continue;
        seen.add(address);
        out.push({ address, hostname: (ep.hostname || dashed(address)).toLowerCase(), ports });
      }
    }
  }
  return out;
}

/** What of a slice DNS answers from (addresses, hostnames, readiness, ports). */
function dnsContent(s: EndpointSlice): string {
  return JSON.stringify([s.ports ?? [], (s.endpoints ?? []).map((e) => [e.addresses, e.hostname, e.conditions?.ready])]);
}

/** 10.42.0.5 -> "10-42-0-5"; fd00::1 -> "fd00--1" (CoreDNS' endpoint and pod name form). */
export function dashed(ip: string): string {
  return ip.replace(/[.:]/g, "-");
}
