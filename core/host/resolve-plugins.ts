import { SDK_VERSION, type PluginDefinition } from "@lite/sdk";
import * as v from "valibot";
import { ConfigError } from "../config/config-error.ts";
import type { PluginSource } from "./plugin-source.ts";
import { satisfiesRange } from "./sdk-range.ts";

export interface ResolvedPlugin {
  readonly definition: PluginDefinition;
  /** "embedded" or the external file's absolute path. */
  readonly origin: string;
  /** Validated configuration (schema output, defaults applied). */
  readonly config: unknown;
  readonly critical: boolean;
}

export interface PluginPlan {
  /** Enabled plugins, dependencies before dependents. */
  readonly enabled: readonly ResolvedPlugin[];
  /** Embedded plugins switched off by the operator (never imported). */
  readonly disabled: readonly { id: string; origin: string }[];
}

export interface ResolveOptions {
  readonly embedded: readonly PluginSource[];
  readonly external: readonly PluginSource[];
  /** Embedded plugin ids to skip. */
  readonly disable: ReadonlySet<string>;
  /** Raw per-plugin configuration from the config file (`plugin-config`). */
  readonly pluginConfig: Readonly<Record<string, unknown>>;
  /** Values core flags contribute to a plugin's configuration (under the file's values). */
  readonly configDefaults?: Readonly<Record<string, Record<string, unknown>>>;
}

/**
 * Decides, once and before anything is constructed, which plugins run: loads the enabled ones
 * (disabled embedded plugins are never imported), checks SDK ranges, validates configuration,
 * checks dependencies and orders them. Every problem is a ConfigError naming the plugins involved.
 */
export async function resolvePlugins(options: ResolveOptions): Promise<PluginPlan> {
  const disabled: { id: string; origin: string }[] = [];
  const loaded: { definition: PluginDefinition; origin: string }[] = [];
  for (const source of options.embedded) {
    if (source.id && options.disable.has(source.id)) {
      disabled.push({ id: source.id, origin: source.origin });
      continue;
    }
    loaded.push({ definition: await source.load(), origin: source.origin });
  }
  for (const source of options.external) loaded.push({ definition: await source.load(), origin: source.origin });

  const byId = new Map<string, { definition: PluginDefinition; origin: string }>();
  for (const entry of loaded) {
    const clash = byId.get(entry.definition.id);
    if (clash) {
      const hint = clash.origin === "embedded" ? ` (to replace the embedded one, add --disable=${entry.definition.id})` : "";
      throw new ConfigError(`plugin id "${entry.definition.id}" is declared twice: by ${clash.origin} and by ${entry.origin}${hint}`);
    }
    byId.set(entry.definition.id, entry);
  }
  const disabledIds = new Set(disabled.map((d) => d.id));
  for (const id of Object.keys(options.pluginConfig)) {
    if (!byId.has(id) && !disabledIds.has(id)) {
      throw new ConfigError(`config key plugin-config.${id}: no plugin with id "${id}" is known (known: ${[...byId.keys(), ...disabledIds].join(", ")})`);
    }
  }

  const resolved = new Map<string, ResolvedPlugin>();
  for (const { definition, origin } of byId.values()) {
    if (!satisfiesRange(SDK_VERSION, definition.sdk)) {
      throw new ConfigError(`plugin "${definition.id}" (${origin}) needs SDK ${definition.sdk}, but this lite provides SDK ${SDK_VERSION}`);
    }
    for (const dep of definition.dependsOn ?? []) {
      if (disabledIds.has(dep)) throw new ConfigError(`plugin "${definition.id}" depends on "${dep}", which is disabled (--disable=${dep})`);
      if (!byId.has(dep)) throw new ConfigError(`plugin "${definition.id}" depends on "${dep}", which is not a known plugin`);
    }
    const raw = { ...options.configDefaults?.[definition.id], ...(options.pluginConfig[definition.id] as object | undefined) };
    let config: unknown = raw;
    if (definition.config) {
      const result = v.safeParse(definition.config, raw);
      if (!result.success) {
        const issue = result.issues[0]!;
        const path = issue.path?.map((p) => String(p.key)).join(".");
        throw new ConfigError(`config key plugin-config.${definition.id}${path ? "." + path : ""}: ${issue.message}`);
      }
      config = result.output;
    }
    const critical = typeof definition.critical === "function" ? Boolean(definition.critical(config as never)) : Boolean(definition.critical);
    resolved.set(definition.id, { definition, origin, config, critical });
  }
  return { enabled: orderByDependencies(resolved), disabled };
}

/** Topological order (stable: declaration order among independent plugins); a cycle is a ConfigError. */
export function orderByDependencies<T extends { definition: PluginDefinition }>(plugins: ReadonlyMap<string, T>): T[] {
  const ordered: T[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, trail: string[]) => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") {
      const cycle = [...trail.slice(trail.indexOf(id)), id];
      throw new ConfigError(`plugins form a dependency cycle: ${cycle.join(" -> ")}`);
    }
    state.set(id, "visiting");
    const plugin = plugins.get(id)!;
    for (const dep of plugin.definition.dependsOn ?? []) if (plugins.has(dep)) visit(dep, [...trail, id]);
    state.set(id, "done");
    ordered.push(plugin);
  };
  for (const id of plugins.keys()) visit(id, []);
  return ordered;
}
