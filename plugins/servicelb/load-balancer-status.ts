/**
 * What servicelb writes into a LoadBalancer Service's `status.loadBalancer.ingress`, computed from
 * the cluster as K3s' servicelb does (pkg/cloudprovider/servicelb.go), without its per-Service
 * DaemonSet: the Service is "placed" on every eligible node, and the node's addresses are listed.
 *
 * - Eligible nodes are Ready; if any node carries the label `svccontroller.k3s.cattle.io/enablelb`,
 *   only nodes labelled `...enablelb=true` (and, when the Service has the label
 *   `svccontroller.k3s.cattle.io/lbpool`, nodes of that pool) are used.
 * - `externalTrafficPolicy: Local`: only nodes with a ready endpoint of the Service.
 * - A node where another LoadBalancer Service (created earlier) already holds one of the Service's
 *   ports (protocol + port), or where a process listens on it (published by the node half), is left
 *   out: K3s' svclb pod would stay Pending there for want of a free host port.
 * - If any used node has an ExternalIP, the ExternalIPs are listed, else the InternalIPs; filtered to
 *   the Service's IP families and sorted.
 * Pure: no I/O.
 */

export const ENABLE_LB_LABEL = "svccontroller.k3s.cattle.io/enablelb";
export const LB_POOL_LABEL = "svccontroller.k3s.cattle.io/lbpool";
/** On a Node: the LoadBalancer ports (e.g. "80/TCP,443/TCP") a local process already listens on, as the node half found. */
export const PORTS_IN_USE_ANNOTATION = "servicelb.lite.io/ports-in-use";

export interface ServicePort { name?: string; protocol?: string; port: number; nodePort?: number }
export interface Service {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; creationTimestamp?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: {
    type?: string; loadBalancerClass?: string; externalTrafficPolicy?: string; ipFamilies?: string[];
    ports?: ServicePort[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string; ipMode?: string }[] } };
}
export interface Node {
  metadata: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec?: { unschedulable?: boolean };
  status?: { addresses?: { type: string; address: string }[]; conditions?: { type: string; status: string }[] };
}
export interface EndpointSlice {
  metadata: { namespace?: string; labels?: Record<string, string> };
  endpoints?: { conditions?: { ready?: boolean }; nodeName?: string; targetRef?: { kind?: string } }[];
}

/** True for Services servicelb serves: type LoadBalancer without a loadBalancerClass (another implementation's). */
export function isServiceLBService(svc: Service): boolean {
  return svc.spec?.type === "LoadBalancer" && !svc.spec.loadBalancerClass && !svc.metadata.deletionTimestamp;
}

export const portKey = (p: ServicePort) => `${p.port}/${p.protocol ?? "TCP"}`;
const serviceKey = (svc: Service) => `${svc.metadata.namespace}/${svc.metadata.name}`;

/** A node left out of a Service's load balancer, and why (one Event each). */
export interface Exclusion { node: string; port: string; holder: string }

export interface Placement {
  /** Sorted ingress IPs. */
  ips: string[];
  /** Nodes that would serve the Service but for a port already taken there. */
  conflicts: Exclusion[];
}

/**
 * Places every servicelb Service (oldest first, as the first DaemonSet pod takes the host port) and
 * returns the placement of each, by "namespace/name".
 */
export function placeServices(services: readonly Service[], nodes: readonly Node[], slices: readonly EndpointSlice[]): Map<string, Placement> {
  const ordered = services.filter(isServiceLBService).sort((a, b) =>
    (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") || serviceKey(a).localeCompare(serviceKey(b)));
  const labelled = nodes.some((n) => n.metadata.labels?.[ENABLE_LB_LABEL] !== undefined);
  // node -> port key -> holder
  const held = new Map<string, Map<string, string>>();
  for (const n of nodes) {
    const ports = new Map<string, string>();
    for (const p of (n.metadata.annotations?.[PORTS_IN_USE_ANNOTATION] ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
      ports.set(normalisePortKey(p), "a process on the node");
    }
    held.set(n.metadata.name ?? "", ports);
  }
  const out = new Map<string, Placement>();
  for (const svc of ordered) {
    const key = serviceKey(svc);
    const pool = svc.metadata.labels?.[LB_POOL_LABEL];
    const readyNodes = svc.spec?.externalTrafficPolicy === "Local" ? nodesWithReadyEndpoints(svc, slices) : undefined;
    const ports = (svc.spec?.ports ?? []).map(portKey);
    const used: Node[] = [];
    const conflicts: Exclusion[] = [];
    for (const node of nodes) {
      const name = node.metadata.name ?? "";
      if (!isEligible(node, labelled, pool)) continue;
      if (readyNodes && !readyNodes.has(name)) continue;
      const taken = held.get(name)!;
      const clash = ports.find((p) => taken.has(p));
      if (clash) {
        conflicts.push({ node: name, port: clash, holder: taken.get(clash)! });
        continue;
      }
      for (const p of ports) taken.set(p, `LoadBalancer Service ${key}`);
      used.push(node);
    }
    out.set(key, { ips: nodeIPs(used, svc.spec?.ipFamilies), conflicts });
  }
  return out;
}

function normalisePortKey(s: string): string {
  const [port, proto] = s.split("/");
  return `${Number(port)}/${(proto ?? "TCP").toUpperCase()}`;
}

function isEligible(node: Node, labelled: boolean, pool: string | undefined): boolean {
  if (node.metadata.deletionTimestamp) return false;
  if (!node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return false;
  if (!labelled) return true;
  if (node.metadata.labels?.[ENABLE_LB_LABEL] !== "true") return false;
  return !pool || node.metadata.labels?.[LB_POOL_LABEL] === pool;
}

function nodesWithReadyEndpoints(svc: Service, slices: readonly EndpointSlice[]): Set<string> {
  const nodes = new Set<string>();
  for (const s of slices) {
    if (s.metadata.namespace !== svc.metadata.namespace || s.metadata.labels?.["kubernetes.io/service-name"] !== svc.metadata.name) continue;
    for (const ep of s.endpoints ?? []) {
      if (ep.conditions?.ready === true && ep.nodeName && ep.targetRef?.kind === "Pod") nodes.add(ep.nodeName);
    }
  }
  return nodes;
}

function nodeIPs(nodes: readonly Node[], families: readonly string[] | undefined): string[] {
  const external = new Set<string>();
  const internal = new Set<string>();
  for (const n of nodes) {
    for (const a of n.status?.addresses ?? []) {
      if (a.type === "ExternalIP") external.add(a.address);
      else if (a.type === "InternalIP") internal.add(a.address);
    }
  }
  const ips = [...(external.size > 0 ? external : internal)];
  const v4 = ips.filter((ip) => ip.includes(".")).sort();
  const v6 = ips.filter((ip) => ip.includes(":")).sort();
  const out: string[] = [];
  for (const f of families?.length ? families : ["IPv4"]) out.push(...(f === "IPv6" ? v6 : f === "IPv4" ? v4 : []));
  return out;
}

/** The ingress list as K3s writes it: one `{ ip }` per address. */
export function ingressOf(ips: readonly string[]): { ip: string }[] {
  return ips.map((ip) => ({ ip }));
}

export function sameIngress(a: readonly { ip?: string; hostname?: string }[] | undefined, ips: readonly string[]): boolean {
  const cur = (a ?? []).map((i) => i.ip ?? i.hostname ?? "");
  return cur.length === ips.length && cur.every((ip, i) => ip === ips[i]);
}
