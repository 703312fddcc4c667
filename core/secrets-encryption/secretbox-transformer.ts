/**
 * XSalsa20-Poly1305 (NaCl secretbox, tweetnacl) values at rest, as upstream's secretbox provider:
 * a stored value is `k8s:enc:secretbox:v1:<keyname>:` followed by the 24-byte nonce and the sealed
 * box. lite's store holds strings, so nonce+box are base64 after the prefix. Values without the
 * `k8s:enc:` prefix are read as plaintext (the identity fallback) and reported stale.
 */
import nacl from "tweetnacl";
import type { ValueTransformer } from "../apiserver/storage/transforming-store.ts";
import type { SecretboxKey } from "./encryption-config.ts";

export const ENCRYPTED_PREFIX = "k8s:enc:";
const SECRETBOX_PREFIX = "k8s:enc:secretbox:v1:";
const NONCE_BYTES = nacl.secretbox.nonceLength;

/** The key name a stored value was encrypted with, or undefined for plaintext. */
export function storedKeyName(stored: string): string | undefined {
  if (!stored.startsWith(SECRETBOX_PREFIX)) return undefined;
  const end = stored.indexOf(":", SECRETBOX_PREFIX.length);
  return end < 0 ? undefined : stored.slice(SECRETBOX_PREFIX.length, end);
}

/**
 * A transformer that writes with `keys[0]` (or plaintext when `writePlaintext`) and reads any of
 * `keys` or plaintext. Throws on construction without a key unless writing plaintext.
 */
export function createSecretboxTransformer(keys: readonly SecretboxKey[], options: { writePlaintext?: boolean } = {}): ValueTransformer {
  const byName = new Map(keys.map((k) => [k.name, new Uint8Array(Buffer.from(k.secret, "base64"))]));
  const writeKey = keys[0];
  if (!writeKey && !options.writePlaintext) throw new Error("secretbox transformer needs a key");
  const writeBytes = writeKey ? byName.get(writeKey.name)! : undefined;
  const writePrefix = writeKey ? `${SECRETBOX_PREFIX}${writeKey.name}:` : "";
  const encoder = new TextEncoder();
  const decoder = new TextDecoder("utf-8", { fatal: true });

  return {
    toStorage(plaintext) {
      if (options.writePlaintext || !writeBytes) return plaintext;
      const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
      const box = nacl.secretbox(encoder.encode(plaintext), nonce, writeBytes);
      const out = new Uint8Array(NONCE_BYTES + box.length);
      out.set(nonce, 0);
      out.set(box, NONCE_BYTES);
      return writePrefix + Buffer.from(out).toString("base64");
    },
    fromStorage(stored, key) {
      if (!stored.startsWith(ENCRYPTED_PREFIX)) return { value: stored, stale: !options.writePlaintext };
      const name = storedKeyName(stored);
      if (name === undefined) throw new Error(`${key}: stored with an unsupported encryption provider (${stored.slice(0, 40)})`);
      const secret = byName.get(name);
      if (!secret) throw new Error(`${key}: encrypted with key "${name}", which the encryption configuration does not list`);
      const raw = Buffer.from(stored.slice(SECRETBOX_PREFIX.length + name.length + 1), "base64");
      const opened = raw.length > NONCE_BYTES ? nacl.secretbox.open(raw.subarray(NONCE_BYTES), raw.subarray(0, NONCE_BYTES), secret) : null;
      if (!opened) throw new Error(`${key}: could not decrypt with key "${name}" (corrupt or tampered)`);
      return { value: decoder.decode(opened), stale: options.writePlaintext === true || name !== writeKey?.name };
    },
  };
}
