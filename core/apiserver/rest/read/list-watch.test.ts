import { afterAll, beforeAll, expect, test } from "bun:test";
import { pod, readEvents, startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ bookmarkIntervalMs: 50 });
  for (let i = 0; i < 5; i++) await h.call("POST", "/api/v1/namespaces/default/pods", pod(`p${i}`, { metadata: { name: `p${i}`, labels: { app: i % 2 ? "odd" : "even" } } }));
});
afterAll(async () => { await h.close(); });

const PODS = "/api/v1/namespaces/default/pods";

test("label and field selectors; unsupported field is 400", async () => {
  expect((await h.call("GET", `${PODS}?labelSelector=app%3Dodd`)).body.items.map((p: any) => p.metadata.name)).toEqual(["p1", "p3"]);
  expect((await h.call("GET", `${PODS}?fieldSelector=metadata.name%3Dp2`)).body.items.length).toBe(1);
  expect((await h.call("GET", `${PODS}?fieldSelector=status.phase%3DPending,metadata.name!%3Dp2`)).body.items.length).toBe(4);
  const bad = await h.call("GET", `${PODS}?fieldSelector=spec.foo%3Dx`);
  expect(bad.status).toBe(400);
  expect(bad.body.message).toBe("field label not supported: spec.foo");
  expect((await h.call("GET", "/api/v1/namespaces?fieldSelector=status.phase%3DActive")).body.items.length).toBe(4);
});

test("limit/continue pages pin a revision and cover everything", async () => {
  const first = await h.call("GET", `${PODS}?limit=2`);
  expect(first.body.items.length).toBe(2);
  expect(first.body.metadata.continue).toBeTruthy();
  await h.call("POST", "/api/v1/namespaces/default/pods", pod("p9"));
  const names = first.body.items.map((p: any) => p.metadata.name);
  let token = first.body.metadata.continue;
  while (token) {
    const page = await h.call("GET", `${PODS}?limit=2&continue=${encodeURIComponent(token)}`);
    names.push(...page.body.items.map((p: any) => p.metadata.name));
    expect(page.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    token = page.body.metadata.continue;
  }
  expect(names).toEqual(["p0", "p1", "p2", "p3", "p4"]);
  expect((await h.call("GET", `${PODS}?continue=garbage`)).status).toBe(400);
});

test("pages without selectors carry remainingItemCount (cache and store pages); with a selector they do not", async () => {
  const ns = "/api/v1/namespaces/chunks/configmaps";
  await h.call("POST", "/api/v1/namespaces", { metadata: { name: "chunks" } });
  for (let i = 0; i < 5; i++) await h.call("POST", ns, { metadata: { name: `c${i}`, labels: { n: String(i) } } });
  const first = await h.call("GET", `${ns}?limit=2`);
  expect(first.body.metadata.remainingItemCount).toBe(3);
  await h.call("POST", ns, { metadata: { name: "c9" } }); // later pages come from the store at the pinned revision
  const second = await h.call("GET", `${ns}?limit=2&continue=${encodeURIComponent(first.body.metadata.continue)}`);
  expect(second.body.items.map((o: any) => o.metadata.name)).toEqual(["c2", "c3"]);
  expect(second.body.metadata.remainingItemCount).toBe(1);
  const last = await h.call("GET", `${ns}?limit=2&continue=${encodeURIComponent(second.body.metadata.continue)}`);
  expect(last.body.metadata.continue).toBeUndefined();
  expect(last.body.metadata.remainingItemCount).toBeUndefined();
  const selected = await h.call("GET", `${ns}?limit=1&labelSelector=n`);
  expect(selected.body.metadata.continue).toBeTruthy();
  expect(selected.body.metadata.remainingItemCount).toBeUndefined();
});

test("a compacted continue token is 410 with a token that goes on at the latest revision", async () => {
  const ns = "/api/v1/namespaces/compacted/configmaps";
  await h.call("POST", "/api/v1/namespaces", { metadata: { name: "compacted" } });
  for (let i = 0; i < 4; i++) await h.call("POST", ns, { metadata: { name: `c${i}` } });
  const first = await h.call("GET", `${ns}?limit=2`);
  await h.call("POST", ns, { metadata: { name: "c5" } });
  await h.store.compact(h.store.currentRevision());
  const expired = await h.call("GET", `${ns}?limit=2&continue=${encodeURIComponent(first.body.metadata.continue)}`);
  expect(expired.status).toBe(410);
  expect(expired.body.reason).toBe("Expired");
  const token = expired.body.metadata.continue;
  expect(token).toBeTruthy();
  const next = await h.call("GET", `${ns}?limit=2&continue=${encodeURIComponent(token)}`);
  expect(next.status).toBe(200);
  expect(next.body.items.map((o: any) => o.metadata.name)).toEqual(["c2", "c3"]);
  expect(Number(next.body.metadata.resourceVersion)).toBeGreaterThan(Number(first.body.metadata.resourceVersion));
  expect(next.body.metadata.remainingItemCount).toBe(1);
  const rest = await h.call("GET", `${ns}?limit=2&continue=${encodeURIComponent(next.body.metadata.continue)}`);
  expect(rest.body.items.map((o: any) => o.metadata.name)).toEqual(["c5"]);
  expect(rest.body.metadata.resourceVersion).toBe(next.body.metadata.resourceVersion);
});

test("resourceVersion=0 list is served from the watch cache", async () => {
  const r = await h.call("GET", `${PODS}?resourceVersion=0&limit=1`);
  expect(r.body.items.length).toBe(6);
  expect(r.body.items[0].kind).toBe("Pod");
});

test("watch from a list RV sees changes, selector transitions, bookmarks", async () => {
  const list = await h.call("GET", `${PODS}?labelSelector=app%3Dodd`);
  const rv = list.body.metadata.resourceVersion;
  const res = await h.server.handle(new Request(`https://x${PODS}?watch=1&labelSelector=app%3Dodd&resourceVersion=${rv}&allowWatchBookmarks=true`), { username: "a", groups: [] });
  expect(res.headers.get("content-type")).toBe("application/json");
  const eventsP = readEvents(res, 4, 3000);
  await h.call("PATCH", `${PODS}/p1`, { metadata: { labels: { app: "even" } } }, { "content-type": "application/merge-patch+json" });
  await h.call("PATCH", `${PODS}/p0`, { metadata: { labels: { app: "odd" } } }, { "content-type": "application/merge-patch+json" });
  await h.call("DELETE", `${PODS}/p3`, {});
  const events = await eventsP;
  const kinds = events.filter((e) => e.type !== "BOOKMARK").map((e) => `${e.type}:${e.object.metadata.name}`);
  expect(kinds).toEqual(["DELETED:p1", "ADDED:p0", "DELETED:p3"]);
  const more = await readEvents(await h.server.handle(new Request(`https://x${PODS}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=1`), { username: "a", groups: [] }), 10, 1500);
  expect(more.some((e) => e.type === "BOOKMARK" && e.object.kind === "Pod" && e.object.metadata.resourceVersion)).toBe(true);
});

test("watch without RV sends synthetic ADDED; sendInitialEvents ends with the annotated bookmark", async () => {
  const res = await h.server.handle(new Request(`https://x${PODS}?watch=true&fieldSelector=metadata.name%3Dp2`), { username: "a", groups: [] });
  const ev = await readEvents(res, 1);
  expect(ev[0]).toMatchObject({ type: "ADDED", object: { kind: "Pod", apiVersion: "v1", metadata: { name: "p2" } } });
  const res2 = await h.server.handle(new Request(`https://x${PODS}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`), { username: "a", groups: [] });
  const ev2 = await readEvents(res2, 10, 500);
  const end = ev2.find((e) => e.type === "BOOKMARK");
  expect(end.object.metadata.annotations).toEqual({ "k8s.io/initial-events-end": "true" });
  expect(ev2.indexOf(end)).toBe(ev2.filter((e) => e.type === "ADDED").length);
});

test("too old resourceVersion gives a 410 ERROR event", async () => {
  await h.store.compact(h.store.currentRevision());
  const small = await startHarness({ store: h.store, watchCacheCapacity: 1 });
  await small.call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "a" } });
  await small.call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "b" } });
  await Bun.sleep(20);
  const res = await small.server.handle(new Request("https://x/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1"), { username: "a", groups: [] });
  const ev = await readEvents(res, 1);
  expect(ev[0]).toMatchObject({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } });
  await small.server.close();
});

test("Table watch: only the first event carries columnDefinitions", async () => {
  const res = await h.server.handle(new Request(`https://x${PODS}?watch=true`, { headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" } }), { username: "a", groups: [] });
  const ev = await readEvents(res, 2);
  expect(ev[0].object.kind).toBe("Table");
  expect(ev[0].object.columnDefinitions.length).toBe(9);
  expect(ev[1].object.columnDefinitions).toBeUndefined();
  expect(ev[1].object.rows[0].object.kind).toBe("PartialObjectMetadata");
});
