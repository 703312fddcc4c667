import { ConfigError } from "./config-error.ts";
import type { FlagSpec } from "./flags.ts";

export interface ParsedArgv {
  /** Raw values by flag name: strings, or string[] for list flags, or booleans. */
  readonly values: Map<string, unknown>;
  readonly help: boolean;
}

/**
 * Parses `--name value`, `--name=value`, `-x value`, bare boolean flags and `--flag=false`.
 * List flags accumulate and split on commas. No positional arguments are accepted.
 */
export function parseArgv(commandName: string, argv: readonly string[], flags: readonly FlagSpec[]): ParsedArgv {
  const byName = new Map<string, FlagSpec>();
  for (const f of flags) {
    byName.set(`--${f.name}`, f);
    if (f.short) byName.set(`-${f.short}`, f);
  }
  const values = new Map<string, unknown>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("-") || arg === "-" || arg === "--") {
      throw new ConfigError(`unexpected argument ${JSON.stringify(arg)} (flags only; see lite ${commandName} --help)`);
    }
    const eq = arg.indexOf("=");
    const key = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = byName.get(key);
    if (!flag) throw new ConfigError(unknownFlagMessage(commandName, key, flags));
    let text: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (flag.type.schema.expects === "boolean" && text === undefined) {
      values.set(flag.name, true);
      continue;
    }
    if (text === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) {
        throw new ConfigError(`flag --${flag.name} needs a value (${flag.type.expected})`);
      }
      text = next;
      i++;
    }
    const decoded = flag.type.decode(text);
    if (flag.type.list) {
      const previous = (values.get(flag.name) as unknown[] | undefined) ?? [];
      values.set(flag.name, [...previous, ...(decoded as unknown[])]);
    } else {
      values.set(flag.name, decoded);
    }
  }
  return { values, help };
}

function unknownFlagMessage(commandName: string, key: string, flags: readonly FlagSpec[]): string {
  const bare = key.replace(/^-+/, "");
  const suggestion = flags
    .map((f) => ({ name: f.name, distance: editDistance(bare, f.name) }))
    .sort((a, b) => a.distance - b.distance)[0];
  const hint = suggestion && suggestion.distance <= Math.max(2, Math.floor(bare.length / 3)) ? `; did you mean --${suggestion.name}?` : "";
  return `unknown flag ${key}${hint} (see lite ${commandName} --help)`;
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
