/**
 * The allocator setting the long-running commands need, and the one re-execution that applies it.
 *
 * `lite server` and `lite agent` run with mimalloc's purge delay disabled (MIMALLOC_PURGE_DELAY=-1):
 * memory the allocator frees stays committed for its next use instead of being handed back to the
 * kernel 10 ms later (mimalloc's default). A server answers requests spread out in time (1,000
 * nodes renewing Leases are 100 isolated writes a second), so with the default every request
 * faulted its working memory in again; on the reference VM a page fault costs ~19 µs, and 1,000
 * heartbeating nodes cost 32 % of a core with the default and 23-24 % without purging
 * (bench/scheduler/RESULTS.md). The price is that the process keeps its peak allocator memory
 * (~+5 % RSS after 8,000 creates, measured).
 *
 * mimalloc reads its options from the environment once, when the process starts, so the process
 * re-executes itself (execve: same PID, same arguments) with the variable set. An operator's own
 * MIMALLOC_PURGE_DELAY is kept as it is, and other commands are never re-executed.
 */
const PURGE_DELAY_VARIABLE = "MIMALLOC_PURGE_DELAY";
const LONG_RUNNING = new Set(["server", "agent"]);

export interface Reexecution {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * What to execve, or undefined to run as is. `argv` is process.argv: in a compiled binary
 * `["bun", "/$bunfs/root/<name>", ...arguments]` (the executable is `execPath` itself); from
 * source `[bun, script, ...arguments]`.
 */
export function allocatorReexecution(argv: readonly string[], env: Record<string, string | undefined>, execPath: string): Reexecution | undefined {
  if (!LONG_RUNNING.has(argv[2] ?? "") || env[PURGE_DELAY_VARIABLE] !== undefined) return undefined;
  const compiled = (argv[1] ?? "").startsWith("/$bunfs/");
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  return {
    file: execPath,
    args: [execPath, ...(compiled ? [] : [argv[1] ?? ""]), ...argv.slice(2)],
    env: { ...clean, [PURGE_DELAY_VARIABLE]: "-1" },
  };
}
