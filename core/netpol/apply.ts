/**
 * Side effects of the network policy controller: the bridge-netfilter switch that makes traffic
 * bridged on cni0 (pod to pod on one node) pass the `inet` forward hook, and removing the table.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { nftExecutor } from "../proxy/nft-exec.ts";
import { NETPOL_TABLE, renderTableRemoval } from "./nft-ruleset.ts";

const BRIDGE_SYSCTLS = ["/proc/sys/net/bridge/bridge-nf-call-iptables", "/proc/sys/net/bridge/bridge-nf-call-ip6tables"];

/**
 * Turns on bridge-nf-call-ip{,6}tables (as K3s' agent does): without it, packets between two pods
 * on the same bridge never reach the IP hooks and no policy applies to them. Loads br_netfilter
 * first when its sysctls are missing. Returns what is still wrong (empty: all set). The sysctls
 * belong to the network namespace lite runs in.
 */
export async function ensureBridgeNetfilter(): Promise<string[]> {
  if (!existsSync(BRIDGE_SYSCTLS[0]!)) {
    try {
      await Bun.spawn(["modprobe", "br_netfilter"], { stdout: "ignore", stderr: "ignore" }).exited;
    } catch {
      // No modprobe: reported below.
    }
  }
  const problems: string[] = [];
  for (const path of BRIDGE_SYSCTLS) {
    if (!existsSync(path)) { problems.push(`${path} is missing (br_netfilter not loaded)`); continue; }
    try {
      if (readFileSync(path, "utf8").trim() !== "1") writeFileSync(path, "1");
    } catch (err) {
      problems.push(`cannot set ${path}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** Removes lite's network policy table: `--disable-network-policy`. Absent is fine. */
export async function removeNetpolRules(options: { commandPrefix?: readonly string[]; table?: string } = {}): Promise<void> {
  await nftExecutor(options.commandPrefix).apply(renderTableRemoval(options.table ?? NETPOL_TABLE));
}
