/**
 * Masquerading and forwarding for the pod network, in an nftables table of the plugin's own
 * (`table ip lite-flannel`; `lite killall` deletes every table named lite*). The rules are upstream
 * flannel's (its iptables FLANNEL-POSTRTG and FLANNEL-FWD chains), in order:
 *
 *   - packets kube-proxy marked for masquerading (0x4000) are left to it (no double NAT);
 *   - this node's pods to the cluster CIDR, and the cluster CIDR to this node's pods: kept (pod to pod);
 *   - from outside the cluster CIDR to this node's pods: kept (the pod sees the client);
 *   - from the cluster CIDR to anywhere else but multicast (224.0.0.0/4): masqueraded;
 *   - from outside the cluster CIDR to other nodes' pods: masqueraded (so replies come back here);
 *   - the forward chain accepts traffic from and to the cluster CIDR.
 *
 * The table is written whole in one nft transaction (add, delete, define), so it is never seen half
 * written, and read back with `nft list table` to repair drift: the text below is what nft prints.
 */
import { mustRun, type CommandRunner } from "./command-runner.ts";

export const NFT_FAMILY = "ip";
export const NFT_TABLE = "lite-flannel";
/** kube-proxy's masquerade mark (upstream flannel's KubeProxyMark). */
export const KUBE_PROXY_MASQ_MARK = "0x00004000";

export function masqueradeRuleset(o: { clusterCIDR: string; podCIDR: string }): string {
  const { clusterCIDR: cluster, podCIDR: pod } = o;
  return [
    `table ${NFT_FAMILY} ${NFT_TABLE} {`,
    "\tchain postrtg {",
    "\t\ttype nat hook postrouting priority srcnat; policy accept;",
    `\t\tmeta mark & ${KUBE_PROXY_MASQ_MARK} == ${KUBE_PROXY_MASQ_MARK} return`,
    `\t\tip saddr ${pod} ip daddr ${cluster} return`,
    `\t\tip saddr ${cluster} ip daddr ${pod} return`,
    `\t\tip saddr != ${cluster} ip daddr ${pod} return`,
    `\t\tip saddr ${cluster} ip daddr != 224.0.0.0/4 masquerade fully-random`,
    `\t\tip saddr != ${cluster} ip daddr ${cluster} masquerade fully-random`,
    "\t}",
    "",
    "\tchain forward {",
    "\t\ttype filter hook forward priority filter; policy accept;",
    `\t\tip saddr ${cluster} accept`,
    `\t\tip daddr ${cluster} accept`,
    "\t}",
    "}",
    "",
  ].join("\n");
}

const normalize = (text: string) => text.split("\n").map((l) => l.trimEnd()).filter((l) => l.trim() !== "").join("\n");

/**
 * Makes the table hold exactly `ruleset`: reads it back and rewrites it atomically when it differs
 * (or is missing). Resolves true when it wrote.
 */
export async function ensureMasquerade(run: CommandRunner, ruleset: string): Promise<boolean> {
  const current = await run.run(["nft", "list", "table", NFT_FAMILY, NFT_TABLE]);
  if (current.code === 0 && normalize(current.stdout) === normalize(ruleset)) return false;
  const script = `add table ${NFT_FAMILY} ${NFT_TABLE}\ndelete table ${NFT_FAMILY} ${NFT_TABLE}\n${ruleset}`;
  await mustRun(run, ["nft", "-f", "-"], { stdin: script });
  return true;
}

/** Deletes the table if present; true when it was there. */
export async function deleteMasquerade(run: CommandRunner): Promise<boolean> {
  const r = await run.run(["nft", "list", "table", NFT_FAMILY, NFT_TABLE]);
  if (r.code !== 0) return false;
  await mustRun(run, ["nft", "delete", "table", NFT_FAMILY, NFT_TABLE]);
  return true;
}
