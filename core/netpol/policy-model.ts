/**
 * NetworkPolicy semantics (upstream networking/v1 types.go), pure: from Pods, Namespaces and
 * NetworkPolicies to what each of this node's pods may receive and send.
 *
 * - A pod is isolated for ingress (egress) when a policy of its namespace selects it and lists
 *   Ingress (Egress) in policyTypes; policyTypes defaults to [Ingress], plus Egress when the policy
 *   has egress rules. An isolated pod accepts (sends) only what the union of the selecting
 *   policies' rules allows; a pod no policy isolates is not filtered.
 * - A rule allows a peer (empty `from`/`to`: every address) on a port (empty `ports`: every port
 *   and protocol). Peers: podSelector alone (pods of the policy's namespace), namespaceSelector
 *   alone (every pod of matching namespaces), both (matching pods in matching namespaces), ipBlock
 *   (the CIDR minus `except`, whatever the addresses are).
 * - Ports: a number (with `endPort`, a range), or a name: for ingress resolved against the
 *   destination (the isolated pod's) container ports, for egress against each peer pod's; a name a
 *   pod does not have allows nothing there. Protocol defaults to TCP.
 * - Host-network pods are neither filtered nor peers (their address is the node's), and pods
 *   without an address or in a terminal phase are ignored.
 */
import type { LabelSelector } from "../controllers/replicaset/types.ts";
import { selectorMatches } from "../controllers/replicaset/label-selector.ts";
import { addressRange, cidrRange, mergeRanges, subtractRanges, type AddrRange } from "./ip-ranges.ts";

export type Protocol = "TCP" | "UDP" | "SCTP";

export interface NpContainerPort { readonly name?: string; readonly containerPort: number; readonly protocol?: string }
export interface NpPod {
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: {
    readonly nodeName?: string;
    readonly hostNetwork?: boolean;
    readonly containers?: readonly { readonly ports?: readonly NpContainerPort[] }[];
    readonly initContainers?: readonly { readonly ports?: readonly NpContainerPort[] }[];
  };
  readonly status?: { readonly phase?: string; readonly podIP?: string; readonly podIPs?: readonly { readonly ip: string }[] };
}
export interface NpNamespace { readonly metadata: { readonly name?: string; readonly labels?: Readonly<Record<string, string>> } }
export interface NpPolicyPort { readonly protocol?: string; readonly port?: number | string; readonly endPort?: number }
export interface NpPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}
export interface NpPolicy {
  readonly metadata: { readonly name?: string; readonly namespace?: string };
  readonly spec?: {
    readonly podSelector?: LabelSelector;
    readonly policyTypes?: readonly string[];
    readonly ingress?: readonly { readonly ports?: readonly NpPolicyPort[]; readonly from?: readonly NpPeer[] }[];
    readonly egress?: readonly { readonly ports?: readonly NpPolicyPort[]; readonly to?: readonly NpPeer[] }[];
  };
}

/** A protocol and a port range; no port: every port of the protocol. */
export interface PortMatch { readonly protocol: Protocol; readonly port?: number; readonly endPort?: number }

/** One allowed kind of traffic: from/to these addresses ("any": every address), on these ports ("any": everything). */
export interface AllowRule {
  readonly peers: "any" | readonly AddrRange[];
  readonly ports: "any" | readonly PortMatch[];
}

export interface PodRules {
  /** "namespace/name". */
  readonly pod: string;
  readonly ips: readonly string[];
  /** Undefined: not isolated in that direction. An empty list: isolated, nothing allowed. */
  readonly ingress?: readonly AllowRule[];
  readonly egress?: readonly AllowRule[];
}

export interface NetpolState {
  /** This node's pods that at least one policy isolates, sorted by name. */
  readonly pods: readonly PodRules[];
  readonly policies: number;
}

export function policyTypesOf(p: NpPolicy): { ingress: boolean; egress: boolean } {
  const types = p.spec?.policyTypes;
  if (!types?.length) return { ingress: true, egress: (p.spec?.egress?.length ?? 0) > 0 };
  return { ingress: types.includes("Ingress"), egress: types.includes("Egress") };
}

export function podIPs(p: NpPod): string[] {
  const list = p.status?.podIPs?.map((x) => x.ip).filter(Boolean) ?? [];
  if (!list.length && p.status?.podIP) list.push(p.status.podIP);
  return list;
}

/** Pods that take part in policies: not host-network, not finished, with an address. */
function isPolicyPod(p: NpPod): boolean {
  return !p.spec?.hostNetwork && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed" && podIPs(p).length > 0;
}

const protocolOf = (p: string | undefined): Protocol | undefined => {
  const v = (p ?? "TCP").toUpperCase();
  return v === "TCP" || v === "UDP" || v === "SCTP" ? v : undefined;
};

/** The numbers a named port has on a pod (containers and init containers, as upstream's FindPort), for `protocol`. */
export function resolveNamedPort(pod: NpPod, name: string, protocol: Protocol): number[] {
  const out = new Set<number>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const cp of c.ports ?? []) if (cp.name === name && protocolOf(cp.protocol) === protocol) out.add(cp.containerPort);
  }
  return [...out].sort((a, b) => a - b);
}

/** A numeric port entry as a match; undefined for named ports and unknown protocols. */
function numericPort(pp: NpPolicyPort): PortMatch | undefined {
  const protocol = protocolOf(pp.protocol);
  if (!protocol || typeof pp.port === "string") return undefined;
  if (pp.port === undefined) return { protocol };
  if (pp.endPort !== undefined && pp.endPort > pp.port) return { protocol, port: pp.port, endPort: pp.endPort };
  return { protocol, port: pp.port };
}

interface Index {
  readonly pods: readonly NpPod[];
  readonly nsLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** The pods a peer selects (undefined for an ipBlock peer). */
function peerPods(peer: NpPeer, policyNamespace: string, idx: Index): NpPod[] | undefined {
  if (!peer.podSelector && !peer.namespaceSelector) return undefined;
  return idx.pods.filter((p) => {
    const ns = p.metadata.namespace ?? "";
    if (peer.namespaceSelector) {
      if (!selectorMatches(peer.namespaceSelector, idx.nsLabels.get(ns) ?? { "kubernetes.io/metadata.name": ns })) return false;
    } else if (ns !== policyNamespace) {
      return false;
    }
    return peer.podSelector ? selectorMatches(peer.podSelector, p.metadata.labels) : true;
  });
}

function ipBlockRanges(block: NonNullable<NpPeer["ipBlock"]>): AddrRange[] {
  const whole = cidrRange(block.cidr);
  if (!whole) return [];
  return subtractRanges(whole, (block.except ?? []).map(cidrRange).filter((r): r is AddrRange => !!r));
}

const podRanges = (pods: readonly NpPod[]): AddrRange[] => pods.flatMap((p) => podIPs(p).map(addressRange).filter((r): r is AddrRange => !!r));

interface ResolvedPeers {
  /** Undefined: every address (no peers listed). */
  readonly ranges?: AddrRange[];
  /** The pods among the peers (every policy pod when no peers are listed), for named egress ports. */
  readonly pods: readonly NpPod[];
}

function resolvePeers(peers: readonly NpPeer[] | undefined, policyNamespace: string, idx: Index): ResolvedPeers {
  if (!peers?.length) return { pods: idx.pods };
  const ranges: AddrRange[] = [];
  const pods: NpPod[] = [];
  for (const peer of peers) {
    const selected = peerPods(peer, policyNamespace, idx);
    if (selected) { pods.push(...selected); ranges.push(...podRanges(selected)); }
    else if (peer.ipBlock) ranges.push(...ipBlockRanges(peer.ipBlock));
  }
  return { ranges: mergeRanges(ranges), pods };
}

/**
 * The allow rules of one policy rule. `namedOn`: the pod named ports resolve on for ingress (the
 * destination); undefined for egress, where they resolve on each peer pod.
 */
function allowRules(ports: readonly NpPolicyPort[] | undefined, peers: ResolvedPeers, namedOn: NpPod | undefined): AllowRule[] {
  const peerSet: AllowRule["peers"] = peers.ranges ?? "any";
  if (peerSet !== "any" && !peerSet.length) return [];
  if (!ports?.length) return [{ peers: peerSet, ports: "any" }];
  const out: AllowRule[] = [];
  const fixed: PortMatch[] = [];
  for (const pp of ports) {
    const protocol = protocolOf(pp.protocol);
    if (!protocol) continue;
    if (typeof pp.port !== "string") {
      const m = numericPort(pp);
      if (m) fixed.push(m);
    } else if (namedOn) {
      for (const port of resolveNamedPort(namedOn, pp.port, protocol)) fixed.push({ protocol, port });
    } else {
      // Egress: group the peer pods by the number the name has on each.
      const byPort = new Map<number, NpPod[]>();
      for (const pod of peers.pods) for (const port of resolveNamedPort(pod, pp.port, protocol)) byPort.set(port, [...(byPort.get(port) ?? []), pod]);
      for (const [port, pods] of [...byPort].sort((a, b) => a[0] - b[0])) {
        let ranges = mergeRanges(podRanges(pods));
        // Only pods the peers allow (an ipBlock peer never names a pod's port).
        if (peerSet !== "any") ranges = ranges.filter((r) => peerSet.some((p) => p.family === r.family && p.lo <= r.lo && r.hi <= p.hi));
        if (ranges.length) out.push({ peers: ranges, ports: [{ protocol, port }] });
      }
    }
  }
  if (fixed.length) out.unshift({ peers: peerSet, ports: fixed });
  return out;
}

export interface NetpolOptions {
  readonly nodeName: string;
}

export function computeNetpolState(pods: readonly NpPod[], namespaces: readonly NpNamespace[], policies: readonly NpPolicy[], o: NetpolOptions): NetpolState {
  const policyPods = pods.filter(isPolicyPod);
  const idx: Index = {
    pods: policyPods,
    nsLabels: new Map(namespaces.map((n) => [n.metadata.name ?? "", { "kubernetes.io/metadata.name": n.metadata.name ?? "", ...n.metadata.labels }])),
  };
  const byNamespace = new Map<string, NpPolicy[]>();
  for (const p of policies) {
    const ns = p.metadata.namespace ?? "";
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), p]);
  }
  // Peers do not depend on the destination pod: resolve them once per policy rule.
  const peerCache = new Map<object, ResolvedPeers>();
  const peersOf = (list: readonly NpPeer[] | undefined, rule: object, ns: string) => {
    let r = peerCache.get(rule);
    if (!r) { r = resolvePeers(list, ns, idx); peerCache.set(rule, r); }
    return r;
  };
  const out: PodRules[] = [];
  for (const pod of policyPods) {
    if (pod.spec?.nodeName !== o.nodeName) continue;
    const ns = pod.metadata.namespace ?? "";
    const selecting = (byNamespace.get(ns) ?? []).filter((p) => selectorMatches(p.spec?.podSelector ?? {}, pod.metadata.labels));
    if (!selecting.length) continue;
    let ingress: AllowRule[] | undefined;
    let egress: AllowRule[] | undefined;
    for (const p of selecting) {
      const types = policyTypesOf(p);
      if (types.ingress) {
        ingress ??= [];
        for (const rule of p.spec?.ingress ?? []) ingress.push(...allowRules(rule.ports, peersOf(rule.from, rule, ns), pod));
      }
      if (types.egress) {
        egress ??= [];
        for (const rule of p.spec?.egress ?? []) egress.push(...allowRules(rule.ports, peersOf(rule.to, rule, ns), undefined));
      }
    }
    if (!ingress && !egress) continue;
    out.push({ pod: `${ns}/${pod.metadata.name ?? ""}`, ips: podIPs(pod), ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}) });
  }
  out.sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
  return { pods: out, policies: policies.length };
}
