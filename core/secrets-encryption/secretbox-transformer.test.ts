import { expect, test } from "bun:test";
import { generateKey } from "./encryption-config.ts";
import { createSecretboxTransformer, storedKeyName } from "./secretbox-transformer.ts";

const k1 = generateKey(new Date("2025-01-01T00:00:00Z"));
const k2 = { ...generateKey(new Date("2025-02-01T00:00:00Z")) };

test("encrypts with the first key under the upstream prefix; reads any listed key", () => {
  const t = createSecretboxTransformer([k1]);
  const stored = t.toStorage('{"data":{"password":"hunter2"}}', "/registry/core/secrets/default/x");
  expect(stored).toStartWith(`k8s:enc:secretbox:v1:${k1.name}:`);
  expect(stored).not.toContain("hunter2");
  expect(storedKeyName(stored)).toBe(k1.name);
  expect(t.fromStorage(stored, "k")).toEqual({ value: '{"data":{"password":"hunter2"}}', stale: false });
  // Two encryptions of one value differ (random nonce).
  expect(t.toStorage("same", "k")).not.toBe(t.toStorage("same", "k"));
  const rotated = createSecretboxTransformer([k2, k1]);
  expect(rotated.fromStorage(stored, "k")).toEqual({ value: '{"data":{"password":"hunter2"}}', stale: true });
  expect(storedKeyName(rotated.toStorage("v", "k"))).toBe(k2.name);
});

test("plaintext is read through the identity fallback and is stale", () => {
  expect(createSecretboxTransformer([k1]).fromStorage('{"a":1}', "k")).toEqual({ value: '{"a":1}', stale: true });
  const off = createSecretboxTransformer([k1], { writePlaintext: true });
  expect(off.toStorage("p", "k")).toBe("p");
  expect(off.fromStorage("p", "k")).toEqual({ value: "p", stale: false });
  expect(off.fromStorage(createSecretboxTransformer([k1]).toStorage("p", "k"), "k")).toEqual({ value: "p", stale: true });
});

test("unknown keys, tampering and other providers are errors", () => {
  const stored = createSecretboxTransformer([k1]).toStorage("secret", "k");
  expect(() => createSecretboxTransformer([k2]).fromStorage(stored, "/x")).toThrow(/does not list/);
  const body = Buffer.from(stored.split(":").at(-1)!, "base64");
  body[body.length - 1] = body[body.length - 1]! ^ 1;
  const tampered = stored.slice(0, stored.lastIndexOf(":") + 1) + body.toString("base64");
  expect(() => createSecretboxTransformer([k1]).fromStorage(tampered, "/x")).toThrow(/tampered/);
  expect(() => createSecretboxTransformer([k1]).fromStorage("k8s:enc:aescbc:v1:key1:xxx", "/x")).toThrow(/unsupported/);
});
