/**
 * Running `nft`: a transaction from text on stdin (`nft -f -`, all or nothing), and listing the
 * chains and sets of lite's table. `commandPrefix` runs it elsewhere, e.g.
 * `["ip", "netns", "exec", "NS"]` in tests.
 */
import type { IPFamily } from "./proxy-model.ts";
import { nftFamily, PROXY_TABLE, renderTableRemoval } from "./nft-ruleset.ts";

export class NftError extends Error {
  constructor(message: string, readonly stderr: string) {
    super(message);
    this.name = "NftError";
  }
}

export interface NftExecutor {
  /** Applies `text` as one transaction; throws NftError with nft's complaint. */
  apply(text: string): Promise<void>;
  /** Names of the chains and sets (not maps) in `table` of `family`; empty when the table is absent. */
  list(family: IPFamily, table?: string): Promise<{ chains: string[]; sets: string[] }>;
}

export function nftExecutor(commandPrefix: readonly string[] = []): NftExecutor {
  const run = async (args: string[], stdin?: string) => {
    const proc = Bun.spawn([...commandPrefix, "nft", ...args], {
      stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, stdout, stderr: stderr.trim() };
  };
  return {
    async apply(text) {
      const r = await run(["-f", "-"], text);
      if (r.code !== 0) {
        const lines = r.stderr.split("\n");
        const shown = lines.length > 24 ? [...lines.slice(0, 24), `... (${lines.length - 24} more lines)`] : lines;
        throw new NftError(`nft -f failed (exit ${r.code}): ${shown.join("\n")}`, r.stderr);
      }
    },
    async list(family, table = PROXY_TABLE) {
      const fam = nftFamily(family);
      const out = { chains: [] as string[], sets: [] as string[] };
      for (const kind of ["chains", "sets"] as const) {
        const r = await run(["-j", "-t", "list", kind, fam]);
        if (r.code !== 0) throw new NftError(`nft list ${kind} ${fam} failed (exit ${r.code}): ${r.stderr}`, r.stderr);
        const parsed = JSON.parse(r.stdout || "{}") as { nftables?: Record<string, { family?: string; table?: string; name?: string }>[] };
        for (const entry of parsed.nftables ?? []) {
          const obj = kind === "chains" ? entry.chain : entry.set;
          if (obj && obj.table === table && obj.name) out[kind].push(obj.name);
        }
      }
      return out;
    },
  };
}

/**
 * Removes lite's proxy tables (both families) in one transaction: for `lite killall`-style
 * clean-up and `--disable-kube-proxy`. Absent tables are fine.
 */
export async function removeProxyRules(options: { commandPrefix?: readonly string[]; table?: string } = {}): Promise<void> {
  const text = renderTableRemoval("IPv4", options.table) + renderTableRemoval("IPv6", options.table);
  await nftExecutor(options.commandPrefix).apply(text);
}
