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

test("sysctl names are validated as upstream validateSysctls: malformed names are Invalid, well-formed ones (safe or not) pass", async () => {
  const res = await h.call("POST", "/api/v1/namespaces/default/pods", {
    metadata: { name: "bad-sysctls" },
    spec: {
      securityContext: { sysctls: [{ name: "foo-", value: "bar" }, { name: "kernel.shmmax", value: "1" }, { name: "safe-and-unsafe", value: "1" }, { name: "bar..", value: "42" }, { name: "kernel.shmmax", value: "2" }] },
      containers: [{ name: "c", image: "busybox" }],
    },
  });
  expect(res.status).toBe(422);
  const message = String(res.body.message);
  expect(message).toContain(`spec.securityContext.sysctls[0].name: Invalid value: "foo-": must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`);
  expect(message).toContain(`spec.securityContext.sysctls[3].name: Invalid value: "bar.."`);
  expect(message).toContain(`spec.securityContext.sysctls[4].name: Duplicate value: "kernel.shmmax"`);
  expect(message).not.toContain("safe-and-unsafe");
  const good = await h.call("POST", "/api/v1/namespaces/default/pods", {
    metadata: { name: "good-sysctls" },
    spec: { securityContext: { sysctls: [{ name: "kernel.shm_rmid_forced", value: "1" }, { name: "net/ipv4/ip_local_port_range", value: "1024 65000" }] }, containers: [{ name: "c", image: "busybox" }] },
  });
  expect(good.status).toBe(201);
});

test("pods/ephemeralcontainers takes a strategic merge PATCH (as kubectl debug sends it) that changes only spec.ephemeralContainers", async () => {
  expect((await h.call("POST", "/api/v1/namespaces/default/pods", { metadata: { name: "debug-me" }, spec: { containers: [{ name: "c", image: "busybox" }] } })).status).toBe(201);
  const patched = await h.call("PATCH", "/api/v1/namespaces/default/pods/debug-me/ephemeralcontainers", {
    spec: { ephemeralContainers: [{ name: "debugger", image: "busybox", command: ["sh"] }], containers: [{ name: "c", image: "changed" }] },
  }, { "content-type": "application/strategic-merge-patch+json" });
  expect(patched.status).toBe(200);
  expect(patched.body.spec.ephemeralContainers.map((c: { name: string }) => c.name)).toEqual(["debugger"]);
  expect(patched.body.spec.containers[0].image).toBe("busybox");
  const read = await h.call("GET", "/api/v1/namespaces/default/pods/debug-me/ephemeralcontainers");
  expect(read.body.spec.ephemeralContainers).toHaveLength(1);
});
