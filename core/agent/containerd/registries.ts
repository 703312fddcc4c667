import * as v from "valibot";
import { ConfigError } from "../../config/config-error.ts";
import { tomlString, tomlStringArray } from "./toml.ts";

/**
 * `/etc/lite/registries.yaml`, K3s' format:
 *
 *   mirrors:
 *     docker.io:
 *       endpoint: ["https://mirror.example:5000"]
 *       rewrite: { "^library/(.*)": "mirrored/$1" }
 *   configs:
 *     "mirror.example:5000":
 *       auth: { username: u, password: p }         # or auth (base64 user:pass) or identity_token
 *       tls: { ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem, insecure_skip_verify: false }
 *
 * Mirrors and TLS become containerd `hosts.toml` files (one directory per registry under the
 * CRI plugin's `config_path`); auth becomes the CRI plugin's `registry.configs."HOST".auth`.
 * The mirror key "*" is the default for every registry (containerd's `_default` directory).
 */
const MirrorSchema = v.strictObject({
  endpoint: v.optional(v.array(v.pipe(v.string(), v.minLength(1, "an endpoint must not be empty")))),
  rewrite: v.optional(v.record(v.string(), v.string())),
});

const AuthSchema = v.strictObject({
  username: v.optional(v.string()),
  password: v.optional(v.string()),
  auth: v.optional(v.string()),
  identity_token: v.optional(v.string()),
});

const TlsSchema = v.pipe(
  v.strictObject({
    ca_file: v.optional(v.string()),
    cert_file: v.optional(v.string()),
    key_file: v.optional(v.string()),
    insecure_skip_verify: v.optional(v.boolean()),
  }),
  v.check((tls) => !tls.cert_file === !tls.key_file, "cert_file and key_file go together"),
);

const RegistriesSchema = v.strictObject({
  mirrors: v.optional(v.nullable(v.record(v.pipe(v.string(), v.minLength(1)), v.nullable(MirrorSchema)))),
  configs: v.optional(v.nullable(v.record(v.pipe(v.string(), v.minLength(1)), v.nullable(v.strictObject({
    auth: v.optional(v.nullable(AuthSchema)),
    tls: v.optional(v.nullable(TlsSchema)),
  }))))),
});

export interface RegistryMirror { readonly endpoints: readonly string[]; readonly rewrites: Readonly<Record<string, string>> }
export interface RegistryAuth { readonly username?: string; readonly password?: string; readonly auth?: string; readonly identityToken?: string }
export interface RegistryTls { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string; readonly insecureSkipVerify?: boolean }
export interface RegistryConfig { readonly auth?: RegistryAuth; readonly tls?: RegistryTls }

/** A parsed registries.yaml; keys are registry hosts (`host[:port]`, or "*" for every registry). */
export interface RegistriesConfig {
  readonly mirrors: Readonly<Record<string, RegistryMirror>>;
  readonly configs: Readonly<Record<string, RegistryConfig>>;
}

export const DEFAULT_REGISTRIES_FILE = "/etc/lite/registries.yaml";

/** Parses registries.yaml text; throws one ConfigError naming `source` and the bad field. */
export function parseRegistries(text: string, source: string): RegistriesConfig {
  let raw: unknown;
  try {
    raw = Bun.YAML.parse(text);
  } catch (err) {
    throw new ConfigError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  if (Array.isArray(raw)) throw new ConfigError(`${source}: expected one YAML document with mirrors and configs`);
  const result = v.safeParse(RegistriesSchema, raw ?? {});
  if (!result.success) {
    const issue = result.issues[0];
    const path = v.getDotPath(issue);
    throw new ConfigError(`${source}: ${path ? `${path}: ` : ""}${issue.message}`);
  }
  const mirrors: Record<string, RegistryMirror> = {};
  for (const [host, m] of Object.entries(result.output.mirrors ?? {})) {
    mirrors[host] = { endpoints: (m?.endpoint ?? []).map((e) => normalizeEndpoint(e, source, host)), rewrites: m?.rewrite ?? {} };
  }
  const configs: Record<string, RegistryConfig> = {};
  for (const [host, c] of Object.entries(result.output.configs ?? {})) {
    const auth = c?.auth ? { username: c.auth.username, password: c.auth.password, auth: c.auth.auth, identityToken: c.auth.identity_token } : undefined;
    const tls = c?.tls ? { caFile: c.tls.ca_file, certFile: c.tls.cert_file, keyFile: c.tls.key_file, insecureSkipVerify: c.tls.insecure_skip_verify } : undefined;
    configs[host] = { auth, tls };
  }
  return { mirrors, configs };
}

/** Reads and parses a registries.yaml; a missing file is an empty configuration. */
export async function loadRegistries(file: string = DEFAULT_REGISTRIES_FILE): Promise<RegistriesConfig> {
  const f = Bun.file(file);
  if (!(await f.exists())) return { mirrors: {}, configs: {} };
  return parseRegistries(await f.text(), file);
}

/** An endpoint without a scheme is https, as in K3s. */
function normalizeEndpoint(endpoint: string, source: string, host: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`${source}: mirrors.${host}.endpoint: ${JSON.stringify(endpoint)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(`${source}: mirrors.${host}.endpoint: ${JSON.stringify(endpoint)} must be http or https`);
  return withScheme.replace(/\/+$/, "");
}

/** containerd's directory name under config_path for a registry key. */
export function hostsDirName(registry: string): string {
  return registry === "*" ? "_default" : registry;
}

/**
 * Renders one `hosts.toml` per registry that has a mirror or a TLS config: directory name ->
 * file text. `server` is the registry itself (docker.io: registry-1.docker.io); mirror endpoints
 * are tried first, in order, for pull and resolve. An endpoint with a path is used as the API
 * root as given (override_path), as K3s does. Rewrites are written in K3s' `rewrite` table:
 * K3s' containerd honours them; upstream containerd 1.6 ignores the table.
 */
export function renderHostsFiles(registries: RegistriesConfig): Map<string, string> {
  const files = new Map<string, string>();
  const hosts = new Set([...Object.keys(registries.mirrors), ...Object.keys(registries.configs).filter((h) => registries.configs[h]?.tls)]);
  for (const registry of [...hosts].sort()) {
    const lines = ["# Written by lite from registries.yaml; rewritten at every start."];
    if (registry !== "*") {
      lines.push(`server = ${tomlString(defaultServer(registry))}`);
      lines.push(...tlsLines(registries.configs[registry]?.tls, ""));
    }
    const mirror = registries.mirrors[registry];
    for (const endpoint of mirror?.endpoints ?? []) {
      const url = new URL(endpoint);
      lines.push("", `[host.${tomlString(endpoint)}]`, `  capabilities = ["pull", "resolve"]`);
      if (url.pathname !== "/" && url.pathname !== "") lines.push("  override_path = true");
      lines.push(...tlsLines(registries.configs[url.host]?.tls, "  "));
      const rewrites = Object.entries(mirror?.rewrites ?? {});
      if (rewrites.length) {
        lines.push(`  [host.${tomlString(endpoint)}.rewrite]`);
        for (const [from, to] of rewrites) lines.push(`    ${tomlString(from)} = ${tomlString(to)}`);
      }
    }
    // containerd 1.6 ignores a hosts.toml without any [host] table (it fails to decode it): a registry
    // configured only for TLS gets its own server as the one host, carrying the TLS settings.
    if (!mirror?.endpoints?.length && registry !== "*") {
      lines.push("", `[host.${tomlString(defaultServer(registry))}]`, `  capabilities = ["pull", "resolve", "push"]`);
      lines.push(...tlsLines(registries.configs[registry]?.tls, "  "));
    }
    files.set(hostsDirName(registry), `${lines.join("\n")}\n`);
  }
  return files;
}

function defaultServer(registry: string): string {
  return registry === "docker.io" ? "https://registry-1.docker.io" : `https://${registry}`;
}

function tlsLines(tls: RegistryTls | undefined, indent: string): string[] {
  if (!tls) return [];
  const lines: string[] = [];
  if (tls.caFile) lines.push(`${indent}ca = ${tomlString(tls.caFile)}`);
  if (tls.certFile && tls.keyFile) lines.push(`${indent}client = [${tomlStringArray([tls.certFile, tls.keyFile])}]`);
  if (tls.insecureSkipVerify) lines.push(`${indent}skip_verify = true`);
  return lines;
}

/** The CRI plugin's per-registry auth tables (TOML lines, for the main config). */
export function renderRegistryAuth(registries: RegistriesConfig): string[] {
  const lines: string[] = [];
  for (const [host, config] of Object.entries(registries.configs).sort(([a], [b]) => a.localeCompare(b))) {
    const auth = config.auth;
    if (!auth) continue;
    lines.push("", `[plugins."io.containerd.grpc.v1.cri".registry.configs.${tomlString(host)}.auth]`);
    if (auth.username !== undefined) lines.push(`  username = ${tomlString(auth.username)}`);
    if (auth.password !== undefined) lines.push(`  password = ${tomlString(auth.password)}`);
    if (auth.auth !== undefined) lines.push(`  auth = ${tomlString(auth.auth)}`);
    if (auth.identityToken !== undefined) lines.push(`  identitytoken = ${tomlString(auth.identityToken)}`);
  }
  return lines;
}
