import * as v from "valibot";
import { ConfigError } from "./config-error.ts";
import { readConfigFile } from "./config-file.ts";
import { CONFIG_ONLY_KEYS, FLAGS, flagsFor, isLater, type Command, type FlagSpec } from "./flags.ts";
import { parseArgv } from "./parse-argv.ts";

/** Where a setting's value came from, in order of precedence: flag > env > file > default. */
export type Source = { kind: "flag"; label: string } | { kind: "env"; label: string } | { kind: "file"; label: string } | { kind: "default" };

export interface RawSettings {
  /** Validated typed values by flag name (defaults included). */
  readonly values: ReadonlyMap<string, unknown>;
  readonly sources: ReadonlyMap<string, Source>;
  /** `plugin-config` from the config file: plugin id → raw config (validated later by each plugin's schema). */
  readonly pluginConfig: Readonly<Record<string, unknown>>;
  readonly help: boolean;
}

/**
 * Gathers a command's settings from argv, the environment and the config file, validates every
 * value with valibot, and refuses flags that are not implemented yet. Throws ConfigError with one
 * line naming the flag/variable/key, what was given and what is expected.
 */
export function resolveSettings(command: Command, argv: readonly string[], environment: Record<string, string | undefined>): RawSettings {
  const flags = flagsFor(command);
  const parsed = parseArgv(command, argv, flags);
  if (parsed.help) return { values: new Map(), sources: new Map(), pluginConfig: {}, help: true };

  const values = new Map<string, unknown>();
  const sources = new Map<string, Source>();
  const set = (flag: FlagSpec, value: unknown, source: Source) => {
    values.set(flag.name, validate(flag, value, source));
    sources.set(flag.name, source);
  };

  // Environment first (lower precedence than flags), then flags override.
  const fromEnv = new Map<string, { value: unknown; name: string }>();
  for (const flag of flags) {
    for (const name of flag.env) {
      const text = environment[name];
      if (text !== undefined && text !== "") {
        fromEnv.set(flag.name, { value: flag.type.decode(text), name });
        break;
      }
    }
  }

  const configFlag = flags.find((f) => f.name === "config")!;
  const configPath = (parsed.values.get("config") ?? fromEnv.get("config")?.value ?? configFlag.default) as string;
  const configExplicit = parsed.values.has("config") || fromEnv.has("config");
  const file = readConfigFile(configPath, configExplicit);
  const otherCommandKeys = new Set(FLAGS.filter((f) => !f.commands.includes(command)).map((f) => f.name));
  let pluginConfig: Record<string, unknown> = {};
  for (const [key, value] of file.values) {
    const where = `config file ${file.origin.get(key)}: key "${key}"`;
    if ((CONFIG_ONLY_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new ConfigError(`${where}: expected a mapping of plugin id to that plugin's configuration`);
      }
      pluginConfig = value as Record<string, unknown>;
      continue;
    }
    if (key === "config") throw new ConfigError(`${where}: the config file cannot name another config file`);
    const flag = flags.find((f) => f.name === key);
    if (!flag) {
      if (otherCommandKeys.has(key)) continue; // one config file may serve both `lite server` and `lite agent`
      throw new ConfigError(`${where}: unknown key (keys are the flag names of lite ${command}; see lite ${command} --help)`);
    }
    set(flag, value, { kind: "file", label: where });
  }
  for (const [name, { value, name: variable }] of fromEnv) {
    set(flags.find((f) => f.name === name)!, value, { kind: "env", label: `environment variable ${variable}` });
  }
  for (const [name, value] of parsed.values) {
    set(flags.find((f) => f.name === name)!, value, { kind: "flag", label: `--${name}` });
  }
  for (const flag of flags) {
    if (values.has(flag.name)) {
      if (isLater(flag, command) && flag.name !== "config") refuseUnimplemented(command, flag, sources.get(flag.name)!);
      continue;
    }
    if (flag.default !== undefined) {
      values.set(flag.name, validate(flag, flag.default, { kind: "default" }));
      sources.set(flag.name, { kind: "default" });
    }
  }
  return { values, sources, pluginConfig, help: false };
}

function validate(flag: FlagSpec, value: unknown, source: Source): unknown {
  const result = v.safeParse(flag.type.schema, value);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const label = source.kind === "default" ? `default of --${flag.name}` : source.label;
  const given = issue?.input !== undefined ? issue.input : value;
  throw new ConfigError(`${label}: expected ${flag.type.expected}, got ${JSON.stringify(given)}`);
}

function refuseUnimplemented(command: Command, flag: FlagSpec, source: Source): never {
  const label = source.kind === "default" ? `--${flag.name}` : source.label;
  throw new ConfigError(`${label === `--${flag.name}` ? label : `${label} (--${flag.name})`} is not implemented yet; it arrives with ${flag.later}`);
}
