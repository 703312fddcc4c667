/**
 * Renders a proxy state as one `nft -f` transaction for lite's own table (`ip lite-proxy`, or
 * `ip6 lite-proxy`), after upstream kube-proxy's nftables mode: the kernel applies the whole
 * text or none of it, so there is never a moment where a Service is missing.
 *
 * Layout (upstream's, names kept so its docs read across):
 * - base chains `filter-{prerouting,input,forward,output}` (priority dstnat-10 = -110) and
 *   `nat-{prerouting,output}` (dstnat = -100), `nat-postrouting` (srcnat = 100);
 * - `services`: `ip daddr . meta l4proto . th dport vmap @service-ips`, and NodePorts through
 *   `@service-nodeports` for the addresses in `@nodeport-ips` (or every local address);
 * - per service port: `service-*` (policy Cluster) / `local-*` (policy Local) chains picking an
 *   endpoint with `numgen random mod N vmap` (after the session-affinity sets), `external-*` for
 *   NodePort/LoadBalancer/external IPs, `firewall-*` for loadBalancerSourceRanges;
 * - per endpoint: `endpoint-*` (hairpin masquerade, affinity update, DNAT) and `affinity-*` sets;
 * - `endpoints-check` (filter, new connections): `@no-endpoint-services` / `@no-endpoint-nodeports`
 *   map a Service without endpoints to `goto reject-chain` (refused at once) or, for traffic policy
 *   Local without a local endpoint, `drop`;
 * - `mark-for-masquerade` sets the mark, `masquerading` (postrouting) masquerades marked packets.
 *
 * A full transaction creates every chain, set and map if missing and flushes it before filling
 * it, so it is correct whatever the table held; a partial one (`previous`) rewrites only the
 * chains whose rules changed and adds/deletes only the elements that changed. Affinity sets are
 * only created (never flushed):
 * their entries are the clients' current affinities. Chains and sets the state no longer uses are
 * flushed (chains) or deleted (affinity sets) in the same transaction; flushed chains are deleted
 * later by `renderChainDeletion` (kernels before 6.2 refuse to delete a chain in the transaction
 * that removes the last map element pointing to it).
 */
import { createHash } from "node:crypto";
import type { IPFamily, ProxyEndpoint, ProxyState, ServicePortState } from "./proxy-model.ts";

export const PROXY_TABLE = "lite-proxy";
/** Upstream's masquerade bit 14. */
export const MASQUERADE_MARK = 0x4000;

export interface RenderOptions {
  readonly table?: string;
  /** Service/endpoint chains present in the table now (those no longer used are flushed). */
  readonly existingChains?: Iterable<string>;
  /** Affinity sets present in the table now (those no longer used are deleted). */
  readonly existingSets?: Iterable<string>;
  readonly masqueradeMark?: number;
  /**
   * What the previous successful transaction put in the kernel: when given, the transaction is
   * partial (chains whose rules did not change are left alone, set and map elements are added and
   * deleted one by one) and so costs in proportion to the change, not to the number of Services.
   * Omit it for a full resync.
   */
  readonly previous?: RulesetSnapshot;
}

/** The contents a transaction left in the kernel, for the next partial one. */
export interface RulesetSnapshot {
  /** Chain name -> its declaration and rules. */
  readonly chains: ReadonlyMap<string, string>;
  /** Set or map name -> its declaration. */
  readonly sets: ReadonlyMap<string, string>;
  /** Set or map name -> element key -> element. */
  readonly elements: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export interface RenderedRuleset {
  /** The `nft -f` input. */
  readonly text: string;
  /** Service and endpoint chains (names with "/") the ruleset fills. */
  readonly chains: ReadonlySet<string>;
  /** Affinity sets the ruleset uses. */
  readonly affinitySets: ReadonlySet<string>;
  /** Chains the ruleset flushed because nothing uses them any more (delete them later). */
  readonly staleChains: readonly string[];
  readonly ruleCount: number;
  readonly elementCount: number;
  /** Chains (re)written by this transaction (all of them unless `previous` was given). */
  readonly writtenChains: number;
  readonly snapshot: RulesetSnapshot;
}

export function nftFamily(family: IPFamily): "ip" | "ip6" {
  return family === "IPv6" ? "ip6" : "ip";
}

/** True for chains rendered per service or endpoint (upstream: their names hold a "/"). */
export function isServiceChainName(name: string): boolean {
  return name.includes("/");
}

export function isAffinitySetName(name: string): boolean {
  return name.startsWith("affinity-");
}

const BASE_CHAINS: readonly { name: string; type: "filter" | "nat"; hook: string; priority: string }[] = [
  { name: "filter-prerouting", type: "filter", hook: "prerouting", priority: "-110" },
  { name: "filter-input", type: "filter", hook: "input", priority: "-110" },
  { name: "filter-forward", type: "filter", hook: "forward", priority: "-110" },
  { name: "filter-output", type: "filter", hook: "output", priority: "-110" },
  { name: "nat-prerouting", type: "nat", hook: "prerouting", priority: "-100" },
  { name: "nat-output", type: "nat", hook: "output", priority: "-100" },
  { name: "nat-postrouting", type: "nat", hook: "postrouting", priority: "100" },
];

/** Jumps from base chains: reject only works in input/forward/output hooks, so endpoints-check is not in prerouting. */
const JUMPS: readonly [from: string, match: string, to: string][] = [
  ["filter-input", "ct state new", "endpoints-check"],
  ["filter-forward", "ct state new", "endpoints-check"],
  ["filter-output", "ct state new", "endpoints-check"],
  ["filter-prerouting", "ct state new", "firewall-check"],
  ["filter-output", "ct state new", "firewall-check"],
  ["nat-output", "", "services"],
  ["nat-prerouting", "", "services"],
  ["nat-postrouting", "", "masquerading"],
];

/** A short hash before the readable name keeps names distinct and tells near-identical ones apart (upstream hashAndTruncate). */
function hashed(name: string): string {
  let out = hashCache.get(name);
  if (out === undefined) {
    const h = createHash("sha256").update(name).digest("hex").slice(0, 8).toUpperCase();
    const full = `${h}-${name}`;
    out = full.length > 240 ? `${full.slice(0, 237)}...` : full;
    if (hashCache.size > 100_000) hashCache.clear();
    hashCache.set(name, out);
  }
  return out;
}
/** Names are pure functions of their input; caching them keeps a sync of thousands of endpoints cheap. */
const hashCache = new Map<string, string>();

function portBase(sp: ServicePortState): string {
  return `${sp.namespace}/${sp.serviceName}/${sp.protocol}/${sp.portName}`;
}

export function serviceChainNames(sp: ServicePortState) {
  const base = hashed(portBase(sp));
  return { cluster: `service-${base}`, local: `local-${base}`, external: `external-${base}`, firewall: `firewall-${base}` };
}

function endpointBase(sp: ServicePortState, ep: ProxyEndpoint): string {
  return `${portBase(sp)}__${ep.ip.replaceAll(":", ".")}/${ep.port}`;
}

export function endpointChainName(sp: ServicePortState, ep: ProxyEndpoint): string {
  return `endpoint-${hashed(endpointBase(sp, ep))}`;
}

/** The affinity set's name holds the timeout, so a changed timeout is a new set (an existing set's timeout cannot change). */
export function affinitySetName(sp: ServicePortState, ep: ProxyEndpoint): string {
  return `affinity-${hashed(`${endpointBase(sp, ep)}/${sp.affinityTimeoutSeconds ?? 0}s`)}`;
}

function dnatTarget(ep: ProxyEndpoint): string {
  return ep.ip.includes(":") ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

function setLiteral(items: readonly string[]): string {
  return items.length === 1 ? items[0]! : `{ ${items.join(", ")} }`;
}

export function renderRuleset(state: ProxyState, options: RenderOptions = {}): RenderedRuleset {
  const fam = nftFamily(state.family);
  const T = `${fam} ${options.table ?? PROXY_TABLE}`;
  const ipX = fam;
  const addrType = state.family === "IPv6" ? "ipv6_addr" : "ipv4_addr";
  const noLocalhost = state.family === "IPv6" ? "ip6 daddr != ::1" : "ip daddr != 127.0.0.0/8";
  const mark = `0x${(options.masqueradeMark ?? MASQUERADE_MARK).toString(16).padStart(8, "0")}`;

  // First what the table should hold, then the commands (emit below).
  const chainSpecs = new Map<string, string>();
  const chainRules = new Map<string, string[]>();
  const setDecls = new Map<string, { decl: string; flush: boolean }>();
  const setElements = new Map<string, Map<string, string>>();
  const tail: string[] = [];
  const chains = new Set<string>();
  const affinitySets = new Set<string>();
  let ruleCount = 0;
  let elementCount = 0;

  const chain = (name: string, spec = "") => {
    if (chainSpecs.has(name)) return;
    chainSpecs.set(name, spec);
    chainRules.set(name, []);
    if (isServiceChainName(name)) chains.add(name);
  };
  const rule = (chainName: string, body: string) => {
    chainRules.get(chainName)!.push(body);
    ruleCount++;
  };
  const declareSet = (kind: "set" | "map", name: string, body: string, flush = true) => {
    setDecls.set(name, { decl: `${kind} ${name} { ${body} }`, flush });
    if (flush) setElements.set(name, new Map());
  };
  /** `item` is "key" (sets) or "key : verdict" (maps). */
  const element = (set: string, item: string) => {
    const sep = item.indexOf(" : ");
    setElements.get(set)!.set(sep < 0 ? item : item.slice(0, sep), item);
    elementCount++;
  };

  for (const bc of BASE_CHAINS) chain(bc.name, `{ type ${bc.type} hook ${bc.hook} priority ${bc.priority} ; }`);
  for (const name of ["endpoints-check", "firewall-check", "services", "masquerading", "mark-for-masquerade", "reject-chain"]) chain(name);
  for (const [from, match, to] of JUMPS) rule(from, `${match ? `${match} ` : ""}jump ${to}`);

  rule("mark-for-masquerade", `mark set mark or ${mark}`);
  rule("masquerading", `mark and ${mark} == 0 return`);
  rule("masquerading", `mark set mark xor ${mark}`);
  rule("masquerading", "masquerade fully-random");
  // TCP is refused with a reset: the kernel rate-limits the ICMP port-unreachable that a bare `reject`
  // sends (icmp_ratelimit: a burst of 6, then 1 per second per client), so a client retrying a Service
  // without endpoints would see every other connection time out instead of being refused.
  rule("reject-chain", "meta l4proto tcp reject with tcp reset");
  rule("reject-chain", "reject");

  const matchAll = state.nodePortAddresses === "all";
  const nodePortMatch = matchAll ? `fib daddr type local ${noLocalhost}` : `${ipX} daddr @nodeport-ips`;
  // "add" then "delete" removes a set that may or may not exist without failing.
  if (matchAll) tail.push(`add set ${T} nodeport-ips { type ${addrType} ; }`, `delete set ${T} nodeport-ips`);
  else {
    declareSet("set", "nodeport-ips", `type ${addrType} ; comment "IPs that accept NodePort traffic" ;`);
    for (const ip of state.nodePortAddresses as readonly string[]) element("nodeport-ips", ip);
  }
  const maps: [name: string, type: string][] = [
    ["no-endpoint-services", `${addrType} . inet_proto . inet_service : verdict`],
    ["no-endpoint-nodeports", "inet_proto . inet_service : verdict"],
    ["firewall-ips", `${addrType} . inet_proto . inet_service : verdict`],
    ["service-ips", `${addrType} . inet_proto . inet_service : verdict`],
    ["service-nodeports", "inet_proto . inet_service : verdict"],
  ];
  for (const [name, type] of maps) declareSet("map", name, `type ${type} ;`);
  rule("endpoints-check", `${ipX} daddr . meta l4proto . th dport vmap @no-endpoint-services`);
  rule("endpoints-check", `${nodePortMatch} meta l4proto . th dport vmap @no-endpoint-nodeports`);
  rule("firewall-check", `${ipX} daddr . meta l4proto . th dport vmap @firewall-ips`);
  rule("services", `${ipX} daddr . meta l4proto . th dport vmap @service-ips`);
  rule("services", `${nodePortMatch} meta l4proto . th dport vmap @service-nodeports`);

  const localSources = state.clusterCIDRs.length ? setLiteral(state.clusterCIDRs) : undefined;

  for (const sp of state.servicePorts) {
    const names = serviceChainNames(sp);
    const proto = sp.protocol;
    const usesClusterChain = sp.clusterEndpoints.length > 0;
    const usesLocalChain = sp.localEndpoints.length > 0;
    if (usesClusterChain) chain(names.cluster);
    if (usesLocalChain) chain(names.local);
    for (const ep of sp.reachableEndpoints) chain(endpointChainName(sp, ep));

    const internalChain = sp.internalPolicyLocal ? names.local : names.cluster;
    const hasInternal = sp.hasEndpoints && (!sp.internalPolicyLocal || usesLocalChain);
    const externalPolicyChain = sp.externalPolicyLocal ? names.local : names.cluster;
    const hasExternal = sp.hasEndpoints && (!sp.externalPolicyLocal || usesLocalChain);
    const usesExternalChain = sp.hasEndpoints && sp.externallyAccessible;
    if (usesExternalChain) chain(names.external);
    // Nothing anywhere: refuse at once. Endpoints elsewhere but none here for policy Local: drop.
    const internalVerdict = sp.hasEndpoints ? "drop" : "goto reject-chain";
    const externalVerdict = sp.hasEndpoints ? "drop" : "goto reject-chain";
    const key = (ip: string, port: number) => `${ip} . ${proto} . ${port}`;

    if (hasInternal) element("service-ips", `${key(sp.clusterIP, sp.port)} : goto ${internalChain}`);
    else element("no-endpoint-services", `${key(sp.clusterIP, sp.port)} : ${internalVerdict}`);

    for (const ip of sp.externalIPs) {
      if (sp.hasEndpoints) element("service-ips", `${key(ip, sp.port)} : goto ${names.external}`);
      if (!hasExternal) element("no-endpoint-services", `${key(ip, sp.port)} : ${externalVerdict}`);
    }

    const usesFirewall = sp.loadBalancerIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
    if (usesFirewall) {
      chain(names.firewall);
      // A VIP may be local to the node: requests from the node itself then come from the VIP.
      const sources = [...sp.loadBalancerSourceRanges, ...sp.loadBalancerIPs];
      rule(names.firewall, `${ipX} saddr != { ${sources.join(", ")} } drop`);
    }
    for (const ip of sp.loadBalancerIPs) {
      if (sp.hasEndpoints) element("service-ips", `${key(ip, sp.port)} : goto ${names.external}`);
      if (usesFirewall) element("firewall-ips", `${key(ip, sp.port)} : goto ${names.firewall}`);
      if (!hasExternal) element("no-endpoint-services", `${key(ip, sp.port)} : ${externalVerdict}`);
    }

    if (sp.nodePort) {
      if (sp.hasEndpoints) element("service-nodeports", `${proto} . ${sp.nodePort} : goto ${names.external}`);
      if (!hasExternal) element("no-endpoint-nodeports", `${proto} . ${sp.nodePort} : ${externalVerdict}`);
    }

    // Traffic to the ClusterIP from outside the pod network (the node, a routed client) is masqueraded.
    if (hasInternal && localSources) {
      rule(internalChain, `${ipX} daddr ${sp.clusterIP} ${proto} dport ${sp.port} ${ipX} saddr != ${localSources} jump mark-for-masquerade`);
    }

    if (usesExternalChain) {
      if (!sp.externalPolicyLocal) {
        // Endpoints may be on another node: masquerade so replies come back through this one.
        rule(names.external, "jump mark-for-masquerade");
      } else {
        // Pods reaching an external address behave as if they went out and came back: policy Cluster.
        if (localSources && usesClusterChain) rule(names.external, `${ipX} saddr ${localSources} goto ${names.cluster}`);
        // The node itself: its source address would be the VIP or node IP, so masquerade, policy Cluster.
        rule(names.external, "fib saddr type local jump mark-for-masquerade");
        if (usesClusterChain) rule(names.external, `fib saddr type local goto ${names.cluster}`);
      }
      if (hasExternal) rule(names.external, `goto ${externalPolicyChain}`);
    }

    if (sp.affinityTimeoutSeconds !== undefined) {
      for (const ep of sp.reachableEndpoints) {
        const set = affinitySetName(sp, ep);
        affinitySets.add(set);
        declareSet("set", set, `type ${addrType} ; flags dynamic,timeout ; timeout ${sp.affinityTimeoutSeconds}s ;`, false);
      }
    }
    if (usesClusterChain) writeBalancing(sp, names.cluster, sp.clusterEndpoints);
    if (usesLocalChain) writeBalancing(sp, names.local, sp.localEndpoints);

    for (const ep of sp.reachableEndpoints) {
      const c = endpointChainName(sp, ep);
      // Hairpin: a pod reaching itself through its Service must see another source, or its reply never leaves it.
      rule(c, `${ipX} saddr ${ep.ip} jump mark-for-masquerade`);
      if (sp.affinityTimeoutSeconds !== undefined) rule(c, `update @${affinitySetName(sp, ep)} { ${ipX} saddr }`);
      rule(c, `meta l4proto ${proto} dnat to ${dnatTarget(ep)}`);
    }
  }

  function writeBalancing(sp: ServicePortState, chainName: string, endpoints: readonly ProxyEndpoint[]) {
    if (sp.affinityTimeoutSeconds !== undefined) {
      for (const ep of endpoints) rule(chainName, `${ipX} saddr @${affinitySetName(sp, ep)} goto ${endpointChainName(sp, ep)}`);
    }
    const arms = endpoints.map((ep, i) => `${i} : goto ${endpointChainName(sp, ep)}`);
    rule(chainName, `numgen random mod ${endpoints.length} vmap { ${arms.join(", ")} }`);
  }

  // Emit: declarations, then rules, then elements, so that everything exists before it is referred to.
  const prev = options.previous;
  const decls: string[] = [`add table ${T} { comment "lite service proxy" ; }`];
  const rules: string[] = [];
  const deletions: string[] = [];
  const elements: string[] = [];
  const chainContents = new Map<string, string>();
  let writtenChains = 0;
  for (const [name, spec] of chainSpecs) {
    const body = chainRules.get(name)!;
    const content = `${spec}\n${body.join("\n")}`;
    chainContents.set(name, content);
    if (prev?.chains.get(name) === content) continue;
    writtenChains++;
    decls.push(`add chain ${T} ${name}${spec ? ` ${spec}` : ""}`, `flush chain ${T} ${name}`);
    for (const r of body) rules.push(`add rule ${T} ${name} ${r}`);
  }
  const setContents = new Map<string, string>();
  for (const [name, { decl, flush }] of setDecls) {
    setContents.set(name, decl);
    const same = prev?.sets.get(name) === decl;
    if (!same) decls.push(`add ${decl.replace(" ", ` ${T} `)}`);
    if (!flush) continue;
    const items = setElements.get(name)!;
    const before = same ? prev!.elements.get(name) : undefined;
    if (!before) {
      decls.push(`flush ${decl.slice(0, decl.indexOf(" "))} ${T} ${name}`);
      for (const item of items.values()) elements.push(`add element ${T} ${name} { ${item} }`);
      continue;
    }
    for (const [key, item] of before) if (items.get(key) !== item) deletions.push(`delete element ${T} ${name} { ${key} }`);
    for (const [key, item] of items) if (before.get(key) !== item) elements.push(`add element ${T} ${name} { ${item} }`);
  }

  const staleChains: string[] = [];
  for (const name of options.existingChains ?? []) {
    if (isServiceChainName(name) && !chainSpecs.has(name)) {
      tail.push(`flush chain ${T} ${name}`);
      staleChains.push(name);
    }
  }
  for (const name of options.existingSets ?? []) {
    if (isAffinitySetName(name) && !affinitySets.has(name)) tail.push(`delete set ${T} ${name}`);
  }

  const text = [...decls, ...rules, ...deletions, ...elements, ...tail].join("\n") + "\n";
  const snapshot: RulesetSnapshot = { chains: chainContents, sets: setContents, elements: setElements };
  return { text, chains, affinitySets, staleChains, ruleCount, elementCount, writtenChains, snapshot };
}

/** A transaction deleting chains an earlier transaction flushed (they are no longer referenced). */
export function renderChainDeletion(family: IPFamily, names: readonly string[], table = PROXY_TABLE): string {
  return names.map((n) => `delete chain ${nftFamily(family)} ${table} ${n}`).join("\n") + "\n";
}

/** A transaction removing lite's proxy table; "add" first so it succeeds when the table is absent. */
export function renderTableRemoval(family: IPFamily, table = PROXY_TABLE): string {
  const T = `${nftFamily(family)} ${table}`;
  return `add table ${T}\ndelete table ${T}\n`;
}
