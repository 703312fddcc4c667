import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { caBundleHash } from "../../agent/join/token.ts";
import { ensureServerTokens } from "./server-token.ts";

const root = mkdtempSync(`${tmpdir()}/server-token-`);
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const hash = caBundleHash(CA);
const dataDir = (name: string) => { const d = `${root}/${name}`; mkdirSync(`${d}/server`, { recursive: true }); return d; };

describe("server tokens on disk", () => {
  test("a random secret, written as K10<CA hash>::server:<secret>, node-token a link, kept across starts", () => {
    const d = dataDir("a");
    const t = ensureServerTokens({ dataDir: d, caBundle: CA });
    expect(t.serverToken).toBe(`K10${hash}::server:${t.serverSecret}`);
    expect(readFileSync(`${d}/server/token`, "utf8")).toBe(`${t.serverToken}\n`);
    expect(readlinkSync(`${d}/server/node-token`)).toBe("token");
    expect(readFileSync(`${d}/server/node-token`, "utf8")).toBe(`${t.serverToken}\n`);
    expect(ensureServerTokens({ dataDir: d, caBundle: CA }).serverSecret).toBe(t.serverSecret);
    expect(existsSync(`${d}/server/agent-token`)).toBe(false);
  });
  test("--token and --agent-token set the secrets; agent-token is node:<secret>", () => {
    const d = dataDir("b");
    const t = ensureServerTokens({ dataDir: d, caBundle: CA, token: "mysecret", agentToken: `K10${hash}::node:agentpw` });
    expect(t.serverSecret).toBe("mysecret");
    expect(t.agentSecret).toBe("agentpw");
    expect(readFileSync(`${d}/server/agent-token`, "utf8")).toBe(`K10${hash}::node:agentpw\n`);
  });
  test("a token for another CA is refused", () => {
    expect(() => ensureServerTokens({ dataDir: dataDir("c"), caBundle: CA, token: `K10${"0".repeat(64)}::server:x` })).toThrow("--token: the token's CA hash does not match");
  });
});
