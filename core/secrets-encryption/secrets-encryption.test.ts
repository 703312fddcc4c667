import { afterEach, expect, test } from "bun:test";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withValueTransformer } from "../apiserver/storage/transforming-store.ts";
import { createMemoryStore } from "../store/memory.ts";
import type { Logger } from "@lite/sdk";
import { encryptionConfigPath, readConfig, secretboxKeys } from "./encryption-config.ts";
import { storedKeyName } from "./secretbox-transformer.ts";
import { prefixOf, setupSecretsEncryption } from "./secrets-encryption.ts";

const log: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => log };
let dir: string;
afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

const SECRET = "/registry/core/secrets/default/";

test("off and never on: nothing is created", async () => {
  dir = await mkdtemp(join(tmpdir(), "lite-enc-"));
  expect(await setupSecretsEncryption({ dataDir: dir, enabled: false, store: createMemoryStore(), log })).toBeUndefined();
  expect(await readConfig(encryptionConfigPath(dir))).toBeUndefined();
});

test("prefixOf maps upstream resource names to store prefixes", () => {
  expect(prefixOf("secrets")).toBe("/registry/core/secrets/");
  expect(prefixOf("widgets.example.com")).toBe("/registry/example.com/widgets/");
});

test("first start writes a 0600 config, encrypts existing plaintext, rotation leaves one new key", async () => {
  dir = await mkdtemp(join(tmpdir(), "lite-enc-"));
  const raw = createMemoryStore();
  for (let i = 0; i < 700; i++) await raw.create(`${SECRET}s${i}`, JSON.stringify({ data: { v: `plain-${i}` } }));
  await raw.create("/registry/core/configmaps/default/c", "cm-plain");
  const enc = (await setupSecretsEncryption({ dataDir: dir, enabled: true, store: raw, log }))!;
  const path = encryptionConfigPath(dir);
  expect((await stat(path)).mode & 0o777).toBe(0o600);
  expect((await stat(join(dir, "server", "cred"))).mode & 0o777).toBe(0o700);
  expect((await enc.status()).secrets).toEqual({ identity: 700 });
  expect(await enc.reencrypt()).toEqual({ scanned: 700, rewritten: 700 });
  const firstKey = secretboxKeys((await readConfig(path))!)[0]!.name;
  expect((await enc.status()).secrets).toEqual({ [firstKey]: 700 });
  expect((await raw.get("/registry/core/configmaps/default/c")).kv?.value).toBe("cm-plain");

  const api = withValueTransformer(raw, enc.binding);
  expect((await api.get(`${SECRET}s5`)).kv?.value).toBe('{"data":{"v":"plain-5"}}');
  const rotation = enc.rotateKeys();
  // Writes during the rotation go through with whichever key is current.
  const during = await api.update(`${SECRET}s1`, '{"data":{"v":"changed"}}', (await api.get(`${SECRET}s1`)).kv!.modRevision);
  const result = await rotation;
  expect(result.rewritten).toBeGreaterThanOrEqual(699);
  expect(result.removedKeys).toEqual([firstKey]);
  const keys = secretboxKeys((await readConfig(path))!);
  expect(keys.map((k) => k.name)).toEqual([result.key]);
  const status = await enc.status();
  expect(status.stage).toBe("reencrypt_finished");
  expect(status.secrets).toEqual({ [result.key]: 700 });
  expect((await api.get(`${SECRET}s1`)).kv?.value).toBe('{"data":{"v":"changed"}}');
  expect(during.value).toBe('{"data":{"v":"changed"}}');
  for (const kv of (await raw.list(SECRET)).kvs) expect(storedKeyName(kv.value)).toBe(result.key);

  // Restart: same config is reused; turning encryption off keeps data readable and writes plaintext.
  const again = (await setupSecretsEncryption({ dataDir: dir, enabled: true, store: raw, log }))!;
  expect((await again.reencrypt()).rewritten).toBe(0);
  const off = (await setupSecretsEncryption({ dataDir: dir, enabled: false, store: raw, log }))!;
  expect((await off.status()).enabled).toBe(false);
  expect((await withValueTransformer(raw, off.binding).get(`${SECRET}s2`)).kv?.value).toBe('{"data":{"v":"plain-2"}}');
  expect((await off.reencrypt()).rewritten).toBe(700);
  expect((await raw.get(`${SECRET}s2`)).kv?.value).toBe('{"data":{"v":"plain-2"}}');
});
