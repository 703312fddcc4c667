/**
 * The encryption configuration file, `<data-dir>/server/cred/encryption-config.json` (0600, its
 * directory 0700), in the upstream EncryptionConfiguration shape that K3s writes:
 *
 *   {"kind":"EncryptionConfiguration","apiVersion":"apiserver.config.k8s.io/v1",
 *    "resources":[{"resources":["secrets"],
 *      "providers":[{"secretbox":{"keys":[{"name":"secretboxkey-…","secret":"<32 bytes, base64>"}]}},
 *                   {"identity":{}}]}]}
 *
 * The first provider writes; every provider reads. Within `secretbox`, the first key writes and
 * the others only read. `identity` first means "stored as plaintext" (encryption turned off while
 * data encrypted earlier stays readable).
 */
import { join } from "node:path";
import { ensurePrivateDir, KEY_MODE, readIfExists, writeFileAtomic } from "../pki/pki-files.ts";

export interface SecretboxKey {
  readonly name: string;
  /** 32 bytes, base64. */
  readonly secret: string;
}

export type Provider = { readonly secretbox: { readonly keys: readonly SecretboxKey[] } } | { readonly identity: Record<string, never> };

export interface EncryptionConfiguration {
  readonly kind: "EncryptionConfiguration";
  readonly apiVersion: "apiserver.config.k8s.io/v1";
  readonly resources: readonly { readonly resources: readonly string[]; readonly providers: readonly Provider[] }[];
}

/** Resources lite encrypts (as K3s: Secrets only). */
export const ENCRYPTED_RESOURCES = ["secrets"] as const;

export function encryptionConfigPath(dataDir: string): string {
  return join(dataDir, "server", "cred", "encryption-config.json");
}

/** A fresh random key named `secretboxkey-<UTC timestamp>` (unique per rotation, like K3s' aescbckey-<time>). */
export function generateKey(now = new Date()): SecretboxKey {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.(\d+)Z$/, "$1Z");
  return { name: `secretboxkey-${stamp}`, secret: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64") };
}

export function buildConfig(keys: readonly SecretboxKey[], writePlaintext = false): EncryptionConfiguration {
  const secretbox: Provider = { secretbox: { keys: [...keys] } };
  const identity: Provider = { identity: {} };
  return {
    kind: "EncryptionConfiguration",
    apiVersion: "apiserver.config.k8s.io/v1",
    resources: [{ resources: [...ENCRYPTED_RESOURCES], providers: writePlaintext ? [identity, secretbox] : [secretbox, identity] }],
  };
}

/** Parses and checks a configuration; throws with a readable message. */
export function parseConfig(text: string, path: string): EncryptionConfiguration {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not JSON: ${(err as Error).message}`);
  }
  if (doc?.kind !== "EncryptionConfiguration" || !Array.isArray(doc.resources)) throw new Error(`${path}: not an EncryptionConfiguration`);
  for (const entry of doc.resources) {
    if (!Array.isArray(entry?.resources) || !Array.isArray(entry?.providers) || entry.providers.length === 0) {
      throw new Error(`${path}: every resources entry needs resources and providers`);
    }
    for (const p of entry.providers) {
      if (p?.identity) continue;
      if (!p?.secretbox) throw new Error(`${path}: unsupported provider ${JSON.stringify(Object.keys(p ?? {})[0])} (lite supports secretbox and identity)`);
      const keys = p.secretbox.keys;
      if (!Array.isArray(keys) || keys.length === 0) throw new Error(`${path}: secretbox needs at least one key`);
      for (const k of keys) {
        if (typeof k?.name !== "string" || !/^[A-Za-z0-9._-]+$/.test(k.name)) throw new Error(`${path}: invalid key name ${JSON.stringify(k?.name)}`);
        if (typeof k.secret !== "string" || Buffer.from(k.secret, "base64").length !== 32) throw new Error(`${path}: key ${k.name} must be 32 bytes, base64`);
      }
    }
  }
  return doc as EncryptionConfiguration;
}

/** Reads the configuration, or undefined when the file does not exist. */
export async function readConfig(path: string): Promise<EncryptionConfiguration | undefined> {
  const text = await readIfExists(path);
  return text === undefined ? undefined : parseConfig(text, path);
}

/** Writes atomically with mode 0600 in a 0700 directory. */
export async function writeConfig(path: string, config: EncryptionConfiguration): Promise<void> {
  await ensurePrivateDir(join(path, ".."));
  await writeFileAtomic(path, JSON.stringify(config, null, 2) + "\n", KEY_MODE);
}

/** The secretbox keys of a configuration's first resources entry (write key first). */
export function secretboxKeys(config: EncryptionConfiguration): readonly SecretboxKey[] {
  for (const p of config.resources[0]?.providers ?? []) if ("secretbox" in p) return p.secretbox.keys;
  return [];
}

/** Whether the first provider is identity (new writes in plaintext). */
export function writesPlaintext(config: EncryptionConfiguration): boolean {
  const first = config.resources[0]?.providers[0];
  return first !== undefined && "identity" in first;
}
