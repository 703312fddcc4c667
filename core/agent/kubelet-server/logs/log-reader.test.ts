import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFile, mkdtemp, open, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCriLog, tailOffset, type LogReadOptions } from "./log-reader.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lite-logs-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
/** A CRI record at T0 + `s` seconds. */
const rec = (s: number, content: string, tag = "F", stream = "stdout") =>
  `${new Date(T0 + s * 1000).toISOString().replace(".000Z", ".123456789Z")} ${stream} ${tag} ${content}\n`;

const SAMPLE = [rec(0, "one"), rec(1, "two", "F", "stderr"), rec(2, "thr", "P"), rec(2.5, "ee"), "not a record\n", rec(3, "four"), rec(4, "five")].join("");

let n = 0;
async function file(content: string): Promise<string> {
  const p = join(dir, `${n++}.log`);
  await writeFile(p, content);
  return p;
}

async function readAll(path: string, opts: LogReadOptions = {}): Promise<string> {
  let out = "";
  for await (const chunk of readCriLog(path, opts)) out += new TextDecoder().decode(chunk);
  return out;
}

describe("readCriLog", () => {
  test("without follow: the log as it was when reading began (lines appended meanwhile are not added to a tail)", async () => {
    // Bigger than one read, so the reader is mid-file when more is appended.
    const big = Array.from({ length: 3000 }, (_, i) => rec(i / 1000, `line-${i}`)).join("");
    const path = await file(big);
    const reader = readCriLog(path, { tailLines: 2000 });
    let out = new TextDecoder().decode((await reader.next()).value as Uint8Array);
    await appendFile(path, rec(10, "late"));
    for await (const chunk of reader) out += new TextDecoder().decode(chunk);
    const lines = out.trimEnd().split("\n");
    expect(lines).toHaveLength(2000);
    expect(lines.at(-1)).toBe("line-2999");
  });

  test("plain: contents of every record, partial lines joined, junk skipped", async () => {
    expect(await readAll(await file(SAMPLE))).toBe("one\ntwo\nthree\nfour\nfive\n");
  });

  test("timestamps: the first fragment's time on each line", async () => {
    const out = await readAll(await file(SAMPLE), { timestamps: true });
    expect(out.split("\n")[2]).toBe("2024-05-01T10:00:02.123456789Z three");
    expect(out.split("\n")[0]).toBe("2024-05-01T10:00:00.123456789Z one");
  });

  test("tailLines counts logical lines", async () => {
    const p = await file(SAMPLE);
    expect(await readAll(p, { tailLines: 2 })).toBe("four\nfive\n");
    expect(await readAll(p, { tailLines: 4 })).toBe("three\nfour\nfive\n"); // the junk line counts as a line
    expect(await readAll(p, { tailLines: 3 })).toBe("four\nfive\n");
    expect(await readAll(p, { tailLines: 5 })).toBe("two\nthree\nfour\nfive\n");
    expect(await readAll(p, { tailLines: 100 })).toBe("one\ntwo\nthree\nfour\nfive\n");
    expect(await readAll(p, { tailLines: 0 })).toBe("");
  });

  test("tailOffset over a file larger than one read chunk", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => rec(i, `line-${i} ${"x".repeat(40)}`)).join("");
    const p = await file(lines);
    const fh = await open(p);
    try {
      const off = await tailOffset(fh, 3);
      expect(lines.slice(off)).toBe([4997, 4998, 4999].map((i) => rec(i, `line-${i} ${"x".repeat(40)}`)).join(""));
    } finally {
      await fh.close();
    }
    expect(await readAll(p, { tailLines: 1 })).toBe(`line-4999 ${"x".repeat(40)}\n`);
  });

  test("tailOffset counts back from the size given (the file when the request came), not from lines appended since", async () => {
    const first = [0, 1, 2].map((i) => rec(i, `line-${i}`)).join("");
    const p = await file(first + rec(3, "line-3"));
    const fh = await open(p);
    try {
      expect(first.slice(await tailOffset(fh, 1, first.length))).toBe(rec(2, "line-2"));
    } finally {
      await fh.close();
    }
  });

  test("sinceMs skips older records", async () => {
    expect(await readAll(await file(SAMPLE), { sinceMs: T0 + 2900 })).toBe("four\nfive\n");
  });

  test("limitBytes cuts the output, timestamps included", async () => {
    const p = await file(SAMPLE);
    expect(await readAll(p, { limitBytes: 6 })).toBe("one\ntw");
    const ts = await readAll(p, { limitBytes: 35, timestamps: true });
    expect(ts).toBe("2024-05-01T10:00:00.123456789Z one\n");
  });

  test("an unfinished last line is shown when not following", async () => {
    expect(await readAll(await file(rec(0, "a") + rec(1, "b").trimEnd()))).toBe("a\nb");
  });

  test("missing file rejects", async () => {
    expect(readAll(join(dir, "nope.log"))).rejects.toThrow(/ENOENT/);
  });
});

describe("follow", () => {
  test("streams appended records and ends after the container stops", async () => {
    const p = await file(rec(0, "first"));
    let running = true;
    const got: string[] = [];
    const reading = (async () => {
      for await (const chunk of readCriLog(p, { follow: () => running, pollMs: 20 })) got.push(new TextDecoder().decode(chunk));
    })();
    await waitFor(() => got.join("") === "first\n");
    await appendFile(p, rec(1, "sec", "P"));
    await waitFor(() => got.join("") === "first\nsec"); // a partial record is shown as it arrives
    await appendFile(p, rec(1, "ond"));
    await waitFor(() => got.join("") === "first\nsecond\n");
    await appendFile(p, rec(2, "last words"));
    running = false; // written just before the container stopped: still delivered
    await reading;
    expect(got.join("")).toBe("first\nsecond\nlast words\n");
  });

  test("follows the new file after a rotation", async () => {
    const p = await file(rec(0, "old"));
    let running = true;
    let out = "";
    const reading = (async () => {
      for await (const chunk of readCriLog(p, { follow: () => running, pollMs: 20 })) out += new TextDecoder().decode(chunk);
    })();
    await waitFor(() => out === "old\n");
    await appendFile(p, rec(1, "old tail"));
    await rename(p, `${p}.1`);
    await writeFile(p, rec(2, "new"));
    await waitFor(() => out === "old\nold tail\nnew\n");
    running = false;
    await reading;
  });

  test("the abort signal ends a follower", async () => {
    const p = await file(rec(0, "x"));
    const abort = new AbortController();
    const reading = (async () => {
      let s = "";
      for await (const chunk of readCriLog(p, { follow: () => true, signal: abort.signal, pollMs: 5000 })) s += new TextDecoder().decode(chunk);
      return s;
    })();
    await Bun.sleep(50);
    abort.abort();
    expect(await reading).toBe("x\n");
  });
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await Bun.sleep(10);
  }
}
