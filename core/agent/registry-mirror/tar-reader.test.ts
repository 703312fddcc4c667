import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { writeTar } from "../images/tar-writer.ts";
import { readTarFiles } from "./tar-reader.ts";

const tmp = mkdtempSync("/tmp/lite-tar-reader-");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const enc = new TextEncoder();
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

test("reads lite's own ustar archives: files only, long names through the prefix field", () => {
  const long = `${"d".repeat(80)}/${"e".repeat(60)}/file.txt`;
  const files = readTarFiles(writeTar([
    { type: "dir", name: "blobs" },
    { type: "file", name: "a.txt", data: enc.encode("alpha") },
    { type: "symlink", name: "link", target: "a.txt" },
    { type: "file", name: long, data: enc.encode("x".repeat(700)) },
    { type: "file", name: "empty", data: new Uint8Array(0) },
  ]));
  expect([...files.keys()]).toEqual(["a.txt", long, "empty"]);
  expect(text(files.get("a.txt"))).toBe("alpha");
  expect(files.get(long)!.length).toBe(700);
  expect(files.get("empty")!.length).toBe(0);
});

test("reads GNU tar's PAX archives (long names in extended headers, ./ prefixes)", () => {
  const name = `${"n".repeat(120)}.txt`; // no '/' to split at: needs a PAX path record
  mkdirSync(`${tmp}/src`);
  writeFileSync(`${tmp}/src/${name}`, "pax!");
  writeFileSync(`${tmp}/src/short`, "s");
  const r = Bun.spawnSync(["tar", "--format=pax", "-C", `${tmp}/src`, "-cf", `${tmp}/a.tar`, "./"]);
  expect(r.exitCode).toBe(0);
  const files = readTarFiles(new Uint8Array(readFileSync(`${tmp}/a.tar`)));
  expect(text(files.get(name))).toBe("pax!");
  expect(text(files.get("short"))).toBe("s");
});

test("rejects corrupt and truncated archives", () => {
  const tar = writeTar([{ type: "file", name: "a", data: enc.encode("x".repeat(1000)) }]);
  const corrupt = tar.slice();
  corrupt[0] = 0x62;
  expect(() => readTarFiles(corrupt)).toThrow(/checksum/);
  expect(() => readTarFiles(tar.slice(0, 1024))).toThrow(/truncated/);
});
