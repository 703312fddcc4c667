/**
 * Join tokens in the K3s format (k3s pkg/clientaccess/token.go): `K10<sha256 of the cluster CA
 * bundle>::<credentials>`, where the credentials are `user:password` (`server:<secret>` for the
 * server token, `node:<secret>` for the agent token) or a bootstrap token `<id>.<secret>`. A short
 * token (no `K10...::` prefix) carries credentials only: the joiner cannot check the server's CA.
 */
import { createHash } from "node:crypto";

export const TOKEN_PREFIX = "K10";

export type TokenCredentials =
  | { readonly kind: "password"; readonly username: string; readonly password: string }
  | { readonly kind: "bootstrap"; readonly id: string; readonly secret: string };

export interface JoinToken {
  /** Lower-case hex SHA-256 of the CA bundle; undefined for a short token. */
  readonly caHash?: string;
  readonly credentials: TokenCredentials;
}

const BOOTSTRAP = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const HASH = /^[0-9a-f]{64}$/;

export class TokenFormatError extends Error {}

/**
 * Parses a full or short token. A bare password (no `user:`) is an agent's: user `node`, as K3s
 * defaults it. Throws TokenFormatError with a readable message on a malformed full token.
 */
export function parseJoinToken(text: string): JoinToken {
  const token = text.trim();
  if (!token) throw new TokenFormatError("the token is empty");
  let caHash: string | undefined;
  let creds = token;
  if (token.startsWith(TOKEN_PREFIX) && token.includes("::")) {
    const sep = token.indexOf("::");
    caHash = token.slice(TOKEN_PREFIX.length, sep).toLowerCase();
    creds = token.slice(sep + 2);
    if (!HASH.test(caHash)) throw new TokenFormatError(`the token's CA hash is not 64 hex digits (expected K10<sha256>::<credentials>)`);
    if (!creds) throw new TokenFormatError("the token has no credentials after '::'");
  }
  const b = BOOTSTRAP.exec(creds);
  if (b) return { caHash, credentials: { kind: "bootstrap", id: b[1]!, secret: b[2]! } };
  const colon = creds.indexOf(":");
  const credentials: TokenCredentials = colon > 0
    ? { kind: "password", username: creds.slice(0, colon), password: creds.slice(colon + 1) }
    : { kind: "password", username: "node", password: creds };
  if (!credentials.password) throw new TokenFormatError("the token's password is empty");
  return { caHash, credentials };
}

/** `K10<hash>::<user>:<password>`. */
export function formatJoinToken(caHash: string, username: string, password: string): string {
  return `${TOKEN_PREFIX}${caHash}::${username}:${password}`;
}

/**
 * The CA hash K3s puts in tokens: SHA-256 over the exact bytes of the bundle as served (for the
 * default single self-signed CA, the PEM file as stored). Bundles of several certificates
 * (K3s: the root's DER) are not produced by lite; they hash the same way here.
 */
export function caBundleHash(bundle: Uint8Array | string): string {
  return createHash("sha256").update(bundle).digest("hex");
}

/** The Authorization header value the join endpoints expect for these credentials. */
export function authorizationHeader(credentials: TokenCredentials): string {
  return credentials.kind === "bootstrap"
    ? `Bearer ${credentials.id}.${credentials.secret}`
    : `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}
