/**
 * The server's join tokens on disk, as K3s writes them: `server/token` (and `server/node-token`,
 * a link to it) holding `K10<CA hash>::server:<secret>`, and with `--agent-token`
 * `server/agent-token` holding `K10<CA hash>::node:<secret>`. The secret is `--token` when given,
 * else the one an earlier start wrote, else a new random one.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { caBundleHash, formatJoinToken, parseJoinToken, TokenFormatError } from "../../agent/join/token.ts";

export interface ServerTokens {
  /** The server token's password (`server:<secret>`). */
  readonly serverSecret: string;
  /** The agent token's password (`node:<secret>`), when `--agent-token` is set. */
  readonly agentSecret?: string;
  /** The full server token, as written to `server/token`. */
  readonly serverToken: string;
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
  writeFileSync(tokenFile, `${serverToken}\n`, { mode: 0o600 });
  const nodeToken = `${dir}/node-token`;
  rmSync(nodeToken, { force: true });
  symlinkSync("token", nodeToken);
  const agentSecret = options.agentToken ? secretOf("--agent-token", options.agentToken, hash) : undefined;
  const agentFile = `${dir}/agent-token`;
  if (agentSecret) writeFileSync(agentFile, `${formatJoinToken(hash, "node", agentSecret)}\n`, { mode: 0o600 });
  else rmSync(agentFile, { force: true });
  return { serverSecret, agentSecret, serverToken };
}
