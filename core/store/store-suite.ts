/**
 * The Store contract as a test suite, run against every driver (memory.test.ts, sqlite.test.ts).
 * `open` makes a fresh, empty store; `reopen`, when the driver is durable, closes nothing itself
 * and reopens the same database after the test closed the first handle.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CompactedError, ConflictError, KeyExistsError, KeyNotFoundError } from "./types.ts";
import type { Store, WatchEvent } from "./types.ts";

export interface SuiteDriver {
  /** A fresh empty store. */
  open(): Promise<Store>;
  /** Reopen the store most recently returned by open() (after it was closed). Durable drivers only. */
  reopen?: () => Promise<Store>;
  /** Remove whatever open() created. */
  cleanup(): Promise<void>;
}

/** Take events from a watch until `n` arrived (or fail after `ms`). Aborts the watch afterwards. */
export async function collect(store: Store, prefix: string, afterRevision: number, n: number, ms = 5000): Promise<WatchEvent[]> {
  const ac = new AbortController();
  const out: WatchEvent[] = [];
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    for await (const ev of store.watch(prefix, { afterRevision, signal: ac.signal })) {
      out.push(ev);
      if (out.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return out;
}

export function describeStoreSuite(name: string, driver: SuiteDriver): void {
  describe(`${name} store`, () => {
    const opened: Store[] = [];
    const open = async (): Promise<Store> => {
      const s = await driver.open();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await driver.cleanup();
    });

    test("create, get, exists", async () => {
      const s = await open();
      expect(s.currentRevision()).toBe(0);
      const kv = await s.create("/a/1", "v1");
      expect(kv).toEqual({ key: "/a/1", value: "v1", createRevision: 1, modRevision: 1, lease: 0 });
      expect(s.currentRevision()).toBe(1);
      expect((await s.get("/a/1")).kv).toEqual(kv);
      expect(await s.get("/a/2")).toEqual({ revision: 1 });
      await expect(s.create("/a/1", "again")).rejects.toBeInstanceOf(KeyExistsError);
      expect(s.currentRevision()).toBe(1);
    });

    test("update is compare-and-swap on modRevision", async () => {
      const s = await open();
      const a = await s.create("/k", "1");
      const b = await s.update("/k", "2", a.modRevision, 7);
      expect(b).toEqual({ key: "/k", value: "2", createRevision: 1, modRevision: 2, lease: 7 });
      const err = await s.update("/k", "3", a.modRevision).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).actual).toBe(2);
      await expect(s.update("/missing", "x", 1)).rejects.toBeInstanceOf(KeyNotFoundError);
      expect(s.currentRevision()).toBe(2);
      expect((await s.get("/k")).kv?.value).toBe("2");
    });

    test("concurrent CAS: exactly one of two updates with the same expectation wins", async () => {
      const s = await open();
      const a = await s.create("/race", "0");
      const results = await Promise.allSettled([s.update("/race", "x", a.modRevision), s.update("/race", "y", a.modRevision)]);
      expect(results[0]!.status).toBe("fulfilled");
      expect(results[1]!.status).toBe("rejected");
      expect((await s.get("/race")).kv?.value).toBe("x");
    });

    test("delete, then re-create", async () => {
      const s = await open();
      const a = await s.create("/d", "v");
      await expect(s.delete("/d", 99)).rejects.toBeInstanceOf(ConflictError);
      const del = await s.delete("/d", a.modRevision);
      expect(del).toEqual({ key: "/d", value: "v", createRevision: 1, modRevision: 2, lease: 0 });
      expect((await s.get("/d")).kv).toBeUndefined();
      await expect(s.delete("/d")).rejects.toBeInstanceOf(KeyNotFoundError);
      await expect(s.update("/d", "x", 2)).rejects.toBeInstanceOf(KeyNotFoundError);
      const again = await s.create("/d", "w");
      expect(again.createRevision).toBe(3);
      expect((await s.get("/d")).kv?.value).toBe("w");
      // delete with 0 = any revision
      await s.delete("/d");
      expect((await s.count("/")).count).toBe(0);
    });

    test("list with prefix, startKey, limit, revision; count", async () => {
      const s = await open();
      for (const k of ["/p/c", "/p/a", "/p/b", "/pa/x", "/o/z"]) await s.create(k, k);
      const all = await s.list("/p/");
      expect(all.kvs.map((kv) => kv.key)).toEqual(["/p/a", "/p/b", "/p/c"]);
      expect(all.more).toBe(false);
      expect(all.revision).toBe(5);
      const page1 = await s.list("/p/", { limit: 2 });
      expect(page1.kvs.map((kv) => kv.key)).toEqual(["/p/a", "/p/b"]);
      expect(page1.more).toBe(true);
      const page2 = await s.list("/p/", { startKey: "/p/b\u0000", limit: 2, revision: page1.revision });
      expect(page2.kvs.map((kv) => kv.key)).toEqual(["/p/c"]);
      expect(page2.more).toBe(false);
      expect((await s.list("/p/", { startKey: "/a" })).kvs.length).toBe(3);
      expect((await s.list("")).kvs.length).toBe(5);
      await s.delete("/p/b");
      expect((await s.list("/p/")).kvs.map((kv) => kv.key)).toEqual(["/p/a", "/p/c"]);
      expect((await s.list("/p/", { revision: 5 })).kvs.map((kv) => kv.key)).toEqual(["/p/a", "/p/b", "/p/c"]);
      expect((await s.list("/p/", { revision: 2 })).kvs.map((kv) => kv.key)).toEqual(["/p/a", "/p/c"]);
      expect(await s.count("/p/")).toEqual({ revision: 6, count: 2 });
      expect((await s.count("")).count).toBe(4);
      expect((await s.count("/nothing/")).count).toBe(0);
      // remainingItemCount: from a start key, at a past revision.
      expect(await s.count("/p/", { startKey: "/p/b" })).toEqual({ revision: 6, count: 1 });
      expect(await s.count("/p/", { startKey: "/p/b", revision: 5 })).toEqual({ revision: 5, count: 2 });
      expect((await s.count("/p/", { startKey: "/a", revision: 2 })).count).toBe(2);
    });

    test("reading at an old revision", async () => {
      const s = await open();
      const v1 = await s.create("/h", "1");
      const v2 = await s.update("/h", "2", v1.modRevision);
      await s.update("/h", "3", v2.modRevision);
      expect((await s.get("/h", 1)).kv?.value).toBe("1");
      expect((await s.get("/h", 2)).kv?.value).toBe("2");
      expect((await s.get("/h", 3)).kv?.value).toBe("3");
      expect((await s.get("/h", 1)).revision).toBe(1);
      const l = await s.list("/", { revision: 2 });
      expect(l.kvs.map((kv) => kv.value)).toEqual(["2"]);
      expect(l.revision).toBe(2);
    });

    test("watch from a past revision delivers create, update, delete with prevKv", async () => {
      const s = await open();
      await s.create("/other", "o");
      const a = await s.create("/w/a", "1");
      const b = await s.update("/w/a", "2", a.modRevision);
      await s.delete("/w/a", b.modRevision);
      const evs = await collect(s, "/w/", 0, 3);
      expect(evs.map((e) => e.type)).toEqual(["create", "update", "delete"]);
      expect(evs[0]!.kv).toEqual(a);
      expect(evs[0]!.prevKv).toBeUndefined();
      expect(evs[1]!.kv).toEqual(b);
      expect(evs[1]!.prevKv).toMatchObject({ value: "1", modRevision: a.modRevision });
      expect(evs[2]!.kv).toMatchObject({ key: "/w/a", value: "2", modRevision: 4 });
      expect(evs[2]!.prevKv).toMatchObject({ value: "2", modRevision: 3 });
      // From the middle.
      const tail = await collect(s, "/w/", 3, 1);
      expect(tail.map((e) => e.kv.modRevision)).toEqual([4]);
    });

    test("watch sees live writes in revision order under concurrency", async () => {
      const s = await open();
      const n = 300;
      const got = collect(s, "/c/", 0, n);
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < n / 3; i++) {
        writes.push(s.create(`/c/${i}`, "x").then((kv) => s.update(kv.key, "y", kv.modRevision)).then((kv) => s.delete(kv.key, kv.modRevision)));
        if (i % 10 === 0) writes.push(s.create(`/unwatched/${i}`, "x"));
      }
      await Promise.all(writes);
      const evs = await got;
      expect(evs.length).toBe(n);
      for (let i = 1; i < evs.length; i++) expect(evs[i]!.kv.modRevision).toBeGreaterThan(evs[i - 1]!.kv.modRevision);
      const counts = { create: 0, update: 0, delete: 0 };
      for (const e of evs) counts[e.type]++;
      expect(counts).toEqual({ create: 100, update: 100, delete: 100 });
      // Replaying the same range from history gives the same sequence.
      const replay = await collect(s, "/c/", 0, n);
      expect(replay.map((e) => e.kv.modRevision)).toEqual(evs.map((e) => e.kv.modRevision));
    });

    test("watch ends when its signal aborts", async () => {
      const s = await open();
      const ac = new AbortController();
      const it = s.watch("/", { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]();
      const next = it.next();
      setTimeout(() => ac.abort(), 20);
      expect((await next).done).toBe(true);
    });

    test("compaction removes history and makes old revisions 410", async () => {
      const s = await open();
      let k = await s.create("/x", "0");
      for (let i = 1; i <= 5; i++) k = await s.update("/x", String(i), k.modRevision);
      const gone = await s.create("/gone", "g");
      await s.delete("/gone", gone.modRevision);
      await s.create("/keep", "k"); // rev 9
      const before = s.currentRevision();
      const removed = await s.compact(8);
      expect(removed).toBe(7); // 5 superseded /x rows + /gone's create and tombstone
      expect(s.compactRevision()).toBe(8);
      expect(await s.compact(5)).toBe(0);
      expect(s.currentRevision()).toBe(before);
      await expect(s.get("/x", 3)).rejects.toBeInstanceOf(CompactedError);
      await expect(s.list("/", { revision: 7 })).rejects.toBeInstanceOf(CompactedError);
      expect(() => s.watch("/", { afterRevision: 7, signal: new AbortController().signal })).toThrow(CompactedError);
      expect((await s.get("/x")).kv?.value).toBe("5");
      expect((await s.list("/")).kvs.map((kv) => kv.key)).toEqual(["/keep", "/x"]);
      expect((await s.list("/", { revision: 8 })).kvs.map((kv) => kv.key)).toEqual(["/x"]);
      expect((await collect(s, "/", 8, 1)).map((e) => e.kv.key)).toEqual(["/keep"]);
      // The key whose tombstone was compacted can be created again.
      const again = await s.create("/gone", "g2");
      expect(again.createRevision).toBe(10);
      const up = await s.update("/x", "6", k.modRevision);
      expect(up.createRevision).toBe(1);
    });

    test("compaction concurrent with writes loses nothing", async () => {
      const s = await open();
      const revs = new Map<string, number>();
      for (let i = 0; i < 50; i++) revs.set(`/cc/${i}`, (await s.create(`/cc/${i}`, "0")).modRevision);
      for (let round = 1; round <= 4; round++) {
        for (const [k, rev] of revs) revs.set(k, (await s.update(k, String(round), rev)).modRevision);
      }
      const from = s.currentRevision();
      const watched = collect(s, "/cc/", from, 100);
      const compaction = s.compact(from);
      const writes = [...revs].map(([k, rev]) => s.update(k, "5", rev).then((kv) => s.update(k, "6", kv.modRevision)));
      const [removed] = await Promise.all([compaction, ...writes]);
      expect(removed).toBe(200);
      const l = await s.list("/cc/");
      expect(l.kvs.length).toBe(50);
      expect(l.kvs.every((kv) => kv.value === "6" && kv.createRevision <= 50)).toBe(true);
      expect((await watched).map((e) => e.kv.value).sort()).toEqual([...Array(50).fill("5"), ...Array(50).fill("6")]);
    });

    if (driver.reopen) {
      const reopen = driver.reopen;
      test("reopen resumes at the stored revision with data and compaction state", async () => {
        const s = await open();
        const a = await s.create("/r/a", "1");
        await s.update("/r/a", "2", a.modRevision);
        const b = await s.create("/r/b", "b");
        await s.delete("/r/b", b.modRevision);
        await s.compact(2);
        await s.close();
        const t = await reopen();
        opened.push(t);
        expect(t.currentRevision()).toBe(4);
        expect(t.compactRevision()).toBe(2);
        expect((await t.get("/r/a")).kv).toMatchObject({ value: "2", modRevision: 2, createRevision: 1 });
        expect((await t.get("/r/b")).kv).toBeUndefined();
        await expect(t.update("/r/a", "x", 1)).rejects.toBeInstanceOf(ConflictError);
        const c = await t.update("/r/a", "3", 2);
        expect(c.modRevision).toBe(5);
        expect((await collect(t, "/r/", 2, 3)).map((e) => `${e.type}@${e.kv.modRevision}`)).toEqual(["create@3", "delete@4", "update@5"]);
        // Compacting everything, including trailing tombstones, must not let revisions go backwards.
        await t.delete("/r/a");
        await t.compact(t.currentRevision());
        await t.close();
        const u = await reopen();
        opened.push(u);
        expect(u.currentRevision()).toBe(6);
        expect((await u.count("/")).count).toBe(0);
        expect((await u.create("/r/a", "new")).modRevision).toBe(7);
      });
    }
  });
}
