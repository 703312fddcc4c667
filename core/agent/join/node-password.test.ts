import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { ensureNodePassword, hashNodePassword, nodePasswordSecretName, verifyNodePassword } from "./node-password.ts";

const dir = mkdtempSync(`${tmpdir()}/node-password-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("node password", () => {
  test("created once (0600), then reused", () => {
    const file = `${dir}/agent/node-password`;
    const a = ensureNodePassword(file);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(ensureNodePassword(file)).toBe(a);
    expect(readFileSync(file, "utf8").trim()).toBe(a);
  });
  test("the server keeps a salted hash that verifies only the same password", () => {
    const stored = hashNodePassword("p4ssword-one");
    expect(stored).not.toContain("p4ssword-one");
    expect(hashNodePassword("p4ssword-one")).not.toBe(stored);
    expect(verifyNodePassword("p4ssword-one", stored)).toBe(true);
    expect(verifyNodePassword("p4ssword-two", stored)).toBe(false);
    expect(verifyNodePassword("p4ssword-one", "garbage")).toBe(false);
  });
  test("the Secret is named as K3s names it, lite-branded", () => {
    expect(nodePasswordSecretName("worker-1")).toBe("worker-1.node-password.lite");
  });
});
