/**
 * crictl-style flags (urfave/cli): `--name value`, `--name=value`, `-n value`, `-n=value`, bools
 * as `--all` / `--all=false`, short bools combined (`-aq`, `-it`), repeatable `--label`.
 */

export type FlagKind = "bool" | "string" | "int" | "list";
export interface FlagSpec { name: string; short?: string; kind: FlagKind }

export class FlagError extends Error {}

export interface ParsedFlags {
  positionals: string[];
  bool(name: string): boolean;
  string(name: string): string | undefined;
  int(name: string): number | undefined;
  list(name: string): string[];
  help: boolean;
}

/**
 * Parses `argv` against `specs`. `stopAtPositional` (exec): everything after the first positional
 * is positional too, as Go's flag package does.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], stopAtPositional = false): ParsedFlags {
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  let help = false;
  const find = (key: string) => specs.find((s) => key === `--${s.name}` || (s.short !== undefined && (key === `-${s.short}` || key === `--${s.short}`)));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") { positionals.push(...argv.slice(i + 1)); break; }
    if (!arg.startsWith("-") || arg === "-") {
      if (stopAtPositional) { positionals.push(...argv.slice(i)); break; }
      positionals.push(arg);
      continue;
    }
    if (arg === "-h" || arg === "--help") { help = true; continue; }
    const eq = arg.indexOf("=");
    const key = eq >= 0 ? arg.slice(0, eq) : arg;
    let spec = find(key);
    if (!spec && !arg.startsWith("--") && eq < 0 && arg.length > 2) {
      // Combined short bools: -aq, -it.
      const letters = arg.slice(1).split("");
      const all = letters.map((l) => specs.find((s) => s.short === l && s.kind === "bool"));
      if (all.every(Boolean)) { for (const s of all) values.set(s!.name, ["true"]); continue; }
    }
    if (!spec) throw new FlagError(`flag provided but not defined: ${key}`);
    let value: string | undefined;
    if (spec.kind === "bool") {
      value = eq >= 0 ? arg.slice(eq + 1) : "true";
      if (value !== "true" && value !== "false") throw new FlagError(`invalid boolean value ${JSON.stringify(value)} for flag ${key}`);
    } else {
      value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new FlagError(`flag needs an argument: ${key}`);
      if (spec.kind === "int" && !/^-?\d+$/.test(value)) throw new FlagError(`invalid value ${JSON.stringify(value)} for flag ${key}: must be an integer`);
    }
    values.set(spec.name, spec.kind === "list" ? [...(values.get(spec.name) ?? []), value] : [value]);
    spec = undefined;
  }
  return {
    positionals,
    help,
    bool: (name) => values.get(name)?.[0] === "true",
    string: (name) => values.get(name)?.[0],
    int: (name) => (values.has(name) ? Number(values.get(name)![0]) : undefined),
    list: (name) => values.get(name) ?? [],
  };
}

/** crictl's parseLabelStringSlice: `key=value` pairs. */
export function parseLabels(pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const s of pairs) {
    const pair = s.split("=");
    if (pair.length !== 2) throw new FlagError(`incorrectly specified label: ${s}`);
    labels[pair[0]!] = pair[1]!;
  }
  return labels;
}

/** An --output value among `allowed`, else a FlagError. */
export function outputFormat(value: string | undefined, allowed: readonly string[], fallback: string): string {
  const v = value || fallback;
  if (!allowed.includes(v)) throw new FlagError(`unsupported output format ${JSON.stringify(v)} (one of: ${allowed.join("|")})`);
  return v;
}

/** A --name / --namespace filter pattern as a RegExp (undefined when empty), else a FlagError. */
export function regex(pattern: string | undefined): RegExp | undefined {
  if (!pattern) return undefined;
  try { return new RegExp(pattern); } catch (e) { throw new FlagError(`invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`); }
}
