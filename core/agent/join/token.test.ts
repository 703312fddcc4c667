import { describe, expect, test } from "bun:test";
import { authorizationHeader, caBundleHash, formatJoinToken, parseJoinToken } from "./token.ts";

const HASH = "a".repeat(64);

describe("join tokens (K3s format)", () => {
  test("a full server token: CA hash and user:password", () => {
    expect(parseJoinToken(`K10${HASH}::server:s3cret\n`)).toEqual({ caHash: HASH, credentials: { kind: "password", username: "server", password: "s3cret" } });
    expect(formatJoinToken(HASH, "node", "pw")).toBe(`K10${HASH}::node:pw`);
    expect(parseJoinToken(formatJoinToken(HASH, "node", "pw")).credentials).toEqual({ kind: "password", username: "node", password: "pw" });
  });
  test("a full bootstrap token", () => {
    expect(parseJoinToken(`K10${HASH.toUpperCase()}::abcdef.0123456789abcdef`)).toEqual({ caHash: HASH, credentials: { kind: "bootstrap", id: "abcdef", secret: "0123456789abcdef" } });
  });
  test("short tokens carry no hash; a bare password is the node user's", () => {
    expect(parseJoinToken("hunter2")).toEqual({ caHash: undefined, credentials: { kind: "password", username: "node", password: "hunter2" } });
    expect(parseJoinToken("abcdef.0123456789abcdef").caHash).toBeUndefined();
  });
  test("malformed tokens are refused with a readable reason", () => {
    expect(() => parseJoinToken(`K10abc::server:x`)).toThrow("the token's CA hash is not 64 hex digits");
    expect(() => parseJoinToken(`K10${HASH}::`)).toThrow("the token has no credentials");
    expect(() => parseJoinToken("  ")).toThrow("the token is empty");
    expect(() => parseJoinToken("server:")).toThrow("the token's password is empty");
  });
  test("the CA hash is SHA-256 over the bundle's exact bytes", () => {
    expect(caBundleHash("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(caBundleHash(new TextEncoder().encode("abc"))).toBe(caBundleHash("abc"));
  });
  test("credentials become Basic or Bearer", () => {
    expect(authorizationHeader({ kind: "password", username: "node", password: "pw" })).toBe(`Basic ${btoa("node:pw")}`);
    expect(authorizationHeader({ kind: "bootstrap", id: "abcdef", secret: "0123456789abcdef" })).toBe("Bearer abcdef.0123456789abcdef");
  });
});
