/**
 * Secrets encryption at rest for one server: loads (or creates) the encryption configuration,
 * provides the transformer binding the API server's store wrapper uses, brings stored values to
 * the current write form at start, reports status and rotates keys while the server runs.
 *
 * Rotation (`lite secrets-encrypt rotate-keys`), without downtime:
 *   1. a new key is generated and put first (write key); older keys stay as read keys;
 *   2. every Secret not under the new key is rewritten (CAS on the raw store);
 *   3. only then are the older keys dropped from the configuration.
 * A crash between steps leaves a configuration that still reads everything; the next start
 * finishes step 2. Older rows of the datastore's history keep the old ciphertext until compaction.
 */
import type { Logger } from "@lite/sdk";
import type { TransformerBinding, ValueTransformer } from "../apiserver/storage/transforming-store.ts";
import type { Store } from "../store/types.ts";
import {
  buildConfig, encryptionConfigPath, generateKey, readConfig, secretboxKeys, writeConfig, writesPlaintext,
  type EncryptionConfiguration, type SecretboxKey,
} from "./encryption-config.ts";
import { reencryptAll, type ReencryptResult } from "./reencrypt.ts";
import { createSecretboxTransformer, storedKeyName } from "./secretbox-transformer.ts";

export type RotationStage = "start" | "reencrypt_active" | "reencrypt_finished";

export interface EncryptionStatus {
  /** New writes are encrypted. */
  readonly enabled: boolean;
  readonly stage: RotationStage;
  readonly configPath: string;
  /** Keys in the configuration; `active` is the write key. */
  readonly keys: readonly { readonly name: string; readonly type: "XSalsa20-Poly1305"; readonly active: boolean }[];
  /** Stored values per key name ("identity" for plaintext). */
  readonly secrets: Readonly<Record<string, number>>;
}

export interface RotationResult extends ReencryptResult {
  readonly key: string;
  readonly removedKeys: readonly string[];
  readonly seconds: number;
}

export interface SecretsEncryption {
  readonly binding: TransformerBinding;
  /** Rewrites stale values (run once at start, before the API server serves). */
  reencrypt(signal?: AbortSignal): Promise<ReencryptResult>;
  status(): Promise<EncryptionStatus>;
  /** Throws RotationInProgressError when a rotation is already running. */
  rotateKeys(): Promise<RotationResult>;
}

export class RotationInProgressError extends Error {
  constructor() { super("a key rotation is already in progress"); this.name = "RotationInProgressError"; }
}

export interface SecretsEncryptionOptions {
  readonly dataDir: string;
  /** `--secrets-encryption`. Off with an existing configuration: new writes in plaintext, old data still readable. */
  readonly enabled: boolean;
  /** The raw store (values as stored). */
  readonly store: Store;
  readonly log: Logger;
  readonly now?: () => Date;
}

/** Store key prefix of an upstream resource name (`secrets`, `widgets.example.com`). */
export function prefixOf(resource: string): string {
  const dot = resource.indexOf(".");
  return dot < 0 ? `/registry/core/${resource}/` : `/registry/${resource.slice(dot + 1)}/${resource.slice(0, dot)}/`;
}

/** Undefined when encryption is off and was never on (no configuration file): no wrapper at all. */
export async function setupSecretsEncryption(opts: SecretsEncryptionOptions): Promise<SecretsEncryption | undefined> {
  const path = encryptionConfigPath(opts.dataDir);
  const now = opts.now ?? (() => new Date());
  let config = await readConfig(path);
  if (!config && !opts.enabled) return undefined;
  if (!config) {
    config = buildConfig([generateKey(now())]);
    await writeConfig(path, config);
    opts.log.info("secrets encryption: generated a key", { config: path });
  } else if (opts.enabled === writesPlaintext(config)) {
    config = buildConfig(secretboxKeys(config), !opts.enabled);
    await writeConfig(path, config);
    if (!opts.enabled) opts.log.warn("secrets encryption turned off: new writes are stored in plaintext; encrypted data stays readable", { config: path });
  }

  const prefixes = config.resources.flatMap((r) => r.resources).map(prefixOf);
  const matches = (key: string) => {
    for (const p of prefixes) if (key.startsWith(p)) return true;
    return false;
  };
  const build = (c: EncryptionConfiguration): ValueTransformer => createSecretboxTransformer(secretboxKeys(c), { writePlaintext: writesPlaintext(c) });
  let current = build(config);
  let stage: RotationStage = "start";
  let rotating = false;
  const binding: TransformerBinding = { matches, current: () => current };

  const apply = async (keys: readonly SecretboxKey[]) => {
    const next = buildConfig(keys);
    await writeConfig(path, next);
    current = build(next);
    config = next;
  };

  return {
    binding,
    reencrypt: (signal) => reencryptAll(opts.store, binding, prefixes, signal),
    async status() {
      const counts: Record<string, number> = {};
      for (const prefix of prefixes) {
        const { kvs } = await opts.store.list(prefix);
        for (const kv of kvs) {
          const name = storedKeyName(kv.value) ?? "identity";
          counts[name] = (counts[name] ?? 0) + 1;
        }
      }
      const enabled = !writesPlaintext(config!);
      const keys = secretboxKeys(config!).map((k, i) => ({ name: k.name, type: "XSalsa20-Poly1305" as const, active: enabled && i === 0 }));
      return { enabled, stage, configPath: path, keys, secrets: counts };
    },
    async rotateKeys() {
      if (rotating) throw new RotationInProgressError();
      if (writesPlaintext(config!)) throw new Error("secrets encryption is off: start the server with --secrets-encryption to rotate keys");
      rotating = true;
      const started = performance.now();
      try {
        const old = secretboxKeys(config!);
        const key = generateKey(now());
        await apply([key, ...old]);
        stage = "reencrypt_active";
        opts.log.info("secrets encryption: rotating to a new key", { key: key.name });
        const result = await reencryptAll(opts.store, binding, prefixes);
        await apply([key]);
        stage = "reencrypt_finished";
        const seconds = (performance.now() - started) / 1000;
        opts.log.info("secrets encryption: keys rotated", { key: key.name, rewritten: result.rewritten, seconds: seconds.toFixed(2) });
        return { ...result, key: key.name, removedKeys: old.map((k) => k.name), seconds };
      } finally {
        rotating = false;
      }
    },
  };
}
