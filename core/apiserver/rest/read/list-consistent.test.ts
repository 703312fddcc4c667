import { afterAll, beforeAll, expect, test } from "bun:test";
import { createMemoryStore } from "../../../store/memory.ts";
import type { Store } from "../../../store/types.ts";
import { pod, startHarness, type Harness } from "../../testing/harness.ts";

// Consistent LISTs (resourceVersion unset) are served from the watch cache once it has reached
// the store's current revision; pages pinned by a continue token come from the cache only while
// it still shows exactly that revision. Store reads of the pods prefix are counted to tell.
let h: Harness;
let podListsFromStore = 0;
const PODS = "/api/v1/namespaces/default/pods";

beforeAll(async () => {
  const inner = createMemoryStore();
  const store: Store = {
    currentRevision: () => inner.currentRevision(),
    compactRevision: () => inner.compactRevision(),
    get: (key, revision) => inner.get(key, revision),
    list: (prefix, options) => {
      if (prefix.includes("/pods/")) podListsFromStore++;
      return inner.list(prefix, options);
    },
    count: (prefix, options) => inner.count(prefix, options),
    create: (key, value, lease) => inner.create(key, value, lease),
    update: (key, value, expected, lease) => inner.update(key, value, expected, lease),
    delete: (key, expected) => inner.delete(key, expected),
    watch: (prefix, options) => inner.watch(prefix, options),
    compact: (revision) => inner.compact(revision),
    dbSize: () => inner.dbSize(),
    close: () => inner.close(),
  };
  h = await startHarness({ store });
  for (let i = 0; i < 5; i++) await h.call("POST", PODS, pod(`p${i}`));
});
afterAll(async () => { await h.close(); });

const names = (body: any): string[] => body.items.map((p: any) => p.metadata.name);

test("a consistent list comes from the cache and reflects the latest write", async () => {
  await h.call("POST", PODS, pod("p5"));
  await h.call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "other" } }); // another prefix
  const before = podListsFromStore;
  const r = await h.call("GET", PODS);
  expect(r.status).toBe(200);
  expect(names(r.body)).toEqual(["p0", "p1", "p2", "p3", "p4", "p5"]);
  expect(Number(r.body.metadata.resourceVersion)).toBe(h.store.currentRevision());
  expect(podListsFromStore).toBe(before);
});

test("paging: pages from the cache while nothing changed, from the store at the pinned revision after", async () => {
  const before = podListsFromStore;
  const first = await h.call("GET", `${PODS}?limit=2`);
  expect(names(first.body)).toEqual(["p0", "p1"]);
  const second = await h.call("GET", `${PODS}?limit=2&continue=${encodeURIComponent(first.body.metadata.continue)}`);
  expect(names(second.body)).toEqual(["p2", "p3"]);
  expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
  expect(podListsFromStore).toBe(before); // both pages from the cache

  await h.call("POST", PODS, pod("p3a")); // changes the pods after the pinned revision
  await h.call("DELETE", `${PODS}/p4`, {});
  const third = await h.call("GET", `${PODS}?limit=2&continue=${encodeURIComponent(second.body.metadata.continue)}`);
  expect(names(third.body)).toEqual(["p4", "p5"]); // the state as of the pinned revision
  expect(third.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
  expect(third.body.metadata.continue ?? "").toBe("");
  expect(podListsFromStore).toBeGreaterThan(before); // served by the store
});

test("selectors apply before the limit on cache pages", async () => {
  await h.call("POST", PODS, pod("sel-a", { metadata: { name: "sel-a", labels: { app: "x" } } }));
  await h.call("POST", PODS, pod("sel-b", { metadata: { name: "sel-b", labels: { app: "x" } } }));
  const first = await h.call("GET", `${PODS}?labelSelector=app%3Dx&limit=1`);
  expect(names(first.body)).toEqual(["sel-a"]);
  const second = await h.call("GET", `${PODS}?labelSelector=app%3Dx&limit=1&continue=${encodeURIComponent(first.body.metadata.continue)}`);
  expect(names(second.body)).toEqual(["sel-b"]);
  expect(second.body.metadata.continue ?? "").toBe("");
});

test("resourceVersionMatch=Exact still reads the store at that revision", async () => {
  const rv = h.store.currentRevision();
  await h.call("POST", PODS, pod("later"));
  const before = podListsFromStore;
  const r = await h.call("GET", `${PODS}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
  expect(names(r.body)).not.toContain("later");
  expect(podListsFromStore).toBeGreaterThan(before);
});
