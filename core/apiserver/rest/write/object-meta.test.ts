import { afterAll, beforeAll, expect, test } from "bun:test";
import { pod, startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const PODS = "/api/v1/namespaces/default/pods";

test("removing the last label or annotation leaves no empty map (omitempty, as upstream)", async () => {
  const created = await h.call("POST", PODS, { ...pod("meta"), metadata: { name: "meta", labels: {}, annotations: {}, finalizers: [] } });
  expect(created.status).toBe(201);
  expect(Object.keys(created.body.metadata)).not.toContainAnyValues(["labels", "annotations", "finalizers"]);
  await h.call("PATCH", `${PODS}/meta`, { metadata: { labels: { a: "1" }, annotations: { n: "x" } } }, { "content-type": "application/merge-patch+json" });
  const r = await h.call("PATCH", `${PODS}/meta`, { metadata: { labels: { a: null }, annotations: { n: null } } }, { "content-type": "application/merge-patch+json" });
  expect(r.status).toBe(200);
  expect(r.body.metadata.labels).toBeUndefined();
  expect(r.body.metadata.annotations).toBeUndefined();
  expect((await h.call("GET", `${PODS}/meta`)).body.metadata.labels).toBeUndefined();
});
