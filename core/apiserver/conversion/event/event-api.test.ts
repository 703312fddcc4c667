/**
 * In-process API tests: core/v1 and events.k8s.io/v1 Events share one storage (core/v1 form
 * under `/registry/core/events/`), with upstream's field mapping and field selectors per group.
 * Mirrors the flows of the conformance tests
 *   "[sig-instrumentation] Events API should ensure that an event can be fetched, patched, deleted, and listed [Conformance]",
 *   "[sig-instrumentation] Events API should delete a collection of events [Conformance]",
 *   "[sig-instrumentation] Events should manage the lifecycle of an event [Conformance]",
 * with each step observed through the other group as well.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readEvents, startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const CORE = "/api/v1/namespaces/default/events";
const NEW = "/apis/events.k8s.io/v1/namespaces/default/events";
const ADMIN = { username: "a", groups: ["system:masters"] };
const podRef = { kind: "Pod", namespace: "default", name: "web-0", uid: "u-1", apiVersion: "v1" };

function newEvent(name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "events.k8s.io/v1", kind: "Event", metadata: { name, labels: { test: "events" } },
    eventTime: "2025-01-01T00:00:00.000000Z", reportingController: "lite.io/test", reportingInstance: "node-1",
    action: "Testing", reason: "Scheduled", type: "Normal", regarding: podRef, note: "created in events.k8s.io", ...extra,
  };
}

test("an events.k8s.io Event reads as core/v1 with upstream's field mapping, and back", async () => {
  expect((await h.call("POST", NEW, newEvent("e1", { deprecatedCount: 3, deprecatedSource: { component: "kubelet", host: "n1" } }))).status).toBe(201);
  const core = (await h.call("GET", `${CORE}/e1`)).body;
  expect(core).toMatchObject({
    apiVersion: "v1", kind: "Event", involvedObject: podRef, message: "created in events.k8s.io", reportingComponent: "lite.io/test",
    reportingInstance: "node-1", source: { component: "kubelet", host: "n1" }, count: 3, action: "Testing", reason: "Scheduled", type: "Normal",
    eventTime: "2025-01-01T00:00:00.000000Z", firstTimestamp: null, lastTimestamp: null,
  });
  expect(core.note).toBeUndefined();
  const back = (await h.call("GET", `${NEW}/e1`)).body;
  expect(back).toMatchObject({ ...newEvent("e1"), deprecatedCount: 3, deprecatedSource: { component: "kubelet", host: "n1" }, deprecatedFirstTimestamp: null });
  expect(back.message).toBeUndefined();
  const raw = await h.store.get("/registry/core/events/default/e1");
  expect(JSON.parse(raw.kv?.value ?? "{}").apiVersion).toBe("v1");
  expect((await h.store.list("/registry/events.k8s.io/")).kvs.length).toBe(0);
});

test("a core/v1 Event is listed in events.k8s.io/v1 (store and watch cache lists)", async () => {
  const ev = {
    metadata: { name: "c1", labels: { test: "events" } }, involvedObject: { kind: "Node", name: "n1" }, reason: "Started", message: "from core",
    source: { component: "kubelet" }, firstTimestamp: "2025-01-01T00:00:00Z", lastTimestamp: "2025-01-01T00:01:00Z", count: 2, type: "Warning",
  };
  expect((await h.call("POST", CORE, ev)).status).toBe(201);
  for (const q of ["", "?resourceVersion=0"]) {
    const list = (await h.call("GET", `${NEW}${q}`)).body;
    expect(list).toMatchObject({ kind: "EventList", apiVersion: "events.k8s.io/v1" });
    const item = list.items.find((i: any) => i.metadata.name === "c1");
    expect(item).toMatchObject({
      apiVersion: "events.k8s.io/v1", regarding: { kind: "Node", name: "n1" }, note: "from core", deprecatedSource: { component: "kubelet" },
      deprecatedFirstTimestamp: "2025-01-01T00:00:00Z", deprecatedLastTimestamp: "2025-01-01T00:01:00Z", deprecatedCount: 2, type: "Warning",
    });
    expect(list.items.map((i: any) => i.metadata.name)).toContain("e1");
  }
  const core = (await h.call("GET", CORE)).body.items.map((i: any) => i.metadata.name);
  expect(core).toEqual(["c1", "e1"]);
});

test("field selectors use each group's labels and select the same events", async () => {
  const names = async (path: string) => {
    const r = await h.call("GET", path);
    expect(r.status).toBe(200);
    return r.body.items.map((i: any) => i.metadata.name);
  };
  expect(await names(`${CORE}?fieldSelector=involvedObject.name%3Dweb-0`)).toEqual(["e1"]);
  expect(await names(`${NEW}?fieldSelector=regarding.name%3Dweb-0`)).toEqual(["e1"]);
  expect(await names(`${NEW}?fieldSelector=regarding.kind%3DNode,type%3DWarning`)).toEqual(["c1"]);
  expect(await names(`${CORE}?fieldSelector=reportingComponent%3Dlite.io%2Ftest`)).toEqual(["e1"]);
  expect(await names(`${NEW}?fieldSelector=reportingController%3Dlite.io%2Ftest`)).toEqual(["e1"]);
  // `source` is source.component, else the reporting controller.
  expect(await names(`${CORE}?fieldSelector=source%3Dkubelet`)).toEqual(["c1", "e1"]);
  expect(await names(`${NEW}?fieldSelector=source%3Dkubelet&resourceVersion=0`)).toEqual(["c1", "e1"]);
  const bad = await h.call("GET", `${NEW}?fieldSelector=involvedObject.name%3Dweb-0`);
  expect(bad.status).toBe(400);
  expect(bad.body.message).toBe("field label not supported: involvedObject.name");
  expect((await h.call("GET", `${CORE}?fieldSelector=regarding.name%3Dweb-0`)).status).toBe(400);
});

test("watches in one group see events written through the other", async () => {
  const rv = (await h.call("GET", CORE)).body.metadata.resourceVersion;
  const coreWatch = readEvents(await h.server.handle(new Request(`https://x${CORE}?watch=true&resourceVersion=${rv}&fieldSelector=involvedObject.name%3Dweb-1`), ADMIN), 2);
  const newWatch = readEvents(await h.server.handle(new Request(`https://x${NEW}?watch=true&resourceVersion=${rv}&fieldSelector=regarding.name%3Dweb-1`), ADMIN), 2);
  await h.call("POST", NEW, newEvent("w1", { regarding: { ...podRef, name: "web-1" } }));
  await h.call("POST", CORE, { metadata: { name: "w2" }, involvedObject: { kind: "Pod", name: "web-1" }, message: "core" });
  const [c, n] = await Promise.all([coreWatch, newWatch]);
  expect(c.map((e) => [e.type, e.object.apiVersion, e.object.metadata.name, e.object.message])).toEqual([["ADDED", "v1", "w1", "created in events.k8s.io"], ["ADDED", "v1", "w2", "core"]]);
  expect(n.map((e) => [e.type, e.object.apiVersion, e.object.metadata.name, e.object.note])).toEqual([["ADDED", "events.k8s.io/v1", "w1", "created in events.k8s.io"], ["ADDED", "events.k8s.io/v1", "w2", "core"]]);
});

test("Events API lifecycle: fetch, patch note, update series, delete; visible in core/v1 at each step", async () => {
  await h.call("POST", NEW, newEvent("life"));
  const patched = await h.call("PATCH", `${NEW}/life`, { note: "patched note" }, { "content-type": "application/strategic-merge-patch+json" });
  expect(patched.status).toBe(200);
  expect(patched.body.note).toBe("patched note");
  expect((await h.call("GET", `${CORE}/life`)).body.message).toBe("patched note");
  const cur = (await h.call("GET", `${NEW}/life`)).body;
  const series = { count: 2, lastObservedTime: "2025-01-01T00:05:00.000000Z" };
  expect((await h.call("PUT", `${NEW}/life`, { ...cur, series })).status).toBe(200);
  expect((await h.call("GET", `${CORE}/life`)).body.series).toEqual(series);
  // core/v1 patch of message is seen as note.
  await h.call("PATCH", `${CORE}/life`, { message: "from core" }, { "content-type": "application/merge-patch+json" });
  expect((await h.call("GET", `${NEW}/life`)).body.note).toBe("from core");
  expect((await h.call("DELETE", `${NEW}/life`)).status).toBe(200);
  expect((await h.call("GET", `${CORE}/life`)).status).toBe(404);
});

test("deletecollection in events.k8s.io removes the events from core/v1 too", async () => {
  const r = await h.call("DELETE", `${NEW}?labelSelector=test%3Devents`);
  expect(r.status).toBe(200);
  expect((await h.call("GET", `${CORE}?labelSelector=test%3Devents`)).body.items).toEqual([]);
});
