import { afterEach, expect, test } from "bun:test";
import { createMemoryStore } from "../../store/memory.ts";
import type { Store } from "../../store/types.ts";
import type { KObject } from "../resources/index.ts";
import { WatchCache } from "./watch-cache.ts";

const decode = (kv: { value: string }) => JSON.parse(kv.value) as KObject;
const obj = (name: string) => JSON.stringify({ metadata: { name } });
let cleanup: Array<() => unknown> = [];
afterEach(async () => { for (const f of cleanup.reverse()) await f(); cleanup = []; });

async function setup(): Promise<{ store: Store; cache: WatchCache }> {
  const store = createMemoryStore();
  const cache = new WatchCache(store, "/a/", decode);
  cache.start();
  cleanup.push(() => store.close(), () => cache.stop());
  await cache.ready;
  return { store, cache };
}

test("writes under other prefixes advance the cache's revision (store progress)", async () => {
  const { store, cache } = await setup();
  await store.create("/a/1", obj("1"));
  await store.create("/b/1", obj("b1"));
  await store.create("/b/2", obj("b2"));
  expect(await cache.waitForRevision(store.currentRevision(), 1000)).toBe(true);
  expect(cache.revision).toBe(store.currentRevision());
  expect(cache.snapshot().items.map((i) => i.key)).toEqual(["/a/1"]);
});

test("snapshotAt: only revisions between the last change and the reflected revision", async () => {
  const { store, cache } = await setup();
  const a1 = await store.create("/a/1", obj("1"));
  const b1 = await store.create("/b/1", obj("b1"));
  await cache.waitForRevision(b1.modRevision, 1000);
  expect(cache.snapshotAt(a1.modRevision)?.items.length).toBe(1); // nothing under /a/ changed since
  expect(cache.snapshotAt(b1.modRevision)?.revision).toBe(b1.modRevision);
  expect(cache.snapshotAt(a1.modRevision - 1)).toBeUndefined(); // before /a/1 existed
  expect(cache.snapshotAt(b1.modRevision + 1)).toBeUndefined(); // not reached yet
  const a2 = await store.create("/a/2", obj("2"));
  await cache.waitForRevision(a2.modRevision, 1000);
  expect(cache.snapshotAt(b1.modRevision)).toBeUndefined(); // /a/ changed after it
  expect(cache.snapshotAt(a2.modRevision)?.items.length).toBe(2);
});

test("waitForRevision times out when the store has not reached the revision", async () => {
  const { store, cache } = await setup();
  expect(await cache.waitForRevision(store.currentRevision() + 5, 50)).toBe(false);
});

test("snapshot: one sorted array per prefix is shared until the next change, then rebuilt", async () => {
  const { store, cache } = await setup();
  await store.create("/a/x/2", obj("2"));
  const last = await store.create("/a/x/1", obj("1"));
  await cache.waitForRevision(last.modRevision, 1000);
  const first = cache.snapshot("/a/x/");
  expect(first.items.map((i) => i.key)).toEqual(["/a/x/1", "/a/x/2"]);
  expect(cache.snapshot("/a/x/").items).toBe(first.items);
  const b = await store.create("/b/1", obj("b")); // elsewhere: the cache's revision moves, the objects do not
  await cache.waitForRevision(b.modRevision, 1000);
  expect(cache.snapshot("/a/x/").items).toBe(first.items);
  expect(cache.snapshot("/a/x/").revision).toBe(b.modRevision);
  const c = await store.create("/a/x/0", obj("0"));
  await cache.waitForRevision(c.modRevision, 1000);
  const after = cache.snapshot("/a/x/");
  expect(after.items).not.toBe(first.items);
  expect(after.items.map((i) => i.key)).toEqual(["/a/x/0", "/a/x/1", "/a/x/2"]);
  expect(first.items.map((i) => i.key)).toEqual(["/a/x/1", "/a/x/2"]);
});

test("objectAt: a writer gets the cache's own object for its revision within the same turn, undefined once the key moved on", async () => {
  const store = createMemoryStore();
  const versioned = (kv: { value: string; modRevision: number }) => {
    const o = JSON.parse(kv.value) as KObject;
    return { ...o, metadata: { ...o.metadata, resourceVersion: String(kv.modRevision) } } as KObject;
  };
  const cache = new WatchCache(store, "/a/", versioned);
  cache.start();
  cleanup.push(() => store.close(), () => cache.stop());
  await cache.ready;
  const kv = await store.create("/a/1", obj("1"));
  const mine = await cache.objectAt("/a/1", kv.modRevision);
  expect(mine).toBe(cache.get("/a/1")!);
  expect(Object.isFrozen(mine)).toBe(true);
  expect(mine?.metadata.resourceVersion).toBe(String(kv.modRevision));
  const later = await store.update("/a/1", obj("1b"), kv.modRevision);
  await cache.waitForRevision(later.modRevision, 1000);
  expect(await cache.objectAt("/a/1", kv.modRevision)).toBeUndefined(); // another revision is cached now
  expect(await cache.objectAt("/a/2", later.modRevision)).toBeUndefined(); // no such key
});

test("objectAt does not wait past the event loop's turn for a revision the cache has not applied", async () => {
  const { store, cache } = await setup();
  expect(await cache.objectAt("/a/1", store.currentRevision() + 5)).toBeUndefined(); // resolves (the test would time out otherwise)
  cache.stop();
  expect(await cache.objectAt("/a/1", store.currentRevision() + 5)).toBeUndefined();
});
