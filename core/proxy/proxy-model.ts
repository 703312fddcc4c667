/**
 * The service proxy's model: Services + EndpointSlices + facts about this node -> the desired
 * proxy state of one IP family, as upstream kube-proxy computes it (pkg/proxy: service and
 * endpoint-slice change trackers, CategorizeEndpoints). Pure: no I/O, inputs are not mutated.
 *
 * What each service port becomes:
 * - ready endpoints, else (upstream ProxyTerminatingEndpoints) serving+terminating ones;
 * - internalTrafficPolicy Local: ClusterIP traffic only to this node's endpoints;
 * - externalTrafficPolicy Local: NodePort / LoadBalancer / external-IP traffic only to this node's
 *   endpoints (source IP kept);
 * - sessionAffinity ClientIP with its timeout (default 10800 s).
 * Skipped: headless and ExternalName Services, Services with no cluster IP of this family,
 * Services carrying the label `service.kubernetes.io/service-proxy-name` (another proxy owns them).
 */

import { isIP } from "node:net";

export type IPFamily = "IPv4" | "IPv6";
export type Protocol = "tcp" | "udp" | "sctp";

/** The fields of a core/v1 Service the proxy reads. */
export interface ProxyService {
  readonly metadata: { readonly namespace?: string; readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: {
    readonly type?: string;
    readonly clusterIP?: string;
    readonly clusterIPs?: readonly string[];
    readonly ports?: readonly { readonly name?: string; readonly protocol?: string; readonly port: number; readonly nodePort?: number }[];
    readonly externalIPs?: readonly string[];
    readonly sessionAffinity?: string;
    readonly sessionAffinityConfig?: { readonly clientIP?: { readonly timeoutSeconds?: number } };
    readonly externalTrafficPolicy?: string;
    readonly internalTrafficPolicy?: string;
    readonly loadBalancerSourceRanges?: readonly string[];
  };
  readonly status?: { readonly loadBalancer?: { readonly ingress?: readonly { readonly ip?: string; readonly ipMode?: string }[] } };
}

/** The fields of a discovery/v1 EndpointSlice the proxy reads. */
export interface ProxyEndpointSlice {
  readonly metadata: { readonly namespace?: string; readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly addressType: string;
  readonly endpoints?: readonly {
    readonly addresses: readonly string[];
    readonly conditions?: { readonly ready?: boolean; readonly serving?: boolean; readonly terminating?: boolean };
    readonly nodeName?: string;
  }[] | null;
  readonly ports?: readonly { readonly name?: string; readonly protocol?: string; readonly port?: number }[] | null;
}

/** Facts about the node the rules are for. */
export interface NodeFacts {
  readonly nodeName: string;
  readonly family: IPFamily;
  /**
   * Addresses that accept NodePort traffic (addresses of other families are ignored), or "all":
   * every local address except loopback (upstream's `--nodeport-addresses` unset in 1.29/1.30).
   */
  readonly nodePortAddresses: readonly string[] | "all";
  /** Pod CIDRs of the cluster: traffic from elsewhere to a ClusterIP is masqueraded. */
  readonly clusterCIDRs: readonly string[];
}

export interface ProxyEndpoint {
  readonly ip: string;
  readonly port: number;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  /** On this node (its nodeName is ours). */
  readonly local: boolean;
}

export interface ServicePortState {
  /** Upstream's ServicePortName string: `namespace/name:portName` (`namespace/name` for an unnamed port). */
  readonly name: string;
  readonly namespace: string;
  readonly serviceName: string;
  readonly portName: string;
  readonly protocol: Protocol;
  readonly clusterIP: string;
  readonly port: number;
  /** 0: none. */
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  readonly loadBalancerIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  /** Seconds; undefined: no session affinity. */
  readonly affinityTimeoutSeconds?: number;
  readonly internalPolicyLocal: boolean;
  readonly externalPolicyLocal: boolean;
  /** NodePort, LoadBalancer IPs or external IPs exist. */
  readonly externallyAccessible: boolean;
  /** Endpoints for policy Cluster (ready, else serving+terminating); empty when no traffic uses that policy. */
  readonly clusterEndpoints: readonly ProxyEndpoint[];
  /** Endpoints for policy Local (this node's ready, else serving+terminating); empty when no traffic uses that policy. */
  readonly localEndpoints: readonly ProxyEndpoint[];
  /** clusterEndpoints ∪ localEndpoints: the endpoints this node sends traffic to. */
  readonly reachableEndpoints: readonly ProxyEndpoint[];
  /** Some usable endpoint exists anywhere in the cluster. */
  readonly hasEndpoints: boolean;
  /** Every endpoint the slices list for this port (any state), for conntrack clean-up. */
  readonly allEndpoints: readonly ProxyEndpoint[];
}

export interface ProxyState {
  readonly family: IPFamily;
  readonly nodePortAddresses: readonly string[] | "all";
  readonly clusterCIDRs: readonly string[];
  /** Sorted by name and protocol. */
  readonly servicePorts: readonly ServicePortState[];
}

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const SERVICE_PROXY_NAME_LABEL = "service.kubernetes.io/service-proxy-name";
export const HEADLESS_LABEL = "service.kubernetes.io/headless";
/** Upstream's default ClientIP affinity timeout (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

export function familyOf(ip: string): IPFamily {
  return ip.includes(":") ? "IPv6" : "IPv4";
}

function isLoopback(ip: string): boolean {
  return familyOf(ip) === "IPv4" ? ip.startsWith("127.") : ip === "::1";
}

/** Computes the desired state for `node.family` from the informers' current objects. */
export function computeProxyState(services: readonly ProxyService[], slices: readonly ProxyEndpointSlice[], node: NodeFacts): ProxyState {
  // Only well-formed addresses reach the ruleset: nft would try to resolve anything else as a host name.
  const ofFamily = (ip: string | undefined): ip is string => !!ip && isIP(ip) === (node.family === "IPv4" ? 4 : 6);
  const slicesByService = new Map<string, ProxyEndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc || s.addressType !== node.family) continue;
    const key = `${s.metadata.namespace ?? ""}/${svc}`;
    let list = slicesByService.get(key);
    if (!list) slicesByService.set(key, (list = []));
    list.push(s);
  }

  const out: ServicePortState[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    if (!spec || spec.type === "ExternalName") continue;
    if (svc.metadata.labels?.[SERVICE_PROXY_NAME_LABEL] !== undefined) continue;
    const clusterIPs = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
    if (clusterIPs[0] === "None") continue;
    const clusterIP = clusterIPs.find(ofFamily);
    if (!clusterIP) continue;
    const namespace = svc.metadata.namespace ?? "";
    const externalIPs = (spec.externalIPs ?? []).filter(ofFamily);
    const loadBalancerIPs = spec.type === "LoadBalancer"
      ? (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ipMode !== "Proxy").map((i) => i.ip).filter(ofFamily)
      : [];
    const loadBalancerSourceRanges = (spec.loadBalancerSourceRanges ?? []).map((r) => r.trim()).filter((r) => ofFamily(r.split("/")[0]) && /^\d{1,3}$/.test(r.split("/")[1] ?? "0"));
    const affinityTimeoutSeconds = spec.sessionAffinity === "ClientIP"
      ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS
      : undefined;
    const serviceExternallyAccessible = spec.type === "NodePort" || spec.type === "LoadBalancer" || externalIPs.length > 0;
    const svcSlices = slicesByService.get(`${namespace}/${svc.metadata.name}`) ?? [];

    for (const p of spec.ports ?? []) {
      const protocol = (p.protocol ?? "TCP").toLowerCase() as Protocol;
      const portName = p.name ?? "";
      const nodePort = (spec.type === "NodePort" || spec.type === "LoadBalancer") && p.nodePort ? p.nodePort : 0;
      const externallyAccessible = nodePort !== 0 || loadBalancerIPs.length > 0 || externalIPs.length > 0;
      const internalPolicyLocal = spec.internalTrafficPolicy === "Local";
      const externalPolicyLocal = serviceExternallyAccessible && spec.externalTrafficPolicy === "Local";
      const allEndpoints = endpointsFor(svcSlices, portName, protocol.toUpperCase(), node.nodeName);
      const categorized = categorizeEndpoints(allEndpoints, { internalPolicyLocal, externalPolicyLocal, externallyAccessible });
      out.push({
        name: `${namespace}/${svc.metadata.name}${portName ? `:${portName}` : ""}`,
        namespace, serviceName: svc.metadata.name, portName, protocol, clusterIP, port: p.port, nodePort,
        externalIPs, loadBalancerIPs, loadBalancerSourceRanges,
        ...(affinityTimeoutSeconds !== undefined ? { affinityTimeoutSeconds } : {}),
        internalPolicyLocal, externalPolicyLocal, externallyAccessible,
        ...categorized, allEndpoints,
      });
    }
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
  const nodePortAddresses = node.nodePortAddresses === "all"
    ? "all"
    : [...new Set(node.nodePortAddresses.filter((ip) => isIP(ip) && familyOf(ip) === node.family && !isLoopback(ip)))];
  return {
    family: node.family, nodePortAddresses,
    clusterCIDRs: node.clusterCIDRs.filter((c) => isIP(c.split("/")[0]!) && familyOf(c.split("/")[0]!) === node.family),
    servicePorts: out,
  };
}

/**
 * The endpoints of one service port across its slices: the slice port with the same name and
 * protocol gives the target port (so a named targetPort resolves per endpoint). An endpoint listed
 * twice keeps its ready copy. Sorted by address and port, so unchanged input renders unchanged rules.
 */
function endpointsFor(slices: readonly ProxyEndpointSlice[], portName: string, protocol: string, nodeName: string): ProxyEndpoint[] {
  const byKey = new Map<string, ProxyEndpoint>();
  for (const s of slices) {
    const sp = (s.ports ?? []).find((x) => (x.name ?? "") === portName && (x.protocol ?? "TCP") === protocol);
    if (!sp || sp.port === undefined || sp.port === null) continue;
    for (const e of s.endpoints ?? []) {
      const ip = e.addresses[0];
      if (!ip || !isIP(ip)) continue;
      // Upstream: an unset ready means ready; an unset serving means as ready; an unset terminating means false.
      const ready = e.conditions?.ready ?? true;
      const ep: ProxyEndpoint = {
        ip, port: sp.port, ready, serving: e.conditions?.serving ?? ready, terminating: e.conditions?.terminating ?? false,
        local: !!e.nodeName && e.nodeName === nodeName,
      };
      const key = `${ip}|${sp.port}`;
      const seen = byKey.get(key);
      if (!seen || (!seen.ready && ep.ready)) byKey.set(key, ep);
    }
  }
  return [...byKey.values()].sort((a, b) => compareIP(a.ip, b.ip) || a.port - b.port);
}

function compareIP(a: string, b: string): number {
  if (familyOf(a) === "IPv4" && familyOf(b) === "IPv4") {
    const pa = a.split(".").map(Number), pb = b.split(".").map(Number);
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Policy { internalPolicyLocal: boolean; externalPolicyLocal: boolean; externallyAccessible: boolean }

/** Upstream CategorizeEndpoints (without topology hints). */
export function categorizeEndpoints(endpoints: readonly ProxyEndpoint[], p: Policy): Pick<ServicePortState, "clusterEndpoints" | "localEndpoints" | "reachableEndpoints" | "hasEndpoints"> {
  // Cluster endpoints are needed whenever external traffic exists, even with policy Local: traffic
  // from pods and from the node itself short-circuits to them (upstream UsesClusterEndpoints).
  const usesCluster = !p.internalPolicyLocal || p.externallyAccessible;
  const usesLocal = p.internalPolicyLocal || (p.externallyAccessible && p.externalPolicyLocal);
  const servingTerminating = (e: ProxyEndpoint) => e.serving && e.terminating;
  let clusterEndpoints: ProxyEndpoint[] = [];
  let hasEndpoints = false;
  if (usesCluster) {
    clusterEndpoints = endpoints.filter((e) => e.ready);
    if (clusterEndpoints.length === 0) clusterEndpoints = endpoints.filter(servingTerminating);
    hasEndpoints = clusterEndpoints.length > 0;
  }
  if (!usesLocal) return { clusterEndpoints, localEndpoints: [], reachableEndpoints: clusterEndpoints, hasEndpoints };

  if (endpoints.some((e) => e.ready || servingTerminating(e))) hasEndpoints = true;
  let localEndpoints = endpoints.filter((e) => e.local && e.ready);
  if (localEndpoints.length === 0) localEndpoints = endpoints.filter((e) => e.local && servingTerminating(e));
  if (!usesCluster) return { clusterEndpoints, localEndpoints, reachableEndpoints: localEndpoints, hasEndpoints };

  const seen = new Set(clusterEndpoints);
  const reachableEndpoints = [...clusterEndpoints, ...localEndpoints.filter((e) => !seen.has(e))];
  return { clusterEndpoints, localEndpoints, reachableEndpoints, hasEndpoints };
}
