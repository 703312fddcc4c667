import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import * as sdk from "@lite/sdk";
import { isPluginDefinition, type PluginDefinition } from "@lite/sdk";
import * as valibot from "valibot";
import { ConfigError } from "../config/config-error.ts";
import type { PluginSource } from "./plugin-source.ts";

let sdkRegistered = false;

/**
 * Makes `import ... from "@lite/sdk"` (and "valibot") resolve inside plugin files loaded at run time,
 * including from the compiled binary, where no node_modules exist. Registering is process-wide by
 * nature (Bun's module registry), and idempotent.
 */
export function registerSdkModule(): void {
  if (sdkRegistered) return;
  sdkRegistered = true;
  Bun.plugin({
    name: "lite-sdk",
    setup(build) {
      build.module("@lite/sdk", () => ({ exports: { ...sdk }, loader: "object" }));
      build.module("valibot", () => ({ exports: { ...valibot }, loader: "object" }));
    },
  });
}

/** The plugin definition a module exports as default (or as `plugin`). */
export function expectDefinition(module: Record<string, unknown>, where: string): PluginDefinition {
  const candidate = module.default ?? module.plugin;
  if (!isPluginDefinition(candidate)) {
    throw new ConfigError(`plugin ${where}: its module does not export a definePlugin({...}) result as default`);
  }
  return candidate;
}

/** A source for `--plugin PATH` (a .ts or .js file). */
export function externalPluginSource(path: string, cwd = process.cwd()): PluginSource {
  const absolute = isAbsolute(path) ? path : resolve(cwd, path);
  return {
    origin: absolute,
    async load() {
      if (!/\.(ts|js|mjs|mts)$/.test(absolute)) throw new ConfigError(`--plugin ${path}: expected a .ts or .js file`);
      if (!existsSync(absolute)) throw new ConfigError(`--plugin ${path}: file not found`);
      registerSdkModule();
      let module: Record<string, unknown>;
      try {
        module = await import(absolute);
      } catch (err) {
        throw new ConfigError(`--plugin ${path}: failed to load: ${(err as Error).message.split("\n")[0]}`);
      }
      return expectDefinition(module, path);
    },
  };
}
