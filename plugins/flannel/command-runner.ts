/**
 * How the node half changes the host's network: the iproute2 (`ip`, `bridge`) and `nft` command
 * lines, run with Bun.spawn. A runner may be bound to a named network namespace (`ip netns add`):
 * `ip` and `bridge` then get `-n NS`, anything else runs under `ip netns exec NS`. Tests build
 * "nodes" out of namespaces this way; lite itself runs in the namespace it was started in.
 */

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CommandRunner {
  /** The namespace every command runs in (undefined: the caller's). */
  readonly netns?: string;
  /** Runs argv (optionally feeding stdin) and resolves with its outcome; never rejects for a non-zero exit. */
  run(argv: readonly string[], options?: { stdin?: string }): Promise<CommandResult>;
}

/** A command that exited non-zero, with its words on stderr. */
export class CommandError extends Error {
  constructor(readonly argv: readonly string[], readonly result: CommandResult) {
    super(`${argv.join(" ")}: ${result.stderr.trim() || `exit code ${result.code}`}`);
    this.name = "CommandError";
  }
}

export function createCommandRunner(options: { netns?: string } = {}): CommandRunner {
  const { netns } = options;
  const wrap = (argv: readonly string[]): string[] => {
    if (!netns) return [...argv];
    const [cmd, ...rest] = argv;
    if (cmd === "ip" || cmd === "bridge") return [cmd, "-n", netns, ...rest];
    return ["ip", "netns", "exec", netns, ...argv];
  };
  return {
    netns,
    async run(argv, opts = {}) {
      const full = wrap(argv);
      let proc;
      try {
        proc = Bun.spawn(full, { stdin: opts.stdin === undefined ? "ignore" : "pipe", stdout: "pipe", stderr: "pipe" });
      } catch (err) {
        return { code: 127, stdout: "", stderr: `cannot run ${full[0]}: ${(err as Error).message}` };
      }
      if (opts.stdin !== undefined && proc.stdin) {
        proc.stdin.write(opts.stdin);
        await proc.stdin.end();
      }
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      return { code, stdout, stderr };
    },
  };
}

/** Runs argv and returns its stdout; rejects with CommandError on a non-zero exit. */
export async function mustRun(runner: CommandRunner, argv: readonly string[], options?: { stdin?: string }): Promise<string> {
  const r = await runner.run(argv, options);
  if (r.code !== 0) throw new CommandError(argv, r);
  return r.stdout;
}

/** Runs an `ip -j ...`-style command and parses its JSON ([] for empty output). */
export async function runJson<T>(runner: CommandRunner, argv: readonly string[]): Promise<T[]> {
  const out = (await mustRun(runner, argv)).trim();
  if (!out) return [];
  return JSON.parse(out) as T[];
}
