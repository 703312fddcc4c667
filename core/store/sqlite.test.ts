import { expect, test } from "bun:test";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "./sqlite.ts";
import { collect, describeStoreSuite } from "./store-suite.ts";
import type { WalSync } from "./wal-sync.ts";
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

/** A WAL syncer the test completes by hand; it records how many syncs were asked for, and how. */
function manualWalSync() {
  const waiting: ((err: Error | null) => void)[] = [];
  const calls: ("now" | "pool")[] = [];
  let failNow: Error | undefined;
  const sync: WalSync = {
    syncNow() { calls.push("now"); if (failNow) throw failNow; },
    sync(done) { calls.push("pool"); waiting.push(done); },
    close() {},
  };
  return {
    factory: () => sync,
    calls,
    pending: () => waiting.length,
    finish(err: Error | null = null) { waiting.shift()!(err); },
    failInline(err: Error) { failNow = err; },
  };
}

const settled = async (p: Promise<unknown>) => {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await Bun.sleep(5);
  return done;
};

test("sqlite: commits write the WAL at synchronous=NORMAL and a write is acknowledged only after the WAL sync that follows its COMMIT", async () => {
  await withTempDir(async (d) => {
    const wal = manualWalSync();
    const s = await openSqliteStore(join(d, "state.db"), { compactor: false, walSync: wal.factory });
    expect(s.synchronousLevel()).toBe(1);
    // An isolated write is synced on the main thread at once.
    const first = await s.create("/a", "1");
    expect(wal.calls).toEqual(["now"]);
    expect(s.currentRevision()).toBe(first.modRevision);

    const events: number[] = [];
    const ac = new AbortController();
    void (async () => { for await (const e of s.watch("/", { afterRevision: first.modRevision, signal: ac.signal })) events.push(e.kv.modRevision); })().catch(() => {});
    // A batch of three goes to the pool: nothing is acknowledged, visible or published before the sync ends.
    const batch = [s.create("/b", "1"), s.create("/c", "1"), s.create("/d", "1")];
    expect(await settled(Promise.all(batch))).toBe(false);
    expect(wal.calls).toEqual(["now", "pool"]);
    expect(s.currentRevision()).toBe(first.modRevision);
    expect((await s.get("/b")).kv).toBeUndefined();
    expect(events).toEqual([]);
    // Writes committed while that sync runs wait for the next one, which starts when it ends.
    const later = [s.create("/e", "1"), s.create("/f", "1"), s.create("/g", "1")];
    await Bun.sleep(5);
    expect(wal.pending()).toBe(1);
    wal.finish();
    const kvs = await Promise.all(batch);
    expect(kvs.map((kv) => kv.modRevision)).toEqual([2, 3, 4]);
    expect(s.currentRevision()).toBe(4);
    expect((await s.get("/b")).kv?.value).toBe("1");
    expect(await settled(Promise.all(later))).toBe(false);
    expect(wal.calls).toEqual(["now", "pool", "pool"]);
    wal.finish();
    expect((await Promise.all(later)).map((kv) => kv.modRevision)).toEqual([5, 6, 7]);
    await Bun.sleep(5);
    expect(events).toEqual([2, 3, 4, 5, 6, 7]);
    ac.abort();
    await s.close();
  });
});

test("sqlite: a failed WAL sync rejects the writes it covered and every write after it", async () => {
  await withTempDir(async (d) => {
    const wal = manualWalSync();
    const errors: unknown[] = [];
    const s = await openSqliteStore(join(d, "state.db"), { compactor: false, walSync: wal.factory, onBackgroundError: (e) => errors.push(e) });
    await s.create("/ok", "1");
    const batch = [s.create("/b", "1"), s.create("/c", "1"), s.create("/d", "1")].map((p) => p.catch((e: Error) => e.message));
    await Bun.sleep(5);
    wal.finish(new Error("EIO: i/o error, fdatasync"));
    for (const m of await Promise.all(batch)) expect(m).toContain("write-ahead log could not be synced to disk (EIO: i/o error, fdatasync)");
    expect(errors).toHaveLength(1);
    expect(s.create("/next", "1")).rejects.toThrow("writes are refused until lite restarts");
    expect(s.currentRevision()).toBe(1);
    await s.close();
  });
});

test("sqlite: the default WAL sync makes every acknowledged write survive a reopen, also across compaction sweeps", async () => {
  await withTempDir(async (d) => {
    const file = join(d, "state.db");
    const s = await openSqliteStore(file, { compactor: false, compactBatch: 4 });
    let k = await s.create("/c", "0");
    for (let i = 0; i < 20; i++) k = await s.update("/c", String(i), k.modRevision);
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.create(`/n/${i}`, "x")));
    await s.compact(k.modRevision - 2);
    expect(s.synchronousLevel()).toBe(1);
    await s.close();
    const again = await openSqliteStore(file, { compactor: false });
    expect((await again.get("/c")).kv?.value).toBe("19");
    expect((await again.list("/n/")).kvs).toHaveLength(50);
    await again.close();
  });
});

test("sqlite: settled() resolves once every write accepted before it is synced, so a retry after a conflict reads the winner", async () => {
  await withTempDir(async (d) => {
    const wal = manualWalSync();
    const s = await openSqliteStore(join(d, "state.db"), { compactor: false, walSync: wal.factory });
    const base = await s.create("/k", "0");
    expect(await settled(s.settled())).toBe(true); // nothing pending
    // Three writes go to the pool sync; the one to /k wins a CAS that a second writer then loses.
    const winner = s.update("/k", "winner", base.modRevision);
    const others = [s.create("/x", "1"), s.create("/y", "1")];
    const loser = s.update("/k", "loser", base.modRevision).then(() => "updated", (e: Error) => e.constructor.name);
    // The winner is accepted but not synced: a read still shows the old row, and the loser waits.
    expect((await s.get("/k")).kv?.value).toBe("0");
    const barrier = s.settled();
    expect(await settled(barrier)).toBe(false);
    expect(await settled(loser)).toBe(false);
    wal.finish();
    await barrier;
    expect(await loser).toBe("ConflictError");
    expect((await s.get("/k")).kv?.value).toBe("winner");
    await Promise.all([winner, ...others]);
    await s.close();
  });
});

test("sqlite: a write refused because of a row not synced yet is refused once that row is readable (no AlreadyExists, then NotFound)", async () => {
  await withTempDir(async (d) => {
    const wal = manualWalSync();
    const s = await openSqliteStore(join(d, "state.db"), { compactor: false, walSync: wal.factory });
    await s.create("/durable", "0");
    const batch = [s.create("/a", "1"), s.create("/b", "1"), s.create("/n", "first")];
    const refused = s.create("/n", "second").then(() => "created", (e: Error) => e.constructor.name);
    // Refusals against synced rows are immediate.
    await expect(s.create("/durable", "again")).rejects.toThrow();
    expect(await settled(refused)).toBe(false);
    wal.finish();
    expect(await refused).toBe("KeyExistsError");
    expect((await s.get("/n")).kv?.value).toBe("first");
    await Promise.all(batch);
    await s.close();
  });
});
