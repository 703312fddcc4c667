import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

test("new PVs and PVCs start in phase Pending whatever status they were sent with", async () => {
  const pv = await h.call("POST", "/api/v1/persistentvolumes", {
    metadata: { name: "pv1" }, spec: { capacity: { storage: "1Mi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/tmp/x" } }, status: { phase: "Bound" },
  });
  expect(pv.status).toBe(201);
  expect(pv.body.status.phase).toBe("Pending");
  expect(pv.body.status.lastPhaseTransitionTime).toMatch(/Z$/);
  const pvc = await h.call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", {
    metadata: { name: "c1" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Mi" } } }, status: { phase: "Bound" },
  });
  expect(pvc.status).toBe(201);
  expect(pvc.body.status).toEqual({ phase: "Pending" });
});
