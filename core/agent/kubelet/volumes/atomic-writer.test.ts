import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { writeAtomically, type Payload } from "./atomic-writer.ts";

let dir: string;
beforeEach(() => { dir = mkdtempSync(`${tmpdir()}/aw-`); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const payload = (entries: Record<string, string | [string, number]>): Payload =>
  new Map(Object.entries(entries).map(([k, v]) => [k, typeof v === "string" ? { data: v, mode: 0o644 } : { data: v[0], mode: v[1] }]));
const hidden = () => readdirSync(dir).filter((n) => n.startsWith("..") && n !== "..data").sort();

describe("writeAtomically", () => {
  test("first write: timestamped dir, ..data link, user-visible links, modes", () => {
    expect(writeAtomically(dir, payload({ a: "A", "sub/b": ["B", 0o400] }), { now: new Date(Date.UTC(2026, 10, 28, 9, 5, 7)) })).toBe(true);
    const ts = readlinkSync(`${dir}/..data`);
    expect(ts).toMatch(/^\.\.2026_11_28_09_05_07\.\d+$/);
    expect(hidden()).toEqual([ts]);
    expect(readlinkSync(`${dir}/a`)).toBe("..data/a");
    expect(readlinkSync(`${dir}/sub`)).toBe("..data/sub");
    expect(readFileSync(`${dir}/sub/b`, "utf8")).toBe("B");
    expect(statSync(`${dir}/a`).mode & 0o777).toBe(0o644);
    expect(statSync(`${dir}/sub/b`).mode & 0o777).toBe(0o400);
    expect(statSync(`${dir}/${ts}`).mode & 0o777).toBe(0o755);
  });

  test("same content: nothing is written; new content: ..data swaps and the old version goes", () => {
    writeAtomically(dir, payload({ a: "A", b: "B" }));
    const first = readlinkSync(`${dir}/..data`);
    expect(writeAtomically(dir, payload({ a: "A", b: "B" }))).toBe(false);
    expect(readlinkSync(`${dir}/..data`)).toBe(first);

    expect(writeAtomically(dir, payload({ a: "A2", c: "C" }))).toBe(true);
    const second = readlinkSync(`${dir}/..data`);
    expect(second).not.toBe(first);
    expect(hidden()).toEqual([second]);
    expect(readFileSync(`${dir}/a`, "utf8")).toBe("A2");
    expect(readFileSync(`${dir}/c`, "utf8")).toBe("C");
    expect(() => lstatSync(`${dir}/b`)).toThrow();
    expect(readdirSync(dir).filter((n) => !n.startsWith("..")).sort()).toEqual(["a", "c"]);
  });

  test("a removed key alone is an update", () => {
    writeAtomically(dir, payload({ a: "A", b: "B" }));
    expect(writeAtomically(dir, payload({ a: "A" }))).toBe(true);
    expect(readdirSync(dir).filter((n) => !n.startsWith("..")).sort()).toEqual(["a"]);
  });

  test("an empty payload still creates ..data (optional source missing)", () => {
    expect(writeAtomically(dir, new Map())).toBe(true);
    expect(readdirSync(`${dir}/..data`)).toEqual([]);
  });

  test("invalid paths are rejected with upstream's messages", () => {
    expect(() => writeAtomically(dir, payload({ "/abs": "x" }))).toThrow("invalid path: must be relative path: /abs");
    expect(() => writeAtomically(dir, payload({ "a/../b": "x" }))).toThrow("invalid path: must not contain '..': a/../b");
    expect(() => writeAtomically(dir, payload({ "..hidden": "x" }))).toThrow("invalid path: must not start with '..': ..hidden");
    expect(() => writeAtomically(dir, payload({ "": "x" }))).toThrow('invalid path: must not be empty: ""');
    expect(readdirSync(dir)).toEqual([]);
  });
});
