/** Pod create: requests defaulted from limits (upstream SetDefaults_Pod) and status.qosClass from ComputePodQOS. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const create = async (name: string, resources: Record<string, unknown>, init?: Record<string, unknown>) => {
  const res = await h.call("POST", "/api/v1/namespaces/default/pods", {
    metadata: { name },
    spec: { containers: [{ name: "c", image: "busybox", resources }], ...(init ? { initContainers: [{ name: "i", image: "busybox", resources: init }] } : {}) },
  });
  expect(res.status).toBe(201);
  return res.body;
};

test("a container that only limits a resource requests the limit, so the pod is Guaranteed", async () => {
  const pod = await create("qos-limits-only", { limits: { cpu: "500m", memory: "128Mi", "example.com/dongle": "1" } });
  expect(pod.spec.containers[0].resources.requests).toEqual({ cpu: "500m", memory: "128Mi", "example.com/dongle": "1" });
  expect(pod.status.qosClass).toBe("Guaranteed");
});

test("requests and limits are compared as quantities (1 == 1000m); a partial request keeps the rest defaulted", async () => {
  expect((await create("qos-units", { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1000m", memory: "1024Mi" } })).status.qosClass).toBe("Guaranteed");
  const partial = await create("qos-partial", { requests: { cpu: "100m" }, limits: { cpu: "200m", memory: "64Mi" } });
  expect(partial.spec.containers[0].resources.requests).toEqual({ cpu: "100m", memory: "64Mi" });
  expect(partial.status.qosClass).toBe("Burstable");
  expect((await create("qos-none", {})).status.qosClass).toBe("BestEffort");
  expect((await create("qos-init", { limits: { cpu: "1", memory: "1Gi" } }, { requests: { cpu: "100m" } })).status.qosClass).toBe("Burstable");
});
