/**
 * The HPA controller against an in-process API server: PodMetrics come from a stand-in group
 * served through the API-group extension point (as the metrics plugin serves it), the target is a
 * Deployment's scale subresource. Scale-up under load with status, conditions and events; then
 * scale-down after the (shortened) stabilization window; failures to read metrics are reported.
 */
import { afterEach, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { startControllerTestbed, type ControllerTestbed } from "../core/controllers/testing/controllers.ts";
import { eventually } from "../core/controllers/testing/in-process.ts";
import { horizontalPodAutoscalerController, HPAS, type Hpa } from "../core/controllers/horizontal-pod-autoscaler/hpa-controller.ts";

let tb: ControllerTestbed | undefined;
afterEach(async () => { await tb?.close(); tb = undefined; });

const NS = "default";
/** millicores per pod name, as the stand-in metrics report them. */
const usage = new Map<string, number>();

function serveMetrics(t: ControllerTestbed) {
  return t.harness.server.pluginGroups.forOwner("test-metrics").serve({
    group: "metrics.k8s.io", version: "v1beta1",
    resources: [{
      resource: "pods", kind: "PodMetrics", namespaced: true,
      list: async (req) => (await t.client.list<KubeObject>({ ...builtinResources.pods, namespace: req.namespace })).items
        .filter((p) => usage.has(p.metadata.name ?? ""))
        .map((p) => ({
          metadata: { name: p.metadata.name, namespace: p.metadata.namespace, labels: p.metadata.labels },
          timestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"), window: "15s",
          containers: [{ name: "c", usage: { cpu: `${usage.get(p.metadata.name ?? "")}m`, memory: "10Mi" } }],
        })),
      get: () => undefined,
    }],
  });
}

async function pod(name: string) {
  const created = await tb!.client.create<KubeObject>(builtinResources.pods, {
    metadata: { name, namespace: NS, labels: { app: "burn" } },
    spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "100m" } } }] },
  });
  const old = new Date(Date.now() - 600_000).toISOString();
  await tb!.client.updateStatus(builtinResources.pods, { ...created, status: { phase: "Running", startTime: old, conditions: [{ type: "Ready", status: "True", lastTransitionTime: old }] } });
}

const hpaStatus = async () => (await tb!.client.get<Hpa>({ ...HPAS, namespace: NS, name: "burn" })).status ?? {};
const replicas = async () => (await tb!.client.get<KubeObject & { spec: { replicas: number } }>({ ...builtinResources.deployments, namespace: NS, name: "burn" })).spec.replicas;
const events = async () => (await tb!.client.list<KubeObject & { reason: string; message: string }>({ ...builtinResources.events, namespace: NS })).items.map((e) => `${e.reason}: ${e.message}`);

test("scales a Deployment up under CPU load and back down after the stabilization window", async () => {
  tb = await startControllerTestbed([horizontalPodAutoscalerController({ syncPeriodMs: 300 })]);
  serveMetrics(tb);
  await tb.client.create(builtinResources.deployments, {
    metadata: { name: "burn", namespace: NS },
    spec: { replicas: 1, selector: { matchLabels: { app: "burn" } }, template: { metadata: { labels: { app: "burn" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
  });
  await pod("burn-1");
  usage.set("burn-1", 480);
  await tb.client.create(HPAS, {
    metadata: { name: "burn", namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "burn" }, minReplicas: 1, maxReplicas: 4,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 2 } },
    },
  });
  // 480 % of 50 % → 10 pods, capped at maxReplicas 4 (within the +4 pods / 15 s policy).
  await eventually(async () => (await replicas()) === 4, 5000, "scale up to 4");
  const up = await eventually(async () => { const s = await hpaStatus(); return s.desiredReplicas === 4 ? s : undefined; }, 5000, "status");
  expect(up.currentMetrics).toEqual([{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 480, averageValue: "480m" } } }]);
  expect(up.lastScaleTime).toBeDefined();
  const cond = (s: typeof up, type: string) => s.conditions?.find((c) => c.type === type);
  expect(cond(up, "AbleToScale")).toMatchObject({ status: "True", reason: "SucceededRescale", message: "the HPA controller was able to update the target scale to 4" });
  expect(cond(up, "ScalingActive")).toMatchObject({ status: "True", reason: "ValidMetricFound", message: "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)" });
  expect(cond(up, "ScalingLimited")).toMatchObject({ status: "True", reason: "TooManyReplicas", message: "the desired replica count is more than the maximum replica count" });
  expect(await eventually(async () => (await events()).find((e) => e.startsWith("SuccessfulRescale")), 3000, "event"))
    .toBe("SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target");

  // Load gone: the pods idle (no deployment controller here: the four pods are made by hand).
  for (const n of ["burn-2", "burn-3", "burn-4"]) await pod(n);
  for (const n of ["burn-1", "burn-2", "burn-3", "burn-4"]) usage.set(n, 1);
  // The 2 s stabilization window holds the count first, then it drops to minReplicas.
  await eventually(async () => cond(await hpaStatus() as typeof up, "AbleToScale")?.reason === "ScaleDownStabilized", 5000, "stabilized");
  expect(await replicas()).toBe(4);
  await eventually(async () => (await replicas()) === 1, 8000, "scale down to 1");
  expect(await events()).toContain("SuccessfulRescale: New size: 1; reason: All metrics below target");
}, 30_000);

test("reports missing metrics and a missing target", async () => {
  tb = await startControllerTestbed([horizontalPodAutoscalerController({ syncPeriodMs: 300 })]);
  await tb.client.create(HPAS, {
    metadata: { name: "burn", namespace: NS },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "burn" }, maxReplicas: 4 },
  });
  const s1 = await eventually(async () => { const s = await hpaStatus(); return s.conditions?.length ? s : undefined; }, 5000, "status");
  expect(s1.conditions?.[0]).toMatchObject({ type: "AbleToScale", status: "False", reason: "FailedGetScale" });
  expect((await events()).some((e) => e.startsWith("FailedGetScale: "))).toBe(true);

  await tb.client.create(builtinResources.deployments, {
    metadata: { name: "burn", namespace: NS },
    spec: { replicas: 1, selector: { matchLabels: { app: "burn" } }, template: { metadata: { labels: { app: "burn" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
  });
  await pod("burn-1");
  // No metrics.k8s.io group: the default metric (cpu 80 %) cannot be read.
  const s2 = await eventually(async () => { const s = await hpaStatus(); return s.conditions?.find((c) => c.type === "ScalingActive") ? s : undefined; }, 5000, "ScalingActive");
  expect(s2.conditions?.find((c) => c.type === "ScalingActive")).toMatchObject({ status: "False", reason: "FailedGetResourceMetric" });
  expect(s2.conditions?.find((c) => c.type === "ScalingActive")?.message).toStartWith("the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API:");
  expect((await events()).some((e) => e.startsWith("FailedComputeMetricsReplicas: invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization:"))).toBe(true);
}, 30_000);
