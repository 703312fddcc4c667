/**
 * The server's join tokens on disk, as K3s writes them: `server/token` (and `server/node-token`,
 * a link to it) holding `K10<CA hash>::server:<secret>`, and with `--agent-token`
 * `server/agent-token` holding `K10<CA hash>::node:<secret>`. The secret is `--token` when given,
 * else the one an earlier start wrote, else a new random one.
 *
 * `lite token rotate` (K3s `k3s token rotate`) replaces the server secret while the server runs
 * (rotateServerToken): the new token is written to `server/token` and used at once; the SHA-256 of
 * the old secret goes to `server/cred/retired-tokens`, so a restart with the old `--token` (a
 * config file or LITE_TOKEN not updated) is refused instead of bringing the old secret back.
 */
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { caBundleHash, formatJoinToken, parseJoinToken, TokenFormatError } from "../../agent/join/token.ts";

export interface ServerTokens {
  /** The server token's password (`server:<secret>`); replaced by rotateServerToken. */
  serverSecret: string;
  /** The agent token's password (`node:<secret>`), when `--agent-token` is set. */
  readonly agentSecret?: string;
  /** The full server token, as written to `server/token`. */
  serverToken: string;
}

/** The shortest secret `lite token rotate` accepts (K3s generates 16 characters; lite 32 hex digits). */
export const MIN_ROTATED_SECRET_LENGTH = 16;
const SECRET_CHARS = /^[!-9;-~]+$/; // printable ASCII without space and ':'

/**
 * The secret of a `--new-token` for `lite token rotate`: a bare secret, `server:<secret>`, or a full
 * `K10<hash>::server:<secret>` (whose hash must be `caHash` when given). Throws TokenFormatError
 * with a readable message.
 */
export function parseNewServerSecret(text: string, caHash?: string): string {
  const token = text.trim();
  if (!token) throw new TokenFormatError("the new token is empty (omit --new-token for a random one)");
  let secret = token;
  if (token.startsWith("K10") && token.includes("::")) {
    const t = parseJoinToken(token);
    if (caHash && t.caHash !== caHash) throw new TokenFormatError("the new token's CA hash does not match this server's CA certificate (server/tls/server-ca.crt)");
    if (t.credentials.kind !== "password" || t.credentials.username !== "server") throw new TokenFormatError("the new token must be a server token (K10<hash>::server:<secret>, or just the secret)");
    secret = t.credentials.password;
  } else if (/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(token)) {
    throw new TokenFormatError("a bootstrap token cannot be the server token; create those with lite token create");
  } else if (token.startsWith("server:")) {
    secret = token.slice("server:".length);
  }
  if (!SECRET_CHARS.test(secret)) throw new TokenFormatError("the new token's secret may hold printable ASCII characters only, without spaces or ':'");
  if (secret.length < MIN_ROTATED_SECRET_LENGTH) throw new TokenFormatError(`the new token's secret is ${secret.length} characters long; use at least ${MIN_ROTATED_SECRET_LENGTH}`);
  return secret;
}

const retiredFile = (dataDir: string) => `${dataDir}/server/cred/retired-tokens`;
const fingerprint = (secret: string) => createHash("sha256").update(secret).digest("hex");

function isRetired(dataDir: string, secret: string): boolean {
  try {
    return readFileSync(retiredFile(dataDir), "utf8").split("\n").includes(fingerprint(secret));
  } catch {
    return false;
  }
}

/** Writes `server/token` through a temporary file, so a reader never sees half a token. */
function writeTokenFile(file: string, token: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * Replaces the server secret (`lite token rotate`): `newToken` as parseNewServerSecret takes it, or
 * a random secret when undefined. Updates `tokens` in place (the join routes read it at every
 * request), rewrites `server/token` and records the old secret as retired. Returns the new full token.
 */
export function rotateServerToken(options: { dataDir: string; caBundle: string; tokens: ServerTokens; newToken?: string }): string {
  const hash = caBundleHash(options.caBundle);
  const secret = options.newToken === undefined ? randomBytes(16).toString("hex") : parseNewServerSecret(options.newToken, hash);
  const old = options.tokens.serverSecret;
  if (secret === old) throw new TokenFormatError("the new token is the current token");
  if (isRetired(options.dataDir, secret)) throw new TokenFormatError("the new token was used before and retired by an earlier rotation; choose another");
  const serverToken = formatJoinToken(hash, "server", secret);
  mkdirSync(`${options.dataDir}/server/cred`, { recursive: true, mode: 0o700 });
  appendFileSync(retiredFile(options.dataDir), `${fingerprint(old)}\n`, { mode: 0o600 });
  writeTokenFile(`${options.dataDir}/server/token`, serverToken);
  options.tokens.serverSecret = secret;
  options.tokens.serverToken = serverToken;
  return serverToken;
}

/** The password part of a token given on the command line (full or short); its CA hash must match this server's. */
function secretOf(flag: string, text: string, caHash: string): string {
  const t = parseJoinToken(text);
  if (t.credentials.kind !== "password") throw new TokenFormatError(`${flag}: a bootstrap token cannot be the server's token; create those with lite token create`);
  if (t.caHash && t.caHash !== caHash) throw new TokenFormatError(`${flag}: the token's CA hash does not match this server's CA certificate (server/tls/server-ca.crt)`);
  return t.credentials.password;
}

export function ensureServerTokens(options: { dataDir: string; caBundle: string; token?: string; agentToken?: string }): ServerTokens {
  const dir = `${options.dataDir}/server`;
  const hash = caBundleHash(options.caBundle);
  const tokenFile = `${dir}/token`;
  let serverSecret: string | undefined = options.token ? secretOf("--token", options.token, hash) : undefined;
  if (serverSecret && isRetired(options.dataDir, serverSecret)) {
    throw new TokenFormatError("--token: this token was replaced by lite token rotate; start the server with the new token (server/token) or without --token");
  }
  if (!serverSecret && existsSync(tokenFile)) {
    try {
      const previous = parseJoinToken(readFileSync(tokenFile, "utf8"));
      if (previous.credentials.kind === "password") serverSecret = previous.credentials.password;
    } catch {
      // unreadable: a new secret
    }
  }
  serverSecret ??= randomBytes(16).toString("hex");
  const serverToken = formatJoinToken(hash, "server", serverSecret);
  writeTokenFile(tokenFile, serverToken);
  const nodeToken = `${dir}/node-token`;
  rmSync(nodeToken, { force: true });
  symlinkSync("token", nodeToken);
  const agentSecret = options.agentToken ? secretOf("--agent-token", options.agentToken, hash) : undefined;
  const agentFile = `${dir}/agent-token`;
  if (agentSecret) writeFileSync(agentFile, `${formatJoinToken(hash, "node", agentSecret)}\n`, { mode: 0o600 });
  else rmSync(agentFile, { force: true });
  return { serverSecret, agentSecret, serverToken };
}
