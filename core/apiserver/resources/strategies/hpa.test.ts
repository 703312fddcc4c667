/** HPA defaulting (upstream autoscaling v1/v2 defaults) and HPA/PV Tables through the in-process API server. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const V1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers";
const V2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
const TABLE = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" };

test("v2: minReplicas 1, the 80% CPU metric, and no behavior when none is given", async () => {
  const r = await h.call("POST", V2, { metadata: { name: "plain" }, spec: { scaleTargetRef: ref, maxReplicas: 4 } });
  expect(r.status).toBe(201);
  expect(r.body.spec.minReplicas).toBe(1);
  expect(r.body.spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
  expect(r.body.spec.behavior).toBeUndefined();
});

test("v2: a partial behavior is completed with upstream's scale-up and scale-down rules", async () => {
  const behavior = { scaleDown: { stabilizationWindowSeconds: 60 }, scaleUp: { policies: [{ type: "Pods", value: 1, periodSeconds: 30 }] } };
  const r = await h.call("POST", V2, { metadata: { name: "b" }, spec: { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 4, behavior } });
  expect(r.status).toBe(201);
  expect(r.body.spec.minReplicas).toBe(2);
  expect(r.body.spec.behavior).toEqual({
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Pods", value: 1, periodSeconds: 30 }] },
    scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] },
  });
  const empty = await h.call("POST", V2, { metadata: { name: "e" }, spec: { scaleTargetRef: ref, maxReplicas: 4, behavior: {} } });
  expect(empty.body.spec.behavior).toEqual({
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Pods", value: 4, periodSeconds: 15 }, { type: "Percent", value: 100, periodSeconds: 15 }] },
    scaleDown: { selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] },
  });
});

test("v1: minReplicas 1; read in v2 with the implicit CPU target", async () => {
  const r = await h.call("POST", V1, { metadata: { name: "old" }, spec: { scaleTargetRef: ref, maxReplicas: 3 } });
  expect(r.status).toBe(201);
  expect(r.body.spec.minReplicas).toBe(1);
  const v2 = (await h.call("GET", `${V2}/old`)).body;
  expect(v2.spec.minReplicas).toBe(1);
  expect(v2.spec.metrics[0].resource.target.averageUtilization).toBe(80);
});

test("HPA Table in v1 and v2 has upstream's columns and TARGETS text", async () => {
  for (const base of [V1, V2]) {
    const t = (await h.call("GET", base, undefined, TABLE)).body;
    expect(t.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"]);
    const row = t.rows.find((r: { cells: unknown[] }) => r.cells[0] === "old");
    expect(row.cells.slice(0, 6)).toEqual(["old", "Deployment/web", "cpu: <unknown>/80%", "1", 3, 0]);
  }
});

test("PersistentVolume and StorageClass Tables", async () => {
  await h.call("POST", "/apis/storage.k8s.io/v1/storageclasses", {
    metadata: { name: "local-path", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, provisioner: "rancher.io/local-path", volumeBindingMode: "WaitForFirstConsumer",
  });
  const sc = (await h.call("GET", "/apis/storage.k8s.io/v1/storageclasses/local-path", undefined, TABLE)).body;
  expect(sc.rows[0].cells.slice(0, 5)).toEqual(["local-path (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", false]);
  await h.call("POST", "/api/v1/persistentvolumes", {
    metadata: { name: "pv1" }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Retain", hostPath: { path: "/tmp/pv1" } },
  });
  const pv = (await h.call("GET", "/api/v1/persistentvolumes", undefined, TABLE)).body;
  expect(pv.columnDefinitions.filter((c: { priority: number }) => c.priority === 0).length).toBe(10);
  const row = pv.rows.find((r: { cells: unknown[] }) => r.cells[0] === "pv1");
  expect(row.cells.slice(0, 8)).toEqual(["pv1", "1Gi", "RWO", "Retain", expect.any(String), "", "", "<unset>"]);
});
