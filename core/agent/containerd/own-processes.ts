import { existsSync, readFileSync } from "node:fs";
import type { AgentPaths } from "../paths.ts";
import { containerdPidFile } from "./config.ts";
import { listProcesses, processArgv, type ProcessEntry } from "./process-table.ts";

/**
 * The containerd processes serving this data dir: the pid in the pid file (if its command line
 * still is containerd with this data dir's config) and any `containerd --config <this config>`.
 */
export function findOwnContainerd(paths: AgentPaths, processes: readonly ProcessEntry[] = listProcesses()): number[] {
  const isOurs = (argv: readonly string[] | undefined) =>
    !!argv && /(^|\/)containerd$/.test(argv[0] ?? "") && argv.includes(paths.containerdConfig);
  const pids = new Set<number>();
  const pidFile = containerdPidFile(paths);
  const recorded = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) : NaN;
  if (Number.isInteger(recorded) && recorded > 0 && isOurs(processArgv(recorded))) pids.add(recorded);
  for (const p of processes) if (isOurs(p.argv)) pids.add(p.pid);
  return [...pids];
}
