/**
 * Node passwords (K3s pkg/nodepassword): the agent keeps a random password in
 * `DATA_DIR/agent/node-password`; the server keeps only a salted scrypt hash of it in the Secret
 * `kube-system/<node>.node-password.lite`. A later join under the same node name must present the
 * same password, so another machine cannot take over an existing node name.
 */
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { ensureRandomHexFile } from "../../config/random-hex-file.ts";

export const NODE_PASSWORD_NAMESPACE = "kube-system";
export const NODE_PASSWORD_SECRET_TYPE = "lite.dev/node-password";
export const NODE_PASSWORD_KEY = "hash";

export function nodePasswordSecretName(nodeName: string): string {
  return `${nodeName}.node-password.lite`;
}

/** The node's password file: read it, or create it with 32 random hex characters (mode 0600). */
export function ensureNodePassword(file: string): string {
  return ensureRandomHexFile(file, 16, { mode: 0o600 });
}

const N = 16384;
/** `$scrypt$N=16384,r=8,p=1$<salt b64>$<hash b64>`. */
export function hashNodePassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N, r: 8, p: 1 });
  return `$scrypt$N=${N},r=8,p=1$${salt.toString("base64")}$${hash.toString("base64")}`;
}

export function verifyNodePassword(password: string, stored: string): boolean {
  const m = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(stored);
  if (!m) return false;
  const expected = Buffer.from(m[5]!, "base64");
  const got = scryptSync(password, Buffer.from(m[4]!, "base64"), expected.length, { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) });
  return got.length === expected.length && timingSafeEqual(got, expected);
}
