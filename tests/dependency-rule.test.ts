/**
 * The microkernel's dependency rule, checked on every import in the tree:
 * - sdk/ imports nothing of ours (only npm packages and node/bun built-ins);
 * - core/ may import sdk/ (as "@lite/sdk"), and reaches plugins only through the lazy
 *   imports of core/host/embedded-plugins.ts;
 * - a plugin (plugins/<id>/, examples/<id>/) imports only "@lite/sdk", its own files, npm
 *   packages and built-ins: never core/, never another plugin.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const IMPORT = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']|require\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

/** Every import specifier of a file, resolved to a repo-relative path when it is relative. */
function importsOf(file: string): { specifier: string; target?: string }[] {
  const text = readFileSync(file, "utf8");
  const found: { specifier: string; target?: string }[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3] ?? match[4]!;
    const target = specifier.startsWith(".") ? relative(root, resolve(dirname(file), specifier)) : undefined;
    found.push({ specifier, target });
  }
  return found;
}

const top = (path: string) => path.split("/")[0]!;
const pluginFolder = (path: string) => path.split("/").slice(0, 2).join("/");

describe("dependency rule", () => {
  test("the scanner sees imports (guards against a vacuous pass)", () => {
    const imports = importsOf(join(root, "core/host/embedded-plugins.ts"));
    expect(imports.some((i) => i.target === "plugins/flannel/index.ts")).toBe(true);
  });

  test("sdk/ imports nothing of ours", () => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(root, "sdk"))) {
      for (const i of importsOf(file)) {
        if (i.target && top(i.target) !== "sdk") violations.push(`${relative(root, file)} -> ${i.specifier}`);
        if (i.specifier.startsWith("@lite/")) violations.push(`${relative(root, file)} -> ${i.specifier}`);
      }
    }
    expect(violations).toEqual([]);
  });

  test("plugins import only the SDK: never core/, never another plugin", () => {
    const violations: string[] = [];
    for (const base of ["plugins", "examples"]) {
      for (const file of sourceFiles(join(root, base))) {
        const own = pluginFolder(relative(root, file));
        for (const i of importsOf(file)) {
          if (i.specifier.startsWith("@lite/") && i.specifier !== "@lite/sdk") violations.push(`${relative(root, file)} -> ${i.specifier}`);
          if (i.target && pluginFolder(i.target) !== own) violations.push(`${relative(root, file)} -> ${i.specifier}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  test("core/ reaches plugins only through the embedded registry, and sdk/ only as @lite/sdk", () => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(root, "core"))) {
      const rel = relative(root, file);
      for (const i of importsOf(file)) {
        if (!i.target) continue;
        if (top(i.target) === "plugins" && rel !== "core/host/embedded-plugins.ts") violations.push(`${rel} -> ${i.specifier}`);
        if (top(i.target) === "sdk") violations.push(`${rel} -> ${i.specifier} (import "@lite/sdk" instead)`);
        if (["tests", "bench", "examples", "scripts"].includes(top(i.target))) violations.push(`${rel} -> ${i.specifier}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
