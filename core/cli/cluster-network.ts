/**
 * The network of a `lite cluster`: a hub namespace `lc-<name>-hub` holding a bridge, one namespace
 * `lc-<name>-<node>` per node joined to the bridge by a veth pair (`eth0` inside), and one veth
 * pair from the host into the hub (`lc<hash>` on the host side, holding `<subnet>.1/24`) so the
 * host reaches the node IPs for kubectl. The host's own links are untouched apart from that one
 * device. No namespace has a default route: the nodes reach each other and the host, nothing
 * else. Each node routes the service CIDR into an empty bridge (`svcnull0`), so Service traffic
 * the proxy refuses is refused rather than unreachable, as on a real node with a default route.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

export const NETNS_DIR = "/run/netns";
/** The service CIDR routed into svcnull0 in every node (lite's default). */
const SERVICE_CIDR = "10.43.0.0/16";

export interface CommandResult { code: number; stdout: string; stderr: string }

export function sh(argv: readonly string[], timeoutMs = 30_000): CommandResult {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: timeoutMs });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? (r.error ? String(r.error) : "") };
}

function must(argv: readonly string[]): void {
  const r = sh(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.trim() || `exit ${r.code}`}`);
}

export const hubNetns = (cluster: string) => `lc-${cluster}-hub`;
export const nodeNetns = (cluster: string, node: string) => `lc-${cluster}-${node}`;
/** The host end of the host-hub veth pair: `lc` + 8 hex of sha256(name), within IFNAMSIZ. */
export const hostLink = (cluster: string) => `lc${new Bun.CryptoHasher("sha256").update(cluster).digest("hex").slice(0, 8)}`;

/** Every network namespace of this cluster that exists (node namespaces and the hub). */
export function clusterNetnses(cluster: string): string[] {
  if (!existsSync(NETNS_DIR)) return [];
  const prefix = `lc-${cluster}-`;
  // Node names never contain "-hub" twice; a cluster "a" must not match cluster "a-b"'s namespaces,
  // so only names whose rest is a node name of ours (server-N, agent-N) or "hub" count.
  return readdirSync(NETNS_DIR).filter((n) => n.startsWith(prefix) && /^(hub|server-\d+|agent-\d+)$/.test(n.slice(prefix.length)));
}

export function linkExists(name: string, netns?: string): boolean {
  return sh(netns ? ["ip", "-n", netns, "link", "show", name] : ["ip", "link", "show", name]).code === 0;
}

/** A /24 of 10.250.0.0/16 that no host route (and no cluster in `taken`) uses yet: the third octet. */
export function freeSubnet(taken: ReadonlySet<string>): number {
  const routes = sh(["ip", "-4", "route", "show"]).stdout + sh(["ip", "-4", "addr", "show"]).stdout;
  const start = Math.floor(Math.random() * 256);
  for (let i = 0; i < 256; i++) {
    const third = (start + i) % 256;
    if (!routes.includes(`10.250.${third}.`) && !taken.has(`10.250.${third}.0/24`)) return third;
  }
  throw new Error("no free /24 left in 10.250.0.0/16 for a cluster network");
}

/** Creates the hub namespace, its bridge and the host's veth into it. */
export function createHub(cluster: string, hostIP: string): void {
  const hub = hubNetns(cluster);
  const link = hostLink(cluster);
  must(["ip", "netns", "add", hub]);
  must(["ip", "-n", hub, "link", "set", "lo", "up"]);
  must(["ip", "-n", hub, "link", "add", "br0", "type", "bridge"]);
  must(["ip", "-n", hub, "link", "set", "br0", "up"]);
  must(["ip", "link", "add", link, "type", "veth", "peer", "name", "uplink", "netns", hub]);
  must(["ip", "-n", hub, "link", "set", "uplink", "master", "br0"]);
  must(["ip", "-n", hub, "link", "set", "uplink", "up"]);
  must(["ip", "addr", "add", `${hostIP}/24`, "dev", link]);
  must(["ip", "link", "set", link, "up"]);
}

/** Creates a node's namespace, joined to the hub's bridge, with `ip/24` on its eth0. */
export function createNodeNetwork(cluster: string, node: string, index: number, ip: string): void {
  const hub = hubNetns(cluster);
  const ns = nodeNetns(cluster, node);
  const port = `v${index}`;
  must(["ip", "netns", "add", ns]);
  must(["ip", "-n", hub, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns]);
  must(["ip", "-n", hub, "link", "set", port, "master", "br0"]);
  must(["ip", "-n", hub, "link", "set", port, "up"]);
  must(["ip", "-n", ns, "link", "set", "lo", "up"]);
  must(["ip", "-n", ns, "addr", "add", `${ip}/24`, "dev", "eth0"]);
  must(["ip", "-n", ns, "link", "set", "eth0", "up"]);
  must(["ip", "-n", ns, "link", "add", "svcnull0", "type", "bridge"]);
  must(["ip", "-n", ns, "link", "set", "svcnull0", "up"]);
  must(["ip", "-n", ns, "route", "add", SERVICE_CIDR, "dev", "svcnull0"]);
}

/**
 * Deletes every namespace of the cluster (which takes their devices, routes and nftables tables
 * with them) and the host's link. Returns what it could not delete.
 */
export function deleteClusterNetwork(cluster: string): string[] {
  const problems: string[] = [];
  for (const ns of clusterNetnses(cluster)) {
    const r = sh(["ip", "netns", "del", ns]);
    if (r.code !== 0) problems.push(`could not delete network namespace ${ns}: ${r.stderr.trim()}`);
  }
  const link = hostLink(cluster);
  if (linkExists(link)) {
    const r = sh(["ip", "link", "del", link]);
    // The link is one end of a veth pair whose other end was in a namespace just deleted: the
    // kernel may remove it between the check and the delete, which is the outcome wanted.
    if (r.code !== 0 && linkExists(link)) problems.push(`could not delete link ${link}: ${r.stderr.trim()}`);
  }
  return problems;
}
