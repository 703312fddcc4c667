/**
 * Renders a network policy state as one `nft -f` transaction that replaces lite's table
 * `inet lite-netpol` whole (add, delete, declare: the kernel swaps old for new atomically, so no
 * packet sees a half-written policy). Pure.
 *
 * Layout:
 * - base chain `forward` (hook forward, priority filter, policy accept). It sees routed pod traffic
 *   (cross-node over flannel, from outside) and, through br_netfilter, traffic bridged between
 *   pods on cni0. Traffic from the node itself (output hook) and to it (input hook) never passes
 *   here, so the node always reaches its pods (kubelet probes) and pods always reach their node.
 *   Rules, only when at least one pod of this node is isolated:
 *   `ct state established,related accept` (replies of allowed connections), then
 *   `ip saddr vmap @egress-ip` (this node's egress-isolated pods → their egress chain) and
 *   `ip daddr vmap @ingress-ip` (ingress-isolated pods → their ingress chain), and the same for ip6.
 *   With no isolated pod the chain is empty: nothing but the hook's call per packet.
 * - per pod chains `ingress-<hash>` / `egress-<hash>`, named by a hash of their rules so that pods
 *   with the same rules share one: each allow rule `return`s (the other direction is checked
 *   next), the last rule drops.
 */
import { createHash } from "node:crypto";
import { familyOfAddress, formatRange, type Family } from "./ip-ranges.ts";
import type { AllowRule, NetpolState, PortMatch, Protocol } from "./policy-model.ts";

export const NETPOL_TABLE = "lite-netpol";

export interface RenderOptions {
  readonly table?: string;
}

export interface RenderedNetpol {
  readonly text: string;
  /** Per-pod chains (shared ones counted once). */
  readonly chains: number;
  readonly rules: number;
  /** Map elements (one per isolated pod address and direction). */
  readonly elements: number;
}

type Direction = "ingress" | "egress";

/** Merged `port`/`lo-hi` elements of one protocol's matches; undefined: every port. */
function portElements(matches: readonly PortMatch[]): string[] | undefined {
  if (matches.some((m) => m.port === undefined)) return undefined;
  const ranges = matches.map((m) => [m.port!, m.endPort ?? m.port!] as const).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [lo, hi] of ranges) {
    const last = merged[merged.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  return merged.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`));
}

const PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];

/** The rule lines (without verdict) one allow rule needs. */
export function allowRuleMatches(rule: AllowRule, direction: Direction): string[] {
  const addrKey = direction === "ingress" ? "saddr" : "daddr";
  const addrs: string[] = [];
  if (rule.peers === "any") addrs.push("");
  else {
    for (const family of ["ip", "ip6"] as const satisfies readonly Family[]) {
      const elems = rule.peers.filter((r) => r.family === family).map(formatRange);
      if (elems.length) addrs.push(`${family} ${addrKey} { ${elems.join(", ")} }`);
    }
  }
  const ports: string[] = [];
  if (rule.ports === "any") ports.push("");
  else {
    for (const protocol of PROTOCOLS) {
      const matches = rule.ports.filter((p) => p.protocol === protocol);
      if (!matches.length) continue;
      const elems = portElements(matches);
      const proto = `meta l4proto ${protocol.toLowerCase()}`;
      ports.push(elems ? `${proto} th dport { ${elems.join(", ")} }` : proto);
    }
  }
  const out: string[] = [];
  for (const a of addrs) for (const p of ports) out.push([a, p].filter(Boolean).join(" "));
  return out;
}

/** The body of a pod's chain: one `return` per allowed match, then drop. */
export function chainRules(rules: readonly AllowRule[], direction: Direction): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const r of rules) {
    for (const m of allowRuleMatches(r, direction)) {
      const line = m ? `${m} return` : "return";
      if (!seen.has(line)) { seen.add(line); lines.push(line); }
    }
  }
  // Everything is allowed: no drop needed (kept as a chain so the layout does not change).
  if (!lines.includes("return")) lines.push("drop");
  return lines;
}

const chainName = (direction: Direction, lines: readonly string[]) =>
  `${direction}-${createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16)}`;

/** Deletes lite's network policy table (absent is fine). */
export function renderTableRemoval(table = NETPOL_TABLE): string {
  return `add table inet ${table}\ndelete table inet ${table}\n`;
}

export function renderNetpolRuleset(state: NetpolState, o: RenderOptions = {}): RenderedNetpol {
  const table = o.table ?? NETPOL_TABLE;
  const chains = new Map<string, readonly string[]>();
  // direction → family → pod address → chain
  const maps: Record<Direction, Record<Family, Map<string, string>>> = {
    ingress: { ip: new Map(), ip6: new Map() },
    egress: { ip: new Map(), ip6: new Map() },
  };
  for (const pod of state.pods) {
    for (const direction of ["ingress", "egress"] as const) {
      const rules = pod[direction];
      if (!rules) continue;
      const lines = chainRules(rules, direction);
      const name = chainName(direction, lines);
      chains.set(name, lines);
      for (const ip of pod.ips) maps[direction][familyOfAddress(ip)].set(ip, name);
    }
  }
  const out: string[] = [renderTableRemoval(table).trimEnd(), `table inet ${table} {`];
  let elements = 0;
  const forward: string[] = [];
  for (const direction of ["egress", "ingress"] as const) {
    for (const family of ["ip", "ip6"] as const) {
      const m = maps[direction][family];
      if (!m.size) continue;
      const name = `${direction}-${family}`;
      const elems = [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([ip, chain]) => `${ip} : jump ${chain}`);
      elements += elems.length;
      out.push(`\tmap ${name} {`, `\t\ttype ${family === "ip" ? "ipv4_addr" : "ipv6_addr"} : verdict`, `\t\telements = { ${elems.join(", ")} }`, "\t}");
      forward.push(`${family} ${direction === "ingress" ? "daddr" : "saddr"} vmap @${name}`);
    }
  }
  if (forward.length) forward.unshift("ct state established,related accept");
  out.push("\tchain forward {", "\t\ttype filter hook forward priority filter; policy accept;", ...forward.map((l) => `\t\t${l}`), "\t}");
  let rules = forward.length;
  for (const [name, lines] of [...chains].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    out.push(`\tchain ${name} {`, ...lines.map((l) => `\t\t${l}`), "\t}");
    rules += lines.length;
  }
  out.push("}");
  return { text: `${out.join("\n")}\n`, chains: chains.size, rules, elements };
}
