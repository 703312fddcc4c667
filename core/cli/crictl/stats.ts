/** `stats [-a] [--id ID] [-p POD] [--label k=v] [-o json|yaml|table] [-s N] [ID]`: CRI ListContainerStats as crictl shows it. */
import type { ContainerStats } from "../../agent/cri/types.ts";
import { callOr, CrictlFailure, type CrictlContext } from "./client.ts";
import { outputFormat, parseFlags, parseLabels } from "./flags.ts";
import { humanSize, printResponse, tabwriter, truncatedId } from "./format.ts";

export async function stats(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [{ name: "all", short: "a", kind: "bool" }, { name: "id", kind: "string" }, { name: "pod", short: "p", kind: "string" },
    { name: "label", kind: "list" }, { name: "output", short: "o", kind: "string" }, { name: "seconds", short: "s", kind: "int" }]);
  const output = outputFormat(f.string("output"), ["json", "yaml", "table"], "table");
  const filter = { id: f.string("id") || f.positionals[0] || "", podSandboxId: f.string("pod") ?? "", labelSelector: parseLabels(f.list("label")) };
  const list = () => callOr("get container stats",
    async () => (await ctx.cri.call<{ stats: ContainerStats[] }>("RuntimeService", "ListContainerStats", { filter })).stats);
  const first = await list();
  if (output !== "table") {
    printResponse(ctx, output, "RuntimeService", "ListContainerStats", { stats: first });
    return 0;
  }
  const old = new Map(first.map((s) => [s.attributes.id, s]));
  await ctx.sleep((f.int("seconds") ?? 1) * 1000);
  const rows = [["CONTAINER", "NAME", "CPU %", "MEM", "DISK", "INODES", "SWAP"]];
  for (const s of await list()) {
    const cpu = s.cpu?.usageCoreNanoSeconds?.value ?? 0;
    const mem = s.memory?.workingSetBytes?.value ?? 0;
    if (!f.bool("all") && cpu === 0 && mem === 0) continue;
    const prev = old.get(s.attributes.id);
    if (!prev) continue;
    let cpuPerc = 0;
    if (cpu !== 0) {
      const duration = (s.cpu?.timestamp ?? 0) - (prev.cpu?.timestamp ?? 0);
      if (duration === 0) throw new CrictlFailure("get container stats: cpu stat is not updated during sample");
      cpuPerc = ((cpu - (prev.cpu?.usageCoreNanoSeconds?.value ?? 0)) / duration) * 100;
    }
    rows.push([truncatedId(s.attributes.id), s.attributes.metadata.name, cpuPerc.toFixed(2), humanSize(mem),
      humanSize(s.writableLayer?.usedBytes?.value ?? 0), String(s.writableLayer?.inodesUsed?.value ?? 0), humanSize(0)]);
  }
  // crictl clears the screen before every table (it is made for --watch); only on a terminal here.
  if (ctx.stdoutIsTty) ctx.out("\x1b[2J\x1b[H");
  ctx.out(tabwriter(rows));
  return 0;
}
