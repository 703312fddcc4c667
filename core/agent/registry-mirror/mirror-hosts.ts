import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { registryHostsDir } from "../containerd/config.ts";
import { tomlString } from "../containerd/toml.ts";
import type { AgentPaths } from "../paths.ts";

/**
 * containerd `hosts.toml` files that put the built-in registry (registry-server.ts) FIRST among
 * a registry's endpoints. containerd 1.6 reads `config_path/<registry>/hosts.toml` at every pull,
 * so these may be written after containerd started and rewritten while it runs.
 *
 * They are merged with what `writeContainerdConfig` wrote there from registries.yaml (or, for a
 * registry without its own directory, with registries.yaml's "*" mirror in `_default`, which a
 * registry directory would otherwise hide): the user's `server`, its TLS keys and every user
 * `[host]` table are kept, after the built-in mirror. Without a user file the upstream is
 * registry-1.docker.io for docker.io and the mirror itself for any other registry (lite.local has
 * no upstream). Re-running replaces the earlier mirror table (found by its marker comment), so
 * a new port never stacks. Each file is replaced atomically (containerd may read it mid-write).
 */
export interface MirrorHostsOptions {
  /** registry -> the `server` to use instead of the default or the user's (tests keep it on loopback). */
  readonly upstreams?: Readonly<Record<string, string>>;
}

const MARKER = "# lite: built-in images, read-only registry on loopback";
const HOST_TABLE = /^\s*\[host\.("(?:[^"\\]|\\.)*"|[^.\]\s]+)\]\s*$/;

/** Writes `<certs.d>/<registry>/hosts.toml` for each registry; returns the files written. */
export function writeMirrorHosts(paths: AgentPaths, port: number, registries: readonly string[], opts: MirrorHostsOptions = {}): string[] {
  const root = registryHostsDir(paths);
  const mirrorUrl = `http://127.0.0.1:${port}`;
  const written: string[] = [];
  for (const registry of registries) {
    if (!registry || registry.includes("/") || registry === "*") throw new Error(`${JSON.stringify(registry)} is not a registry host`);
    const own = `${root}/${registry}/hosts.toml`;
    const fallback = `${root}/_default/hosts.toml`;
    const existing = existsSync(own) ? readFileSync(own, "utf8") : existsSync(fallback) ? readFileSync(fallback, "utf8") : undefined;
    const text = renderMirrorHosts(registry, mirrorUrl, existing, opts.upstreams?.[registry]);
    mkdirSync(`${root}/${registry}`, { recursive: true });
    writeFileSync(`${own}.tmp`, text, { mode: 0o600 });
    renameSync(`${own}.tmp`, own);
    written.push(own);
  }
  return written;
}

/**
 * One registry's hosts.toml: `server` (upstream ?? the existing file's ?? the default), the
 * existing top-level keys, the mirror's `[host]` table, then the existing `[host]` tables
 * (minus an earlier mirror table) in their order.
 */
export function renderMirrorHosts(registry: string, mirrorUrl: string, existing: string | undefined, upstream?: string): string {
  const lines = (existing ?? "").split("\n");
  const firstTable = lines.findIndex((l) => /^\s*\[/.test(l));
  const top = firstTable < 0 ? lines : lines.slice(0, firstTable);
  const serverLine = top.map((l) => /^\s*server\s*=\s*("(?:[^"\\]|\\.)*")\s*$/.exec(l)?.[1]).find((s) => s !== undefined);
  const server = upstream ?? (serverLine ? (JSON.parse(serverLine) as string) : registry === "docker.io" ? "https://registry-1.docker.io" : mirrorUrl);
  const keptTop = top.filter((l) => l.trim() && !l.trimStart().startsWith("#") && !/^\s*server\s*=/.test(l));

  const userTables: string[][] = [];
  for (const line of firstTable < 0 ? [] : lines.slice(firstTable)) {
    if (HOST_TABLE.test(line) || userTables.length === 0) userTables.push([]);
    userTables[userTables.length - 1]!.push(line);
  }
  const kept = userTables.filter((t) => !t.some((l) => l.trim() === MARKER)).map((t) => trimBlankEnd(t).join("\n"));
  const out = [
    "# Written by lite: its built-in images first, then the registry's own endpoints (registries.yaml).",
    `server = ${tomlString(server)}`,
    ...keptTop,
    "",
    `[host.${tomlString(mirrorUrl)}]`,
    `  ${MARKER}`,
    `  capabilities = ["pull", "resolve"]`,
    ...kept.flatMap((t) => ["", t]),
  ];
  return `${out.join("\n")}\n`;
}

function trimBlankEnd(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && !lines[end - 1]!.trim()) end--;
  return lines.slice(0, end);
}
