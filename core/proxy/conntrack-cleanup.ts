/**
 * Stale UDP conntrack entries (upstream pkg/proxy/conntrack CleanStaleEntries): UDP has no
 * connection end, so a flow keeps following its conntrack entry after its endpoint is gone, and a
 * Service that had no endpoints may hold entries that never reached one. After each successful
 * sync:
 * - an endpoint no longer used: delete the flows to each of the service's addresses that were
 *   DNATed to it (and its NodePort's);
 * - a service port that gained endpoints: delete the flows to its addresses (and NodePort).
 * TCP and SCTP need nothing: their connections fail and reconnect.
 */
import type { ProxyState, ServicePortState } from "./proxy-model.ts";

/** One `conntrack -D` argument list (without the binary). */
export type ConntrackDeletion = readonly string[];

function key(sp: ServicePortState): string {
  return `${sp.name}|${sp.protocol}`;
}

/** The deletions that `next` makes necessary after `prev` (pure). */
export function staleUdpFlows(prev: ProxyState | undefined, next: ProxyState): ConntrackDeletion[] {
  if (!prev) return [];
  const family = next.family === "IPv6" ? ["-f", "ipv6"] : [];
  const before = new Map(prev.servicePorts.filter((sp) => sp.protocol === "udp").map((sp) => [key(sp), sp]));
  const out: ConntrackDeletion[] = [];
  const seen = new Set<string>();
  const add = (args: string[]) => {
    const k = args.join(" ");
    if (!seen.has(k)) { seen.add(k); out.push([...family, ...args]); }
  };
  const addresses = (sp: ServicePortState) => [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs];

  for (const sp of next.servicePorts) {
    if (sp.protocol !== "udp") continue;
    const old = before.get(key(sp));
    const now = new Set(sp.reachableEndpoints.map((e) => `${e.ip}:${e.port}`));
    if ((!old || old.reachableEndpoints.length === 0) && sp.reachableEndpoints.length > 0) {
      for (const ip of addresses(sp)) add(["-D", "-p", "udp", "--orig-dst", ip, "--orig-port-dst", String(sp.port)]);
      if (sp.nodePort) add(["-D", "-p", "udp", "--orig-port-dst", String(sp.nodePort)]);
    }
    if (!old) continue;
    for (const ep of old.reachableEndpoints) {
      if (now.has(`${ep.ip}:${ep.port}`)) continue;
      for (const ip of addresses(old)) add(["-D", "-p", "udp", "--orig-dst", ip, "--orig-port-dst", String(old.port), "--dst-nat", ep.ip]);
      if (old.nodePort) add(["-D", "-p", "udp", "--orig-port-dst", String(old.nodePort), "--dst-nat", ep.ip]);
    }
  }
  // Service ports that went away altogether: their endpoints are gone for them too.
  const nextKeys = new Set(next.servicePorts.map(key));
  for (const [k, old] of before) {
    if (nextKeys.has(k)) continue;
    for (const ep of old.reachableEndpoints) {
      for (const ip of addresses(old)) add(["-D", "-p", "udp", "--orig-dst", ip, "--orig-port-dst", String(old.port), "--dst-nat", ep.ip]);
      if (old.nodePort) add(["-D", "-p", "udp", "--orig-port-dst", String(old.nodePort), "--dst-nat", ep.ip]);
    }
  }
  return out;
}

/**
 * Runs the deletions with the `conntrack` binary. "0 flow entries" (exit 1) is success; other
 * failures are returned as messages (the rules are in place either way).
 */
export async function deleteConntrackFlows(deletions: readonly ConntrackDeletion[], commandPrefix: readonly string[] = []): Promise<string[]> {
  const errors: string[] = [];
  for (const args of deletions) {
    const proc = Bun.spawn([...commandPrefix, "conntrack", ...args], { stdout: "ignore", stderr: "pipe" });
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0 && !/0 flow entries/.test(stderr)) errors.push(`conntrack ${args.join(" ")}: ${stderr.trim() || `exit ${code}`}`);
  }
  return errors;
}
