/**
 * In-process API tests: autoscaling/v1 and v2 HPAs share one autoscaling/v2 storage and are
 * converted on every read and write path (get, list, watch incl. cache, table, patch, update).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readEvents, startHarness, type Harness } from "../../testing/harness.ts";
import { BEHAVIOR, CONDITIONS, METRIC_SPECS, METRIC_STATUSES } from "./annotations.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const V1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers";
const V2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
const memory = { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "100Mi" } } };
const cpu = (n: number) => ({ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: n } } });
// Fully specified, so the API server's behavior defaults (strategies/hpa.ts) leave it as is.
const behavior = {
  scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: "Min", policies: [{ type: "Percent", value: 10, periodSeconds: 60 }] },
  scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Pods", value: 4, periodSeconds: 15 }] },
};

function v2Hpa(name: string) {
  return { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name }, spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, metrics: [memory, cpu(50)], behavior } };
}

test("a v2 object reads in v1 with the cpu target and round-trip annotations; v2 reads it back unchanged", async () => {
  expect((await h.call("POST", V2, v2Hpa("a"))).status).toBe(201);
  const v1 = (await h.call("GET", `${V1}/a`)).body;
  expect(v1).toMatchObject({ apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 } });
  expect(v1.spec.metrics).toBeUndefined();
  expect(JSON.parse(v1.metadata.annotations[METRIC_SPECS])).toEqual([{ type: "Resource", resource: { name: "memory", targetAverageValue: "100Mi" } }]);
  expect(v1.metadata.annotations[BEHAVIOR]).toBeDefined();
  const v2 = (await h.call("GET", `${V2}/a`)).body;
  expect(v2.apiVersion).toBe("autoscaling/v2");
  expect(v2.metadata.annotations).toBeUndefined();
  expect(v2.spec).toEqual(v2Hpa("a").spec);
  // The store holds the storage version only.
  const raw = JSON.parse((await h.store.get("/registry/autoscaling/horizontalpodautoscalers/default/a")).kv?.value ?? "{}");
  expect(raw.apiVersion).toBe("autoscaling/v2");
  expect(raw.spec.metrics.length).toBe(2);
});

test("merge patch in v1 applies to the v1 form of a v2-stored object and converts back without loss", async () => {
  const r = await h.call("PATCH", `${V1}/a`, { spec: { targetCPUUtilizationPercentage: 70, maxReplicas: 8 } }, { "content-type": "application/merge-patch+json" });
  expect(r.status).toBe(200);
  expect(r.body.spec.targetCPUUtilizationPercentage).toBe(70);
  const v2 = (await h.call("GET", `${V2}/a`)).body;
  expect(v2.spec.maxReplicas).toBe(8);
  expect(v2.spec.metrics).toEqual([memory, cpu(70)]);
  expect(v2.spec.behavior).toEqual(behavior);
  expect(v2.metadata.annotations).toBeUndefined();
  expect(v2.metadata.generation).toBe(2);
});

test("json patch in v1 can edit the metrics annotation, which lands in v2 spec.metrics", async () => {
  const ops = [{ op: "replace", path: `/metadata/annotations/${METRIC_SPECS.replace("/", "~1")}`, value: JSON.stringify([{ type: "Pods", pods: { metricName: "qps", targetAverageValue: "10" } }]) }];
  const r = await h.call("PATCH", `${V1}/a`, ops, { "content-type": "application/json-patch+json" });
  expect(r.status).toBe(200);
  const v2 = (await h.call("GET", `${V2}/a`)).body;
  expect(v2.spec.metrics).toEqual([{ type: "Pods", pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "10" } } }, cpu(70)]);
});

test("GET-modify-PUT in v1 keeps v2-only spec and status (metrics, behavior, conditions)", async () => {
  await h.call("POST", V2, v2Hpa("b"));
  const status = {
    currentReplicas: 2, desiredReplicas: 3,
    currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 61, averageValue: "120m" } } }],
    conditions: [{ type: "AbleToScale", status: "True", lastTransitionTime: "2025-01-01T00:00:00Z", reason: "ReadyForNewScale", message: "ok" }],
  };
  const cur = (await h.call("GET", `${V2}/b`)).body;
  expect((await h.call("PUT", `${V2}/b/status`, { ...cur, status })).status).toBe(200);
  const v1 = (await h.call("GET", `${V1}/b`)).body;
  expect(v1.status).toEqual({ currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 61 });
  expect(v1.metadata.annotations[CONDITIONS]).toBeDefined();
  expect(v1.metadata.annotations[METRIC_STATUSES]).toBeDefined();
  v1.spec.minReplicas = 2;
  v1.metadata.labels = { edited: "yes" };
  expect((await h.call("PUT", `${V1}/b`, v1)).status).toBe(200);
  const v2 = (await h.call("GET", `${V2}/b`)).body;
  expect(v2.spec).toEqual({ ...v2Hpa("b").spec, minReplicas: 2 });
  expect(v2.status).toEqual(status);
  expect(v2.metadata.labels).toEqual({ edited: "yes" });
});

test("a v1 watch sees objects written in v2, and a v2 watch sees objects written in v1", async () => {
  const rv = (await h.call("GET", V1)).body.metadata.resourceVersion;
  const admin = { username: "a", groups: ["system:masters"] };
  const w1 = readEvents(await h.server.handle(new Request(`https://x${V1}?watch=true&resourceVersion=${rv}`), admin), 2);
  const w2 = readEvents(await h.server.handle(new Request(`https://x${V2}?watch=true&resourceVersion=${rv}`), admin), 2);
  await h.call("POST", V2, v2Hpa("w2"));
  await h.call("POST", V1, { metadata: { name: "w1" }, spec: { scaleTargetRef: ref, maxReplicas: 3, targetCPUUtilizationPercentage: 40 } });
  const [e1, e2] = await Promise.all([w1, w2]);
  expect(e1.map((e) => [e.type, e.object.apiVersion, e.object.metadata.name, e.object.spec.targetCPUUtilizationPercentage]))
    .toEqual([["ADDED", "autoscaling/v1", "w2", 50], ["ADDED", "autoscaling/v1", "w1", 40]]);
  expect(e2.map((e) => [e.type, e.object.apiVersion, e.object.metadata.name])).toEqual([["ADDED", "autoscaling/v2", "w2"], ["ADDED", "autoscaling/v2", "w1"]]);
  expect(e2[1].object.spec.metrics).toEqual([cpu(40)]);
  expect(e2[0].object.metadata.annotations).toBeUndefined();
  // Initial events come from the watch cache, converted too.
  const initial = await readEvents(await h.server.handle(new Request(`https://x${V1}?watch=true&fieldSelector=metadata.name%3Dw2`), admin), 1);
  expect(initial[0].object).toMatchObject({ apiVersion: "autoscaling/v1", spec: { targetCPUUtilizationPercentage: 50 } });
});

test("lists (store and watch cache) and tables convert; a write in v1 with the v2 default CPU target", async () => {
  for (const q of ["", "?resourceVersion=0"]) {
    const list = (await h.call("GET", `${V1}${q}`)).body;
    expect(list.kind).toBe("HorizontalPodAutoscalerList");
    expect(list.apiVersion).toBe("autoscaling/v1");
    expect(list.items.every((i: any) => i.apiVersion === "autoscaling/v1" && i.spec.metrics === undefined)).toBe(true);
  }
  const table = (await h.call("GET", `${V1}/w2`, undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" })).body;
  expect(table.kind).toBe("Table");
  const full = (await h.call("GET", `${V2}?includeObject=Object`, undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" })).body;
  expect(full.rows.every((r: any) => r.object.apiVersion === "autoscaling/v2")).toBe(true);
  await h.call("POST", V1, { metadata: { name: "d" }, spec: { scaleTargetRef: ref, maxReplicas: 3 } });
  expect((await h.call("GET", `${V2}/d`)).body.spec.metrics).toEqual([cpu(80)]);
});
