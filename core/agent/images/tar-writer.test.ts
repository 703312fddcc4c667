import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { writeTar } from "./tar-writer.ts";

const dir = mkdtempSync(`${tmpdir()}/lite-tar-test-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const enc = new TextEncoder();

function sh(cmd: string[], cwd = dir): string {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

describe("writeTar", () => {
  test("GNU tar lists and extracts files, dirs, symlinks, modes and long names", () => {
    const longDir = `${"d".repeat(60)}/${"e".repeat(60)}`;
    const tar = writeTar([
      { type: "dir", name: "bin" },
      { type: "file", name: "bin/tool", data: enc.encode("#!/bin/sh\necho hi\n"), mode: 0o755 },
      { type: "symlink", name: "bin/alias", target: "/bin/tool" },
      { type: "dir", name: "tmp", mode: 0o1777 },
      { type: "dir", name: longDir },
      { type: "file", name: `${longDir}/file.txt`, data: enc.encode("x".repeat(1000)) },
    ], 1_700_000_000);
    expect(tar.length % 512).toBe(0);
    writeFileSync(`${dir}/t.tar`, tar);
    const listing = sh(["tar", "-tvf", "t.tar"]);
    expect(listing).toContain("-rwxr-xr-x root/root        18 2023-11-14");
    expect(listing).toMatch(/lrwxrwxrwx root\/root\s+0 .* bin\/alias -> \/bin\/tool/);
    expect(listing).toMatch(/drwxrwxrwt root\/root/);
    expect(listing).toContain(`${longDir}/file.txt`);
    sh(["mkdir", "-p", "x"]);
    sh(["tar", "-xpf", "../t.tar"], `${dir}/x`);
    expect(readFileSync(`${dir}/x/bin/tool`, "utf8")).toBe("#!/bin/sh\necho hi\n");
    expect(readlinkSync(`${dir}/x/bin/alias`)).toBe("/bin/tool");
    expect(statSync(`${dir}/x/tmp`).mode & 0o7777).toBe(0o1777);
    expect(readFileSync(`${dir}/x/${longDir}/file.txt`, "utf8")).toBe("x".repeat(1000));
  });

  test("is deterministic and rejects names ustar cannot hold", () => {
    const entries = [{ type: "file" as const, name: "a", data: enc.encode("a") }];
    expect(writeTar(entries)).toEqual(writeTar(entries));
    expect(() => writeTar([{ type: "file", name: "n".repeat(101), data: new Uint8Array() }])).toThrow(/too long/);
  });
});
