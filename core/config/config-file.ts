import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { ConfigError } from "./config-error.ts";

export interface ConfigFileValues {
  /** Values by key, already merged over the drop-ins; `key+` entries appended to lists. */
  readonly values: Map<string, unknown>;
  /** For each key, the file that set it last (for error messages). */
  readonly origin: Map<string, string>;
}

/**
 * Reads the YAML config file and, as K3s does, the drop-ins `<file>.d/*.yaml` in alphabetical
 * order. Later files override earlier ones; a `key+:` entry appends to a list instead. A missing
 * file is fine unless the operator named it explicitly. Each file must be a YAML mapping.
 */
export function readConfigFile(path: string, explicit: boolean): ConfigFileValues {
  const values = new Map<string, unknown>();
  const origin = new Map<string, string>();
  const files: string[] = [];
  if (existsSync(path)) files.push(path);
  else if (explicit) throw new ConfigError(`config file ${path} does not exist`);
  const dropInDir = `${path}.d`;
  if (existsSync(dropInDir) && statSync(dropInDir).isDirectory()) {
    for (const name of readdirSync(dropInDir).sort()) {
      if (/\.ya?ml$/.test(name)) files.push(`${dropInDir}/${name}`);
    }
  }
  for (const file of files) {
    let doc: unknown;
    try {
      doc = Bun.YAML.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new ConfigError(`config file ${file}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== "object" || Array.isArray(doc)) {
      throw new ConfigError(`config file ${file}: expected a mapping of flag names to values, got ${Array.isArray(doc) ? "a list" : typeof doc}`);
    }
    for (const [rawKey, value] of Object.entries(doc as Record<string, unknown>)) {
      const append = rawKey.endsWith("+");
      const key = append ? rawKey.slice(0, -1) : rawKey;
      if (append && values.has(key)) {
        const previous = values.get(key);
        const asList = (x: unknown) => (Array.isArray(x) ? x : typeof x === "string" ? x.split(",") : [x]);
        values.set(key, [...asList(previous), ...asList(value)]);
      } else {
        values.set(key, value);
      }
      origin.set(key, file);
    }
  }
  return { values, origin };
}
