/**
 * Removes what the node half created on a node: flannel.1 (its routes, neighbours and FDB entries
 * go with it), the routes it installed on other devices (host-gw, protocol 108), the nftables
 * table lite-flannel and, given the CNI directory, its conflist. For uninstalling lite or taking a
 * node out of the cluster; a plain stop of the plugin keeps all of it, so running pods keep their
 * network across a restart. The cni0 bridge belongs to the pods' runtime and is not touched here
 * (`lite killall` removes it with the pods). Idempotent.
 */
import { rmSync, existsSync } from "node:fs";
import { createCommandRunner, mustRun, runJson, type CommandRunner } from "./command-runner.ts";
import { CONFLIST_NAME } from "./cni-config.ts";
import { deleteVxlanDevice } from "./host-network.ts";
import { deleteMasquerade, NFT_FAMILY, NFT_TABLE } from "./masquerade.ts";
import { ROUTE_PROTOCOL, VXLAN_DEVICE } from "./routing-plan.ts";

/** Returns one line per thing removed. */
export async function uninstallFlannel(o: { runner?: CommandRunner; cniConfDir?: string } = {}): Promise<string[]> {
  const run = o.runner ?? createCommandRunner();
  const done: string[] = [];
  if (o.cniConfDir && existsSync(`${o.cniConfDir}/${CONFLIST_NAME}`)) {
    rmSync(`${o.cniConfDir}/${CONFLIST_NAME}`, { force: true });
    done.push(`removed ${o.cniConfDir}/${CONFLIST_NAME}`);
  }
  if (await deleteVxlanDevice(run)) done.push(`deleted ${VXLAN_DEVICE}`);
  const routes = await runJson<{ dst: string; gateway?: string; dev?: string }>(run, ["ip", "-j", "-4", "route", "show", "proto", ROUTE_PROTOCOL]);
  for (const r of routes) {
    await mustRun(run, ["ip", "route", "del", r.dst, ...(r.gateway ? ["via", r.gateway] : []), ...(r.dev ? ["dev", r.dev] : []), "proto", ROUTE_PROTOCOL]);
    done.push(`deleted route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ""}${r.dev ? ` dev ${r.dev}` : ""}`);
  }
  if (await deleteMasquerade(run)) done.push(`deleted nftables table ${NFT_FAMILY} ${NFT_TABLE}`);
  return done;
}
