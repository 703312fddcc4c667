/** LimitRanger: container defaults from the namespace's LimitRanges, then min/max enforcement (upstream e2e "LimitRange ... defaults"). */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../testing/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const r = await h.call("POST", "/api/v1/namespaces/default/limitranges", {
    metadata: { name: "lr" },
    spec: { limits: [{ type: "Container", min: { cpu: "50m", memory: "100Mi" }, max: { cpu: "500m", memory: "500Mi" }, default: { cpu: "500m", memory: "500Mi" }, defaultRequest: { cpu: "100m", memory: "200Mi" } }] },
  });
  expect(r.status).toBe(201);
});
afterAll(async () => { await h.close(); });

const PODS = "/api/v1/namespaces/default/pods";
const pod = (name: string, resources: Record<string, unknown>) => ({ metadata: { name }, spec: { containers: [{ name: "c", image: "busybox", resources }] } });

test("a pod without resources gets the defaults (and its QoS class follows them)", async () => {
  const r = await h.call("POST", PODS, pod("none", {}));
  expect(r.status).toBe(201);
  expect(r.body.spec.containers[0].resources).toEqual({ requests: { cpu: "100m", memory: "200Mi" }, limits: { cpu: "500m", memory: "500Mi" } });
  expect(r.body.status.qosClass).toBe("Burstable");
});

test("partial resources: a limit without a request defaults the request to the limit, not to defaultRequest", async () => {
  const r = await h.call("POST", PODS, pod("partial", { requests: { memory: "150Mi" }, limits: { cpu: "300m" } }));
  expect(r.status).toBe(201);
  expect(r.body.spec.containers[0].resources).toEqual({ requests: { cpu: "300m", memory: "150Mi" }, limits: { cpu: "300m", memory: "500Mi" } });
});

test("below min or above max is Forbidden, listing each violation", async () => {
  const low = await h.call("POST", PODS, pod("low", { requests: { cpu: "10m", memory: "50Mi" } }));
  expect(low.status).toBe(403);
  expect(low.body.message).toBe('pods "low" is forbidden: [minimum cpu usage per Container is 50m, but request is 10m, minimum memory usage per Container is 100Mi, but request is 50Mi]');
  const high = await h.call("POST", PODS, pod("high", { requests: { cpu: "600m", memory: "600Mi" } }));
  expect(high.status).toBe(403);
  expect(high.body.message).toContain("maximum cpu usage per Container is 500m, but request is 600m");
});

test("pods in a namespace without LimitRanges are untouched", async () => {
  expect((await h.call("POST", "/api/v1/namespaces", { metadata: { name: "free" } })).status).toBe(201);
  const r = await h.call("POST", "/api/v1/namespaces/free/pods", pod("free", {}));
  expect(r.status).toBe(201);
  expect(r.body.spec.containers[0].resources ?? {}).toEqual({});
});

test("PersistentVolumeClaim items bound the claim's storage request on create and on resize", async () => {
  expect((await h.call("POST", "/api/v1/namespaces", { metadata: { name: "claims" } })).status).toBe(201);
  expect((await h.call("POST", "/api/v1/namespaces/claims/limitranges", {
    metadata: { name: "storage" },
    spec: { limits: [{ type: "PersistentVolumeClaim", min: { storage: "1Gi" }, max: { storage: "2Gi" } }] },
  })).status).toBe(201);
  const CLAIMS = "/api/v1/namespaces/claims/persistentvolumeclaims";
  const claim = (name: string, storage: string) => ({
    metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } },
  });
  const small = await h.call("POST", CLAIMS, claim("small", "500Mi"));
  expect(small.status).toBe(403);
  expect(small.body.message).toBe('persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
  const big = await h.call("POST", CLAIMS, claim("big", "3Gi"));
  expect(big.status).toBe(403);
  expect(big.body.message).toBe('persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 3Gi');
  const ok = await h.call("POST", CLAIMS, claim("ok", "1Gi"));
  expect(ok.status).toBe(201);
  // Only a bound claim may be resized (validation refuses an unbound one before admission runs).
  const bound = await h.call("PUT", `${CLAIMS}/ok/status`, { ...ok.body, status: { phase: "Bound", capacity: { storage: "1Gi" } } });
  expect(bound.status).toBe(200);
  const resized = { ...bound.body, spec: { ...bound.body.spec, resources: { requests: { storage: "4Gi" } } } };
  const resize = await h.call("PUT", `${CLAIMS}/ok`, resized);
  expect(resize.status).toBe(403);
  expect(resize.body.message).toContain("maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 4Gi");
  // A claim in a namespace without such items is untouched.
  expect((await h.call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("any", "500Mi"))).status).toBe(201);
});
