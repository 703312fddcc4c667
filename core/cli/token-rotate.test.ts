import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { currentServerToken, parseRotateFlags, type RotateFlags } from "./token-command.ts";

const root = mkdtempSync(`${tmpdir()}/token-rotate-`);
afterAll(() => rmSync(root, { recursive: true, force: true }));
const HASH = "a".repeat(64);
const errorOf = (f: () => unknown) => { try { f(); return ""; } catch (e) { return (e as Error).message; } };

describe("lite token rotate flags", () => {
  test("defaults, environment and flags", () => {
    expect(parseRotateFlags([], {})).toEqual({ token: undefined, server: "https://127.0.0.1:6443", dataDir: "/var/lib/lite" });
    expect(parseRotateFlags([], { LITE_TOKEN: "t", LITE_URL: "https://10.0.0.1:6443/", LITE_DATA_DIR: "/d" })).toEqual({ token: "t", server: "https://10.0.0.1:6443", dataDir: "/d" });
    expect(parseRotateFlags(["-t", "old", "--new-token=new", "-s", "https://h:1", "-d", "/x"], {})).toEqual({ token: "old", newToken: "new", server: "https://h:1", dataDir: "/x" });
    expect(parseRotateFlags(["--help"], {})).toBe("help");
  });
  test("bad input", () => {
    expect(errorOf(() => parseRotateFlags(["--ttl", "1h"], {}))).toBe("unknown flag --ttl (see lite token --help)");
    expect(errorOf(() => parseRotateFlags(["NEW"], {}))).toBe(`rotate takes no arguments (got "NEW"; the new token goes in --new-token)`);
    expect(errorOf(() => parseRotateFlags(["--new-token"], {}))).toBe("flag --new-token needs a value");
    expect(errorOf(() => parseRotateFlags(["--server", "http://h:6443"], {}))).toBe(`--server: expected an https:// URL such as https://10.0.0.1:6443, got "http://h:6443"`);
  });
  test("the current token: given, or read from the data dir; a server token only", () => {
    const flags = (token?: string, dataDir = `${root}/none`): RotateFlags => ({ token, server: "https://h:6443", dataDir });
    expect(currentServerToken(flags(`K10${HASH}::server:s3cret`))).toEqual({ caHash: HASH, credentials: { kind: "password", username: "server", password: "s3cret" } });
    expect(currentServerToken(flags("s3cret"))).toEqual({ credentials: { kind: "password", username: "server", password: "s3cret" } });
    mkdirSync(`${root}/dd/server`, { recursive: true });
    writeFileSync(`${root}/dd/server/token`, `K10${HASH}::server:fromfile\n`);
    expect(currentServerToken(flags(undefined, `${root}/dd`)).credentials).toEqual({ kind: "password", username: "server", password: "fromfile" });
    expect(errorOf(() => currentServerToken(flags()))).toBe(`no --token given and cannot read ${root}/none/server/token: ENOENT (pass --token or --data-dir)`);
    expect(errorOf(() => currentServerToken(flags(`K10${HASH}::node:s3cret`)))).toBe(`--token: the token's user is "node"; only the server token (user server) can rotate it`);
    expect(errorOf(() => currentServerToken(flags(`K10${HASH}::abcdef.0123456789abcdef`)))).toContain("--token: a bootstrap token cannot rotate the server token");
    expect(errorOf(() => currentServerToken(flags("K10zz::server:x")))).toBe("--token: the token's CA hash is not 64 hex digits (expected K10<sha256>::<credentials>)");
  });
});
