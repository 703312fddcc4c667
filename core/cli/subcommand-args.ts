import { ConfigError } from "../config/config-error.ts";

/** A flag of a small maintenance command (`lite certificate`, `lite secrets-encrypt`). */
export interface SubcommandFlag {
  readonly name: string;
  readonly short?: string;
  /** Repeatable; comma-separated values are split. */
  readonly list?: boolean;
}

export interface ParsedSubcommand {
  readonly help: boolean;
  readonly positionals: string[];
  readonly values: Map<string, string[]>;
}

/**
 * Parses `--flag value`, `--flag=value`, `-f value` and `-h/--help`; unknown flags are a
 * ConfigError naming `usageHint`.
 */
export function parseSubcommandArgs(argv: readonly string[], flags: readonly SubcommandFlag[], usageHint: string): ParsedSubcommand {
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") { help = true; continue; }
    if (!arg.startsWith("-")) { positionals.push(arg); continue; }
    const eq = arg.indexOf("=");
    const key = eq >= 0 ? arg.slice(0, eq) : arg;
    const flag = flags.find((f) => key === `--${f.name}` || (f.short && key === `-${f.short}`));
    if (!flag) throw new ConfigError(`unknown flag ${key} (see ${usageHint})`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(`flag ${key} needs a value`);
    const parts = flag.list ? value.split(",").map((v) => v.trim()).filter(Boolean) : [value];
    values.set(flag.name, flag.list ? [...(values.get(flag.name) ?? []), ...parts] : parts);
  }
  return { help, positionals, values };
}
