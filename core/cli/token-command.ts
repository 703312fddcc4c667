/**
 * `lite token create|list|delete`: bootstrap tokens (K3s `k3s token`, kubeadm's output) as
 * Secrets `kube-system/bootstrap-token-<id>`, written through the API server with the admin
 * kubeconfig. `create` prints the secure token `K10<sha256 of the server CA PEM>::<id>.<secret>`.
 */
import { readFileSync } from "node:fs";
import { shortHumanDuration } from "../apiserver/machinery/duration.ts";
import type { KObject } from "../apiserver/resources/index.ts";
import {
  bootstrapTokenSecret, generateBootstrapToken, hasExpired, isBootstrapTokenId, K3S_DEFAULT_NODE_GROUP, parseBootstrapToken, secretValue,
  validateBootstrapGroup, validateUsage, BOOTSTRAP_NAMESPACE, BOOTSTRAP_SECRET_TYPE, KNOWN_USAGES, type BootstrapToken,
} from "../auth/authn/index.ts";
import { ConfigError } from "../config/config-error.ts";
import { splitList } from "../config/value-types.ts";
import { caHash } from "../pki/index.ts";
import { DEFAULT_KUBECONFIG } from "./kubectl-command.ts";
import { parseGoDuration } from "./go-duration.ts";
import { loadKubeconfigClient, type KubeconfigClient } from "./kubeconfig-client.ts";

export const TOKEN_HELP = `lite token - manage bootstrap tokens

USAGE:
  lite token create [TOKEN] [flags]   Create a bootstrap token and print the secure K10 token
  lite token list [flags]             List bootstrap tokens
  lite token delete ID... [flags]     Delete bootstrap tokens (by id or full token)

FLAGS:
  --ttl value           Time before the token expires; 0 never expires (create; default: 24h)
  --description value   A human-friendly description (create)
  --groups value        Extra groups the token authenticates as, comma-separated (create;
                        default: ${K3S_DEFAULT_NODE_GROUP})
  --usages value        Usages: signing, authentication (create; default: signing,authentication)
  --kubeconfig value    Admin kubeconfig of the server (default: $KUBECONFIG, else ${DEFAULT_KUBECONFIG})
  -d, --data-dir value  Data dir of the server: its CA file gives the token hash (default: from the kubeconfig)
  -h, --help            Show this help`;

interface TokenFlags {
  ttlMs: number;
  description: string;
  groups: string[];
  usages: string[];
  kubeconfig: string;
  dataDir?: string;
  positional: string[];
}

function parseFlags(argv: readonly string[], env: Record<string, string | undefined>): TokenFlags | "help" {
  const flags: TokenFlags = {
    ttlMs: 24 * 3_600_000, description: "", groups: [K3S_DEFAULT_NODE_GROUP], usages: [...KNOWN_USAGES],
    kubeconfig: env.KUBECONFIG || DEFAULT_KUBECONFIG, positional: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) { flags.positional.push(arg); continue; }
    const eq = arg.indexOf("=");
    const [key, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ConfigError(`flag ${key} needs a value`);
      return v;
    };
    switch (key) {
      case "-h": case "--help": return "help";
      case "--ttl": {
        const text = value();
        const ms = parseGoDuration(text);
        if (ms === undefined || ms < 0) throw new ConfigError(`--ttl: invalid duration ${JSON.stringify(text)} (e.g. 24h, 90m, 0 for never)`);
        flags.ttlMs = ms;
        break;
      }
      case "--description": flags.description = value(); break;
      case "--groups": {
        flags.groups = splitList(value());
        for (const g of flags.groups) { const e = validateBootstrapGroup(g); if (e) throw new ConfigError(`--groups: ${e}`); }
        break;
      }
      case "--usages": {
        flags.usages = splitList(value());
        for (const u of flags.usages) { const e = validateUsage(u); if (e) throw new ConfigError(`--usages: ${e}`); }
        break;
      }
      case "--kubeconfig": flags.kubeconfig = value(); break;
      case "-d": case "--data-dir": flags.dataDir = value(); break;
      default: throw new ConfigError(`unknown flag ${key} (see lite token --help)`);
    }
  }
  return flags;
}

async function failure(res: Response): Promise<Error> {
  const text = await res.text();
  try {
    const status = JSON.parse(text) as { message?: string };
    if (status.message) return new Error(status.message);
  } catch { /* not a Status */ }
  return new Error(`HTTP ${res.status}: ${text.trim()}`);
}

const SECRETS = `/api/v1/namespaces/${BOOTSTRAP_NAMESPACE}/secrets`;

/** `lite token ...`; returns the exit code (2 for bad input via ConfigError). */
export async function tokenCommand(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "-h" || sub === "--help" || sub === "help") {
    console.log(TOKEN_HELP);
    return 0;
  }
  if (sub !== "create" && sub !== "list" && sub !== "delete") throw new ConfigError(`unknown subcommand ${JSON.stringify(sub)} (create, list, delete; see lite token --help)`);
  const flags = parseFlags(rest, env);
  if (flags === "help") {
    console.log(TOKEN_HELP);
    return 0;
  }
  switch (sub) {
    case "create": return create(flags);
    case "list": return list(flags);
    case "delete": return remove(flags);
  }
}

async function create(flags: TokenFlags): Promise<number> {
  if (flags.positional.length > 1) throw new ConfigError("create takes at most one TOKEN argument");
  let token: BootstrapToken = generateBootstrapToken();
  if (flags.positional[0] !== undefined) {
    const given = parseBootstrapToken(flags.positional[0]);
    if (!given) throw new ConfigError(`token ${JSON.stringify(flags.positional[0])} does not match [a-z0-9]{6}.[a-z0-9]{16}`);
    token = given;
  }
  const client = loadKubeconfigClient(flags.kubeconfig);
  const secret = bootstrapTokenSecret({
    token, description: flags.description, usages: flags.usages, groups: flags.groups,
    expires: flags.ttlMs > 0 ? new Date(Date.now() + flags.ttlMs) : undefined,
  });
  const res = await client.request("POST", SECRETS, secret);
  if (!res.ok) throw await failure(res);
  console.log(`K10${caHash(serverCAPem(flags, client))}::${token.id}.${token.secret}`);
  return 0;
}

/** The server CA PEM as stored on disk when the data dir is known, else the kubeconfig's copy. */
function serverCAPem(flags: TokenFlags, client: KubeconfigClient): string {
  if (flags.dataDir) {
    try {
      return readFileSync(`${flags.dataDir}/server/tls/server-ca.crt`, "utf8");
    } catch (err) {
      throw new ConfigError(`cannot read the server CA in ${flags.dataDir}/server/tls: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (!client.caPem) throw new Error("the kubeconfig has no certificate authority to hash; pass --data-dir");
  return client.caPem;
}

async function list(flags: TokenFlags): Promise<number> {
  if (flags.positional.length) throw new ConfigError(`list takes no arguments (got ${flags.positional.join(" ")})`);
  const client = loadKubeconfigClient(flags.kubeconfig);
  const res = await client.request("GET", SECRETS);
  if (!res.ok) throw await failure(res);
  const items = ((await res.json()) as { items: KObject[] }).items.filter((s) => s.type === BOOTSTRAP_SECRET_TYPE);
  const now = new Date();
  const rows = [["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"]];
  for (const s of items) {
    const id = secretValue(s, "token-id");
    if (!isBootstrapTokenId(id)) continue;
    const expiration = secretValue(s, "expiration");
    const usages = KNOWN_USAGES.filter((u) => secretValue(s, `usage-bootstrap-${u}`) === "true").sort();
    rows.push([
      `${id}.${secretValue(s, "token-secret")}`,
      expiration ? (hasExpired(s, now) ? "<invalid>" : shortHumanDuration(Date.parse(expiration) - now.getTime())) : "<forever>",
      expiration || "<never>",
      usages.join(",") || "<none>",
      secretValue(s, "description") || "<none>",
      secretValue(s, "auth-extra-groups") || "<none>",
    ]);
  }
  // tabwriter(minwidth 10, padding 3), as kubeadm prints it.
  const widths = rows[0]!.map((_, c) => Math.max(10, ...rows.map((r) => r[c]!.length + 3)));
  for (const r of rows) console.log(r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join(""));
  return 0;
}

async function remove(flags: TokenFlags): Promise<number> {
  if (flags.positional.length === 0) throw new ConfigError("delete needs at least one token id (see lite token --help)");
  const ids = flags.positional.map((arg) => {
    const id = parseBootstrapToken(arg)?.id ?? (isBootstrapTokenId(arg) ? arg : undefined);
    if (!id) throw new ConfigError(`${JSON.stringify(arg)} is neither a token id ([a-z0-9]{6}) nor a token ([a-z0-9]{6}.[a-z0-9]{16})`);
    return id;
  });
  const client = loadKubeconfigClient(flags.kubeconfig);
  for (const id of ids) {
    const res = await client.request("DELETE", `${SECRETS}/bootstrap-token-${id}`);
    if (res.status === 404) throw new Error(`bootstrap token ${JSON.stringify(id)} not found`);
    if (!res.ok) throw await failure(res);
    console.log(`bootstrap token ${JSON.stringify(id)} deleted`);
  }
  return 0;
}
