/**
 * Services through the in-process API server: writes through /status also change labels and
 * annotations (upstream's serviceStatusStrategy resets only spec), as the upstream conformance test
 * "Services should complete a service status lifecycle" expects.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const MERGE = { "content-type": "application/merge-patch+json" };

test("a merge patch of Service /status writes the status and the annotations, not the spec", async () => {
  const created = await h.call("POST", "/api/v1/namespaces/default/services", { metadata: { name: "s" }, spec: { ports: [{ port: 80 }] } });
  expect(created.status).toBe(201);
  const patched = await h.call("PATCH", "/api/v1/namespaces/default/services/s/status",
    { metadata: { annotations: { patchedstatus: "true" } }, spec: { sessionAffinity: "ClientIP" }, status: { loadBalancer: { ingress: [{ ip: "203.0.113.1" }] } } }, MERGE);
  expect(patched.status).toBe(200);
  expect(patched.body.metadata.annotations).toEqual({ patchedstatus: "true" });
  expect(patched.body.metadata.uid).toBe(created.body.metadata.uid);
  expect(patched.body.spec.sessionAffinity).toBe("None");
  expect(patched.body.spec.clusterIP).toBe(created.body.spec.clusterIP);
  expect(patched.body.status.loadBalancer.ingress).toEqual([{ ip: "203.0.113.1" }]);
});
