import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { caBundleHash } from "../../agent/join/token.ts";
import { ensureServerTokens, parseNewServerSecret, rotateServerToken } from "./server-token.ts";

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

describe("lite token rotate on the server", () => {
  test("the new secret replaces the old in memory and in server/token; the old one is retired and refused as --token at the next start", () => {
    const d = dataDir("rotate");
    const tokens = ensureServerTokens({ dataDir: d, caBundle: CA });
    const old = tokens.serverSecret;
    const full = rotateServerToken({ dataDir: d, caBundle: CA, tokens, newToken: "0123456789abcdef-new" });
    expect(full).toBe(`K10${hash}::server:0123456789abcdef-new`);
    expect(tokens.serverSecret).toBe("0123456789abcdef-new");
    expect(tokens.serverToken).toBe(full);
    expect(readFileSync(`${d}/server/token`, "utf8")).toBe(`${full}\n`);
    expect(readFileSync(`${d}/server/node-token`, "utf8")).toBe(`${full}\n`);
    // A restart without --token keeps the new secret; with the old --token it is refused.
    expect(ensureServerTokens({ dataDir: d, caBundle: CA }).serverSecret).toBe("0123456789abcdef-new");
    expect(() => ensureServerTokens({ dataDir: d, caBundle: CA, token: old })).toThrow("--token: this token was replaced by lite token rotate");
    // Rotating back to a retired secret, or to the current one, is refused.
    expect(() => rotateServerToken({ dataDir: d, caBundle: CA, tokens, newToken: old })).toThrow("retired by an earlier rotation");
    expect(() => rotateServerToken({ dataDir: d, caBundle: CA, tokens, newToken: "0123456789abcdef-new" })).toThrow("the new token is the current token");
  });
  test("without a new token a random 32-hex secret; a full K10 token of this CA is accepted", () => {
    const d = dataDir("rotate-random");
    const tokens = ensureServerTokens({ dataDir: d, caBundle: CA });
    expect(rotateServerToken({ dataDir: d, caBundle: CA, tokens })).toMatch(new RegExp(`^K10${hash}::server:[0-9a-f]{32}$`));
    expect(rotateServerToken({ dataDir: d, caBundle: CA, tokens, newToken: `K10${hash}::server:abcdefghijklmnopq` })).toBe(`K10${hash}::server:abcdefghijklmnopq`);
  });
  test("bad new tokens", () => {
    expect(() => parseNewServerSecret("")).toThrow("the new token is empty");
    expect(() => parseNewServerSecret("short")).toThrow("the new token's secret is 5 characters long; use at least 16");
    expect(() => parseNewServerSecret("has a space in it!!")).toThrow("printable ASCII characters only");
    expect(() => parseNewServerSecret("node:0123456789abcdef")).toThrow("printable ASCII characters only");
    expect(() => parseNewServerSecret("abcdef.0123456789abcdef")).toThrow("a bootstrap token cannot be the server token");
    expect(() => parseNewServerSecret(`K10${hash}::node:0123456789abcdef`)).toThrow("must be a server token");
    expect(() => parseNewServerSecret(`K10${"0".repeat(64)}::server:0123456789abcdef`, hash)).toThrow("CA hash does not match");
    expect(parseNewServerSecret("server:0123456789abcdef")).toBe("0123456789abcdef");
    expect(parseNewServerSecret(" 0123456789abcdef\n")).toBe("0123456789abcdef");
  });
});
