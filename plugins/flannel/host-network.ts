/**
 * Reading and changing the node's network through iproute2: the external interface flannel sends
 * pod traffic over, the flannel.1 VXLAN device, and the forwarding state of routing-plan.ts.
 */
import { isIpv4 } from "./annotations.ts";
import { CommandError, mustRun, runJson, type CommandRunner } from "./command-runner.ts";
import type { ActualState } from "./routing-plan.ts";
import { ROUTE_PROTOCOL, VXLAN_DEVICE, VXLAN_OVERHEAD, VXLAN_PORT, VXLAN_VNI } from "./routing-plan.ts";

interface IpAddrLink {
  ifname: string;
  mtu: number;
  flags?: string[];
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

interface IpLink {
  ifname: string;
  mtu: number;
  address?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; link?: string; port?: number; learning?: boolean } };
}

/** The interface pod traffic leaves by and the address other nodes reach it at (upstream: the external interface and public IP). */
export interface ExternalInterface {
  readonly name: string;
  readonly address: string;
  readonly mtu: number;
}

/**
 * Picks the external interface as K3s tells flannel to: `iface` (an interface name, or an IPv4
 * address one of them holds) when given, with its first IPv4 address; else the interface holding
 * the node IP; else the interface of the default route.
 */
export async function findExternalInterface(run: CommandRunner, o: { iface?: string; nodeIP?: string }): Promise<ExternalInterface> {
  const links = await runJson<IpAddrLink>(run, ["ip", "-j", "-4", "addr", "show"]);
  const v4 = (l: IpAddrLink) => (l.addr_info ?? []).filter((a) => a.family === "inet" && a.local).map((a) => a.local!);
  const pick = (l: IpAddrLink, address: string): ExternalInterface => ({ name: l.ifname, address, mtu: l.mtu });
  if (o.iface) {
    if (isIpv4(o.iface)) {
      const l = links.find((x) => v4(x).includes(o.iface!));
      if (!l) throw new Error(`flannel interface: no interface has the address ${o.iface} (--flannel-iface)`);
      return pick(l, o.iface);
    }
    const l = links.find((x) => x.ifname === o.iface);
    if (!l) {
      const all = await runJson<IpAddrLink>(run, ["ip", "-j", "link", "show"]);
      throw new Error(all.some((x) => x.ifname === o.iface)
        ? `flannel interface ${o.iface} has no IPv4 address (--flannel-iface)`
        : `flannel interface ${o.iface} does not exist (--flannel-iface)`);
    }
    const address = v4(l)[0];
    if (!address) throw new Error(`flannel interface ${o.iface} has no IPv4 address (--flannel-iface)`);
    return pick(l, address);
  }
  if (o.nodeIP && isIpv4(o.nodeIP)) {
    const l = links.find((x) => v4(x).includes(o.nodeIP!));
    if (l) return pick(l, o.nodeIP);
    throw new Error(`no interface holds the node IP ${o.nodeIP}; set --flannel-iface or --node-ip`);
  }
  const defaults = await runJson<{ dev?: string }>(run, ["ip", "-j", "-4", "route", "show", "default"]);
  for (const d of defaults) {
    const l = links.find((x) => x.ifname === d.dev);
    const address = l && v4(l)[0];
    if (l && address) return pick(l, address);
  }
  throw new Error("no node IP and no default route to find the flannel interface by; set --flannel-iface or --node-ip");
}

async function linkByName(run: CommandRunner, name: string): Promise<IpLink | undefined> {
  const r = await run.run(["ip", "-j", "-d", "link", "show", "dev", name]);
  if (r.code !== 0) {
    if (/does not exist|Cannot find device/.test(r.stderr)) return undefined;
    throw new CommandError(["ip", "-j", "-d", "link", "show", "dev", name], r);
  }
  return (JSON.parse(r.stdout || "[]") as IpLink[])[0];
}

export async function deviceExists(run: CommandRunner, name: string): Promise<boolean> {
  return (await linkByName(run, name)) !== undefined;
}

export interface VxlanDevice {
  readonly name: string;
  readonly mac: string;
  readonly mtu: number;
  /** What was changed to get here (empty when the device was already right). */
  readonly changes: readonly string[];
}

/**
 * Makes flannel.1 what upstream flannel makes it: VXLAN VNI 1 on UDP 8472 from the external
 * interface's address, no learning, MTU = the interface's minus 50, the node's subnet address as
 * its only IPv4 address (/32, so no subnet route), up. An existing device with another VNI, local
 * address, lower device or port is recreated. A new device takes `mac` (the VtepMAC published
 * before) when given, so the other nodes' FDB entries stay right across a restart.
 */
export async function ensureVxlanDevice(run: CommandRunner, o: { external: ExternalInterface; address: string; mac?: string }): Promise<VxlanDevice> {
  const changes: string[] = [];
  const mtu = o.external.mtu - VXLAN_OVERHEAD;
  let link = await linkByName(run, VXLAN_DEVICE);
  const info = link?.linkinfo?.info_data;
  const incompatible = link && (link.linkinfo?.info_kind !== "vxlan" ? `it is a ${link.linkinfo?.info_kind ?? "plain"} device`
    : info?.id !== VXLAN_VNI ? `VNI ${info?.id}`
    : info?.local !== undefined && info.local !== o.external.address ? `local address ${info.local}`
    : info?.link !== undefined && info.link !== o.external.name ? `lower device ${info.link}`
    : info?.port !== undefined && info.port !== VXLAN_PORT ? `port ${info.port}`
    : info?.learning === true ? "learning on"
    : undefined);
  if (link && incompatible) {
    await mustRun(run, ["ip", "link", "delete", VXLAN_DEVICE]);
    changes.push(`deleted ${VXLAN_DEVICE} (${incompatible})`);
    link = undefined;
  }
  if (!link) {
    await mustRun(run, [
      "ip", "link", "add", VXLAN_DEVICE, ...(o.mac ? ["address", o.mac] : []), "mtu", String(mtu),
      "type", "vxlan", "id", String(VXLAN_VNI), "local", o.external.address, "dev", o.external.name, "dstport", String(VXLAN_PORT), "nolearning",
    ]);
    changes.push(`created ${VXLAN_DEVICE} (VNI ${VXLAN_VNI}, local ${o.external.address} on ${o.external.name}, port ${VXLAN_PORT}, MTU ${mtu})`);
    link = await linkByName(run, VXLAN_DEVICE);
    if (!link) throw new Error(`${VXLAN_DEVICE} vanished right after it was created`);
  } else if (link.mtu !== mtu) {
    await mustRun(run, ["ip", "link", "set", "dev", VXLAN_DEVICE, "mtu", String(mtu)]);
    changes.push(`set ${VXLAN_DEVICE} MTU ${mtu}`);
  }
  const [addrLink] = await runJson<IpAddrLink>(run, ["ip", "-j", "-4", "addr", "show", "dev", VXLAN_DEVICE]);
  const have = (addrLink?.addr_info ?? []).filter((a) => a.family === "inet" && a.local).map((a) => `${a.local}/${a.prefixlen}`);
  const want = `${o.address}/32`;
  for (const a of have) {
    if (a === want) continue;
    await mustRun(run, ["ip", "addr", "del", a, "dev", VXLAN_DEVICE]);
    changes.push(`removed ${a} from ${VXLAN_DEVICE}`);
  }
  if (!have.includes(want)) {
    await mustRun(run, ["ip", "addr", "add", want, "dev", VXLAN_DEVICE]);
    changes.push(`gave ${VXLAN_DEVICE} ${want}`);
  }
  if (!(link.flags ?? []).includes("UP")) {
    await mustRun(run, ["ip", "link", "set", "dev", VXLAN_DEVICE, "up"]);
    changes.push(`set ${VXLAN_DEVICE} up`);
  }
  if (!link.address) throw new Error(`${VXLAN_DEVICE} has no MAC address`);
  return { name: VXLAN_DEVICE, mac: link.address.toLowerCase(), mtu, changes };
}

/** Deletes flannel.1 if present; true when it was there. */
export async function deleteVxlanDevice(run: CommandRunner): Promise<boolean> {
  if (!(await deviceExists(run, VXLAN_DEVICE))) return false;
  await mustRun(run, ["ip", "link", "delete", VXLAN_DEVICE]);
  return true;
}

/** The forwarding state the kernel holds: routes with flannel's protocol, and flannel.1's neighbours and FDB. */
export async function readActualState(run: CommandRunner, hasVxlanDevice: boolean): Promise<ActualState> {
  const routes = await runJson<ActualState["routes"][number]>(run, ["ip", "-j", "-4", "route", "show", "proto", ROUTE_PROTOCOL]);
  if (!hasVxlanDevice) return { routes, neighbours: [], fdb: [] };
  const neighbours = await runJson<ActualState["neighbours"][number]>(run, ["ip", "-j", "-4", "neigh", "show", "dev", VXLAN_DEVICE]);
  const fdb = await runJson<ActualState["fdb"][number]>(run, ["bridge", "-j", "fdb", "show", "dev", VXLAN_DEVICE]);
  return { routes, neighbours, fdb };
}
