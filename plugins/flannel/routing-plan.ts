/**
 * The backends' forwarding state as data: what the kernel should hold for the other nodes' leases
 * (desired), what it holds (read back from `ip -j`), and the commands that turn one into the other.
 * Pure functions, so the level-triggered reconcile is tested without a kernel.
 *
 * vxlan (upstream flannel's vxlan backend, per remote node):
 *   route      <podCIDR> via <its subnet address> dev flannel.1 onlink
 *   neighbour  <its subnet address> lladdr <its VtepMAC> dev flannel.1 nud permanent
 *   fdb        <its VtepMAC> dev flannel.1 dst <its public IP> self permanent
 * host-gw (upstream's route network):
 *   route      <podCIDR> via <its public IP> dev <external interface>
 *
 * Routes carry protocol ROUTE_PROTOCOL, which is how they are told from everyone else's: any such
 * route not desired is deleted, on whatever device (a host-gw route after a switch to vxlan, a
 * departed node's route). Neighbour and FDB entries live on flannel.1, which only flannel writes.
 */
import type { Backend, Lease } from "./annotations.ts";
import { formatIpv4, parseIpv4Cidr } from "./ipv4-cidr.ts";

/** `proto 108` on every route this plugin installs (unassigned in iproute2's rt_protos). */
export const ROUTE_PROTOCOL = "108";
export const VXLAN_DEVICE = "flannel.1";
export const VXLAN_VNI = 1;
/** The Linux kernel's VXLAN port, which upstream flannel uses by default. */
export const VXLAN_PORT = 8472;
/** VXLAN's encapsulation overhead over IPv4: the device's MTU is the external interface's minus this. */
export const VXLAN_OVERHEAD = 50;

export interface Route { readonly dst: string; readonly via: string; readonly dev: string; readonly onlink: boolean }
export interface Neighbour { readonly ip: string; readonly mac: string }
export interface FdbEntry { readonly mac: string; readonly dst: string }

export interface ForwardingState {
  readonly routes: readonly Route[];
  /** On flannel.1. */
  readonly neighbours: readonly Neighbour[];
  /** On flannel.1. */
  readonly fdb: readonly FdbEntry[];
}

/** What the kernel holds, as `ip -j` reports it. */
export interface ActualState {
  /** `ip -j -4 route show proto 108` (so without a protocol field). */
  readonly routes: readonly { dst: string; gateway?: string; dev?: string; flags?: string[] }[];
  /** `ip -j neigh show dev flannel.1`. */
  readonly neighbours: readonly { dst: string; lladdr?: string; state?: string[] }[];
  /** `bridge -j fdb show dev flannel.1`. */
  readonly fdb: readonly { mac: string; dst?: string; state?: string; flags?: string[] }[];
}

/** The address flannel gives a node's subnet on flannel.1 and routes its traffic via: the subnet's network address. */
export function subnetAddress(podCIDR: string): string {
  const c = parseIpv4Cidr(podCIDR);
  if (!c) throw new Error(`pod CIDR ${JSON.stringify(podCIDR)} is not an IPv4 CIDR`);
  return formatIpv4(c.base);
}

/**
 * The forwarding state for `leases` (the other nodes'; this node's own is skipped by name).
 * Leases of another backend type are ignored, as upstream does, and so are those whose pod CIDR
 * overlaps this node's.
 */
export function desiredState(o: { backend: Backend; selfName: string; selfPodCIDR: string; externalInterface: string; leases: readonly Lease[] }): ForwardingState {
  const self = parseIpv4Cidr(o.selfPodCIDR);
  const peers = o.leases
    .filter((l) => l.nodeName !== o.selfName && l.backendType === o.backend && l.podCIDR !== o.selfPodCIDR)
    .filter((l) => {
      const c = parseIpv4Cidr(l.podCIDR);
      return c !== undefined && (!self || c.base + 2 ** (32 - c.prefix) <= self.base || self.base + 2 ** (32 - self.prefix) <= c.base);
    })
    .sort((a, b) => a.nodeName.localeCompare(b.nodeName));
  if (o.backend === "host-gw") {
    return { routes: peers.map((l) => ({ dst: l.podCIDR, via: l.publicIP, dev: o.externalInterface, onlink: false })), neighbours: [], fdb: [] };
  }
  const vx = peers.filter((l) => l.vtepMAC && (l.vni ?? VXLAN_VNI) === VXLAN_VNI);
  return {
    routes: vx.map((l) => ({ dst: l.podCIDR, via: subnetAddress(l.podCIDR), dev: VXLAN_DEVICE, onlink: true })),
    neighbours: vx.map((l) => ({ ip: subnetAddress(l.podCIDR), mac: l.vtepMAC! })),
    fdb: vx.map((l) => ({ mac: l.vtepMAC!, dst: l.publicIP })),
  };
}

const routeArgs = (r: Route) => [r.dst, "via", r.via, "dev", r.dev, ...(r.onlink ? ["onlink"] : []), "proto", ROUTE_PROTOCOL];

/**
 * The commands that take `actual` to `desired`, in a safe order: stale routes go first (so no
 * route points at a neighbour about to disappear), then stale neighbour and FDB entries; new
 * neighbour and FDB entries come before the routes that use them (upstream's order). Empty when
 * the kernel already holds exactly the desired state. `hasVxlanDevice` false skips flannel.1's
 * tables (there are none to read or write).
 */
export function planCommands(desired: ForwardingState, actual: ActualState, hasVxlanDevice = true): string[][] {
  const cmds: string[][] = [];
  const sameRoute = (a: ActualState["routes"][number], r: Route) =>
    a.dst === r.dst && a.gateway === r.via && a.dev === r.dev && (a.flags ?? []).includes("onlink") === r.onlink;
  for (const a of actual.routes) {
    if (desired.routes.some((r) => sameRoute(a, r))) continue;
    cmds.push(["ip", "route", "del", a.dst, ...(a.gateway ? ["via", a.gateway] : []), ...(a.dev ? ["dev", a.dev] : []), "proto", ROUTE_PROTOCOL]);
  }
  if (hasVxlanDevice) {
    for (const n of actual.neighbours) {
      if (!(n.state ?? []).includes("PERMANENT")) continue; // the kernel's own (incomplete, failed) entries
      if (desired.neighbours.some((d) => d.ip === n.dst)) continue; // replaced below if it differs
      cmds.push(["ip", "neigh", "del", n.dst, "dev", VXLAN_DEVICE]);
    }
    for (const f of actual.fdb) {
      if (!f.dst) continue;
      if (desired.fdb.some((d) => d.mac === f.mac.toLowerCase() && d.dst === f.dst)) continue;
      cmds.push(["bridge", "fdb", "del", f.mac, "dev", VXLAN_DEVICE, "dst", f.dst, "self"]);
    }
    for (const d of desired.neighbours) {
      const have = actual.neighbours.find((n) => n.dst === d.ip);
      if (have && have.lladdr?.toLowerCase() === d.mac && (have.state ?? []).includes("PERMANENT")) continue;
      cmds.push(["ip", "neigh", "replace", d.ip, "lladdr", d.mac, "dev", VXLAN_DEVICE, "nud", "permanent"]);
    }
    for (const d of desired.fdb) {
      if (actual.fdb.some((f) => f.mac.toLowerCase() === d.mac && f.dst === d.dst)) continue;
      cmds.push(["bridge", "fdb", "replace", d.mac, "dev", VXLAN_DEVICE, "dst", d.dst, "self", "permanent"]);
    }
  }
  for (const r of desired.routes) {
    if (actual.routes.some((a) => sameRoute(a, r))) continue;
    if (r.dev === VXLAN_DEVICE && !hasVxlanDevice) continue;
    cmds.push(["ip", "route", "replace", ...routeArgs(r)]);
  }
  return cmds;
}
