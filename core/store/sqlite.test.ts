import { expect, test } from "bun:test";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { openSqliteStore, sqliteSynchronousLevel } from "./sqlite.ts";
import { setSynchronous, synchronousLevel } from "./sqlite-schema.ts";
import { collect, describeStoreSuite } from "./store-suite.ts";
import { CompactedError } from "./types.ts";

let dir: string | undefined;
let path = "";

describeStoreSuite("sqlite", {
  open: async () => {
    dir = await mkdtemp(join(tmpdir(), "lite-store-"));
    path = join(dir, "nested", "db", "state.db");
    return openSqliteStore(path, { compactor: false, compactBatch: 3 });
  },
  reopen: () => openSqliteStore(path, { compactor: false, compactBatch: 3 }),
  cleanup: async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  },
});

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const d = await mkdtemp(join(tmpdir(), "lite-store-"));
  try {
    return await fn(d);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
}

test("sqlite: parent directories are created 0700 and the file is 0600", async () => {
  await withTempDir(async (d) => {
    const s = await openSqliteStore(join(d, "a", "b", "state.db"), { compactor: false });
    await s.create("/k", "v");
    expect(s.dbSize()).toBeGreaterThan(0);
    await s.close();
    await s.close();
    expect((await stat(join(d, "a", "b"))).mode & 0o777).toBe(0o700);
    expect((await stat(join(d, "a", "b", "state.db"))).mode & 0o777).toBe(0o600);
  });
});

test("sqlite: concurrent writes share commits and keep their own revisions", async () => {
  await withTempDir(async (d) => {
    const s = await openSqliteStore(join(d, "state.db"), { compactor: false });
    const kvs = await Promise.all(Array.from({ length: 500 }, (_, i) => s.create(`/g/${i}`, String(i))));
    expect(kvs.map((kv) => kv.modRevision)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    // A rejected write in the middle of a batch changes nothing.
    const mixed = await Promise.allSettled([s.create("/g/new", "n"), s.create("/g/1", "dup"), s.create("/g/new2", "n")]);
    expect(mixed.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(s.currentRevision()).toBe(502);
    expect((await s.get("/g/1")).kv?.value).toBe("1");
    await s.close();
  });
});

test("sqlite: a watcher far behind reads history from the table, and ends with 410 once compacted past", async () => {
  await withTempDir(async (d) => {
    const s = await openSqliteStore(join(d, "state.db"), { compactor: false, watchRingSize: 16 });
    for (let i = 0; i < 100; i++) await s.create(`/w/${i}`, "v");
    const evs = await collect(s, "/w/", 0, 100);
    expect(evs.map((e) => e.kv.modRevision)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));

    // A watcher that has not consumed anything yet sits at revision 10, behind the ring.
    const ac = new AbortController();
    const it = s.watch("/w/", { afterRevision: 10, signal: ac.signal })[Symbol.asyncIterator]();
    await s.compact(60);
    await expect(it.next()).rejects.toBeInstanceOf(CompactedError);
    // A watcher that is within the ring is unaffected by compaction behind it.
    const recent = await collect(s, "/w/", 90, 10);
    expect(recent.length).toBe(10);
    ac.abort();
    await s.close();
  });
});

test("sqlite: periodic compactor keeps the last revisions", async () => {
  await withTempDir(async (d) => {
    const s = await openSqliteStore(join(d, "state.db"), { compactor: { intervalMs: 20, retainRevisions: 10 } });
    let k = await s.create("/c", "0");
    for (let i = 0; i < 50; i++) k = await s.update("/c", String(i), k.modRevision);
    await Bun.sleep(120);
    expect(s.compactRevision()).toBe(41);
    expect((await s.get("/c", 45)).kv?.value).toBe("43");
    await s.close();
  });
});

test("sqlite: the worker thread checkpoints the WAL into the database file", async () => {
  await withTempDir(async (d) => {
    const file = join(d, "state.db");
    const s = await openSqliteStore(file, { compactor: false, checkpointIntervalMs: 10 });
    await Promise.all(Array.from({ length: 2000 }, (_, i) => s.create(`/k/${i}`, "x".repeat(500))));
    const deadline = Date.now() + 3000;
    while ((await stat(file)).size < 1_000_000 && Date.now() < deadline) await Bun.sleep(20);
    expect((await stat(file)).size).toBeGreaterThan(1_000_000);
    await s.close();
  });
});

test("sqlite: every commit is durable (synchronous=FULL), before and after compaction sweeps that commit at NORMAL", async () => {
  await withTempDir(async (d) => {
    const s = await openSqliteStore(join(d, "state.db"), { compactor: false, compactBatch: 4 });
    expect(sqliteSynchronousLevel(s)).toBe(2);
    let k = await s.create("/c", "0");
    for (let i = 0; i < 20; i++) k = await s.update("/c", String(i), k.modRevision);
    expect(sqliteSynchronousLevel(s)).toBe(2);
    await s.compact(k.modRevision - 2);
    expect(sqliteSynchronousLevel(s)).toBe(2);
    await s.close();
  });
});

test("sqlite: setSynchronous switches the level every time (SQLite applies the pragma when it is prepared)", async () => {
  await withTempDir(async (d) => {
    const db = new Database(join(d, "p.db"), { create: true });
    db.run("PRAGMA journal_mode = WAL");
    for (const level of ["FULL", "NORMAL", "FULL", "NORMAL", "FULL"] as const) {
      setSynchronous(db, level);
      expect(synchronousLevel(db)).toBe(level === "FULL" ? 2 : 1);
    }
    db.close();
  });
});
