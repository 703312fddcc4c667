import { expect, test } from "bun:test";
import { startHarness } from "../testing/harness.ts";

test("a plugin-served group-version has a Local APIService while it is served (v1beta1.metrics.k8s.io as on K3s)", async () => {
  const h = await startHarness();
  const get = () => h.call("GET", "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io");
  const within = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) { if (await check()) return; await Bun.sleep(10); }
    throw new Error("condition not reached");
  };
  expect((await get()).status).toBe(404);
  const stop = h.server.pluginGroups.forOwner("metrics").serve({
    group: "metrics.k8s.io", version: "v1beta1",
    resources: [{ resource: "nodes", kind: "NodeMetrics", namespaced: false, list: () => [], get: () => undefined }],
  });
  await within(async () => (await get()).status === 200);
  const svc = (await get()).body;
  expect(svc.metadata.labels).toEqual({ "kube-aggregator.kubernetes.io/automanaged": "true" });
  expect(svc.spec).toEqual({ group: "metrics.k8s.io", version: "v1beta1", groupPriorityMinimum: 100, versionPriority: 100 });
  await within(async () => (await get()).body.status?.conditions?.[0]?.reason === "Local");
  stop();
  await within(async () => (await get()).status === 404);
  await h.close();
});
