import { existsSync, readdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

/**
 * Network state lite's pods leave behind. Every command runs inside a given network namespace
 * (a path such as a pod netns file or a pinned /proc/<pid>/fd/<n>), or in the caller's when
 * the path is undefined, so killall reaches an agent that ran in its own namespace.
 */
function run(netns: string | undefined, argv: readonly string[]): { ok: boolean; stdout: string; stderr: string } {
  const full = netns ? ["nsenter", `--net=${netns}`, ...argv] : [...argv];
  const r = spawnSync(full[0]!, full.slice(1), { encoding: "utf8" });
  return { ok: r.status === 0, stdout: r.stdout ?? "", stderr: (r.stderr || r.error?.message || "").trim() };
}

interface IpLink { ifname: string; linkinfo?: { info_kind?: string } }

function links(netns: string | undefined, extra: readonly string[] = []): IpLink[] {
  const r = run(netns, ["ip", "-j", "-d", "link", "show", ...extra]);
  if (!r.ok || !r.stdout.trim()) return [];
  try {
    return JSON.parse(r.stdout) as IpLink[];
  } catch {
    return [];
  }
}

/** Deletes the veth devices inside a pod network namespace (which removes their host-side peers). */
export function deletePodVeths(podNetns: string): string[] {
  const done: string[] = [];
  for (const l of links(podNetns)) {
    if (l.linkinfo?.info_kind !== "veth") continue;
    const r = run(podNetns, ["ip", "link", "delete", l.ifname]);
    done.push(r.ok ? `deleted veth ${l.ifname} in pod netns ${podNetns} (and its host peer)` : `could not delete veth ${l.ifname} in ${podNetns}: ${r.stderr}`);
  }
  return done;
}

/** Bridge names in the CNI configuration lite's network plugin wrote (bridge plugin default: cni0). */
export function cniBridgeNames(cniConfDir: string): string[] {
  if (!existsSync(cniConfDir)) return [];
  const names = new Set<string>();
  for (const file of readdirSync(cniConfDir)) {
    if (!/\.(conflist|conf|json)$/.test(file)) continue;
    try {
      const conf = JSON.parse(readFileSync(`${cniConfDir}/${file}`, "utf8")) as { type?: string; bridge?: string; plugins?: { type?: string; bridge?: string }[] };
      for (const p of conf.plugins ?? [conf]) if (p.type === "bridge") names.add(p.bridge ?? "cni0");
    } catch {
      // not JSON: not a config lite wrote
    }
  }
  return [...names];
}

/**
 * Deletes a device when it exists; a bridge that still has ports (pods of another runtime in
 * the same namespace) is kept and reported instead.
 */
export function deleteDevice(netns: string | undefined, name: string): string | undefined {
  if (links(netns, [name]).length === 0) return undefined;
  const ports = links(netns, ["master", name]).map((l) => l.ifname);
  if (ports.length) return `kept ${name}: it still has ports ${ports.join(", ")} not created by this lite`;
  const r = run(netns, ["ip", "link", "delete", name]);
  return r.ok ? `deleted network device ${name}` : `could not delete ${name}: ${r.stderr}`;
}

/**
 * The routes route protocol 108 marks: flannel's host-gw and vxlan routes to other nodes' pod
 * CIDRs (plugins/flannel/routing-plan.ts). Routes on a vxlan device go with it; host-gw routes sit on
 * the node's own interface and stay unless deleted here.
 */
export const FLANNEL_ROUTE_PROTOCOL = "108";

/** Deletes every IPv4 route of protocol 108 (flannel's routes). */
export function deleteFlannelRoutes(netns: string | undefined): string[] {
  const r = run(netns, ["ip", "-j", "-4", "route", "show", "proto", FLANNEL_ROUTE_PROTOCOL]);
  if (!r.ok || !r.stdout.trim()) return [];
  let routes: { dst: string; dev?: string }[];
  try {
    routes = JSON.parse(r.stdout) as { dst: string; dev?: string }[];
  } catch {
    return [];
  }
  return routes.map((route) => {
    const del = run(netns, ["ip", "-4", "route", "del", route.dst, "proto", FLANNEL_ROUTE_PROTOCOL, ...(route.dev ? ["dev", route.dev] : [])]);
    return del.ok ? `deleted route ${route.dst}${route.dev ? ` dev ${route.dev}` : ""}` : `could not delete route ${route.dst}: ${del.stderr}`;
  });
}

/** Deletes nftables tables whose name starts with "lite" (every family). */
export function deleteLiteNftTables(netns: string | undefined): string[] {
  const r = run(netns, ["nft", "-j", "list", "tables"]);
  if (!r.ok) return r.stderr.includes("No such file") || r.stderr.includes("ENOENT") ? [] : [`could not list nftables tables: ${r.stderr}`];
  let parsed: { nftables?: { table?: { family: string; name: string } }[] };
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    return [];
  }
  const done: string[] = [];
  for (const entry of parsed.nftables ?? []) {
    const t = entry.table;
    if (!t || !t.name.startsWith("lite")) continue;
    const d = run(netns, ["nft", "delete", "table", t.family, t.name]);
    done.push(d.ok ? `deleted nftables table ${t.family} ${t.name}` : `could not delete nftables table ${t.family} ${t.name}: ${d.stderr}`);
  }
  return done;
}
