/**
 * `lite token create|list|delete`: bootstrap tokens (K3s `k3s token`, kubeadm's output) as
 * Secrets `kube-system/bootstrap-token-<id>`, written through the API server with the admin
 * kubeconfig. `create` prints the secure token `K10<sha256 of the server CA PEM>::<id>.<secret>`.
 *
 * `lite token rotate` (K3s `k3s token rotate`): replaces the server token of a running server,
 * authenticated by the current one (`PUT /v1-lite/token`, see core/server/join/join-routes.ts).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { CAHashMismatchError, fetchClusterCA, JoinError } from "../agent/join/join-client.ts";
import { authorizationHeader, parseJoinToken, TokenFormatError, type JoinToken } from "../agent/join/token.ts";
import { parseNewServerSecret } from "../server/join/server-token.ts";
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

export const TOKEN_HELP = `lite token - manage bootstrap tokens and rotate the server token

USAGE:
  lite token create [TOKEN] [flags]   Create a bootstrap token and print the secure K10 token
  lite token list [flags]             List bootstrap tokens
  lite token delete ID... [flags]     Delete bootstrap tokens (by id or full token)
  lite token rotate [flags]           Replace the server token of a running server with a new one

FLAGS (create, list, delete):
  --ttl value           Time before the token expires; 0 never expires (create; default: 24h)
  --description value   A human-friendly description (create)
  --groups value        Extra groups the token authenticates as, comma-separated (create;
                        default: ${K3S_DEFAULT_NODE_GROUP})
  --usages value        Usages: signing, authentication (create; default: signing,authentication)
  --kubeconfig value    Admin kubeconfig of the server (default: $KUBECONFIG, else ${DEFAULT_KUBECONFIG})
  -d, --data-dir value  Data dir of the server: its CA file gives the token hash (default: from the kubeconfig)
  -h, --help            Show this help

FLAGS (rotate):
  -t, --token value     The current server token (K10<hash>::server:<secret>, or the secret)
                        (default: $LITE_TOKEN, else the file <data-dir>/server/token)
  --new-token value     The new token: a secret of at least 16 printable characters, no spaces
                        or ':' (or K10<hash>::server:<secret>) (default: a random one)
  -s, --server value    The server (default: $LITE_URL, else https://127.0.0.1:6443)
  -d, --data-dir value  Data dir of the server, where the current token is read from
                        (default: $LITE_DATA_DIR, else /var/lib/lite)

rotate: the running server accepts only the new token from that moment (no restart) and writes
it to <data-dir>/server/token; joined agents keep working (they use their certificates). Give
the new token to new agents, and to agents and servers started with --token, --token-file,
LITE_TOKEN or a config file before they next start: the old token is refused from now on.`;

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
  const help = eachFlag(argv, (arg) => { flags.positional.push(arg); }, (key, value) => {
    switch (key) {
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
  });
  return help ?? flags;
}

/**
 * Walks `argv`: positional arguments to `positional`, flags (`--k v`, `--k=v`) to `flag` with a
 * `value()` that takes the flag's value (a ConfigError when it has none). "help" for -h/--help.
 */
function eachFlag(argv: readonly string[], positional: (arg: string) => void, flag: (key: string, value: () => string) => void): "help" | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) { positional(arg); continue; }
    const eq = arg.indexOf("=");
    const [key, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    if (key === "-h" || key === "--help") return "help";
    flag(key, () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ConfigError(`flag ${key} needs a value`);
      return v;
    });
  }
  return undefined;
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
  if (sub === "rotate") return rotate(rest, env);
  if (sub !== "create" && sub !== "list" && sub !== "delete") throw new ConfigError(`unknown subcommand ${JSON.stringify(sub)} (create, list, delete, rotate; see lite token --help)`);
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

export interface RotateFlags {
  token?: string;
  newToken?: string;
  server: string;
  dataDir: string;
}

/** `lite token rotate` flags; "help" for -h/--help. Bad input is a ConfigError. */
export function parseRotateFlags(argv: readonly string[], env: Record<string, string | undefined>): RotateFlags | "help" {
  const flags: RotateFlags = { token: env.LITE_TOKEN || undefined, server: env.LITE_URL || "https://127.0.0.1:6443", dataDir: env.LITE_DATA_DIR || "/var/lib/lite" };
  const rejectArgument = (arg: string) => { throw new ConfigError(`rotate takes no arguments (got ${JSON.stringify(arg)}; the new token goes in --new-token)`); };
  const help = eachFlag(argv, rejectArgument, (key, value) => {
    switch (key) {
      case "-t": case "--token": flags.token = value(); break;
      case "--new-token": flags.newToken = value(); break;
      case "-s": case "--server": flags.server = value(); break;
      case "-d": case "--data-dir": flags.dataDir = value(); break;
      default: throw new ConfigError(`unknown flag ${key} (see lite token --help)`);
    }
  });
  if (help) return help;
  let url: URL;
  try {
    url = new URL(flags.server);
  } catch {
    throw new ConfigError(`--server: expected an https:// URL such as https://10.0.0.1:6443, got ${JSON.stringify(flags.server)}`);
  }
  if (url.protocol !== "https:") throw new ConfigError(`--server: expected an https:// URL such as https://10.0.0.1:6443, got ${JSON.stringify(flags.server)}`);
  flags.server = flags.server.replace(/\/+$/, "");
  return flags;
}

/** The current server token as given (or read from the data dir), parsed; a server token only. */
export function currentServerToken(flags: RotateFlags): JoinToken {
  let text = flags.token;
  if (text === undefined) {
    const file = `${flags.dataDir}/server/token`;
    try {
      text = readFileSync(file, "utf8").split("\n")[0]!;
    } catch (err) {
      throw new ConfigError(`no --token given and cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (pass --token or --data-dir)`);
    }
  }
  let token: JoinToken;
  try {
    token = parseJoinToken(text);
  } catch (err) {
    if (err instanceof TokenFormatError) throw new ConfigError(`--token: ${err.message}`);
    throw err;
  }
  const c = token.credentials;
  if (c.kind === "bootstrap") throw new ConfigError("--token: a bootstrap token cannot rotate the server token; pass the server token (K10<hash>::server:<secret>)");
  // A bare secret is the server's (K3s: clientaccess.WithUser("server")); an explicit other user is refused.
  const trimmed = text.trim();
  const creds = trimmed.startsWith("K10") && trimmed.includes("::") ? trimmed.slice(trimmed.indexOf("::") + 2) : trimmed;
  if (creds.indexOf(":") > 0 && c.username !== "server") throw new ConfigError(`--token: the token's user is "${c.username}"; only the server token (user server) can rotate it`);
  return { ...(token.caHash ? { caHash: token.caHash } : {}), credentials: { kind: "password", username: "server", password: c.password } };
}

async function rotate(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const flags = parseRotateFlags(argv, env);
  if (flags === "help") {
    console.log(TOKEN_HELP);
    return 0;
  }
  const newSecretOf = (caHash?: string) => {
    try {
      return flags.newToken === undefined ? randomBytes(16).toString("hex") : parseNewServerSecret(flags.newToken, caHash);
    } catch (err) {
      if (err instanceof TokenFormatError) throw new ConfigError(`--new-token: ${err.message}`);
      throw err;
    }
  };
  newSecretOf(); // its format first: a bad new token is reported whatever else is wrong
  const current = currentServerToken(flags);
  if (current.credentials.kind !== "password") throw new ConfigError("--token: not a server token");
  const newSecret = newSecretOf(current.caHash);
  if (newSecret === current.credentials.password) throw new ConfigError("--new-token: the new token is the current token");

  // As an agent joins: the CA from /cacerts, checked against the token's hash before the secret is sent.
  const describe = (err: unknown) => (err as { code?: string }).code ?? (err as Error).message;
  let bundle: string;
  try {
    ({ bundle } = await fetchClusterCA(flags.server, current, {
      timeoutMs: 15_000,
      requireCertificate: false,
      onShortToken: () => console.error("lite token rotate: warning: a short token (no K10<hash>::): the server's CA is trusted without a check"),
    }));
  } catch (err) {
    if (err instanceof CAHashMismatchError) throw new ConfigError(`--token: token CA hash does not match the cluster CA certificate hash of ${flags.server}`);
    // A failed request's JoinError carries the fetch error, which is what this message names.
    throw new Error(`cannot reach the server at ${flags.server}: ${describe(err instanceof JoinError ? err.cause ?? err : err)} (lite token rotate needs the running server; see --server)`);
  }
  const url = `${flags.server}/v1-lite/token`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "PUT",
      headers: { authorization: authorizationHeader(current.credentials), "content-type": "application/json" },
      body: JSON.stringify({ newToken: newSecret }),
      tls: { ca: bundle },
      signal: AbortSignal.timeout(30_000),
    } as RequestInit);
  } catch (err) {
    throw new Error(`${url}: ${describe(err)}`);
  }
  const reason = async () => (await res.text()).trim().split("\n")[0] ?? "";
  if (res.status === 401) throw new ConfigError(`${url}: 401 Unauthorized: --token is not the server's current token`);
  if (res.status === 400) throw new ConfigError(`--new-token: ${await reason()}`);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${res.statusText}: ${await reason()}`);
  const { token } = (await res.json()) as { token: string };
  console.log("Token rotated: the server accepts only the new token from now on (no restart needed); it is in DATA_DIR/server/token on the server:");
  console.log(token);
  console.log("Joined agents keep running. Restart lite nodes with the new token: give it to new agents, and to agents and servers started with --token, --token-file, LITE_TOKEN or a config file before they next start.");
  return 0;
}
