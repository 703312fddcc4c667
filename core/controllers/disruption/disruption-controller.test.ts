import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { eventually } from "../testing/in-process.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { disruptionController, PDBS } from "./disruption-controller.ts";

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([disruptionController()]); });
afterAll(async () => { await t.close(); });

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;
const ns = "default";
async function readyPod(name: string) {
  await t.client.create({ ...builtinResources.pods, namespace: ns }, { metadata: { name, labels: { app: "db" } }, spec: { nodeName: "n1", containers: [{ name: "c", image: "nginx" }] } });
  await t.client.patch({ ...builtinResources.pods, namespace: ns, name }, "merge", { status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } }, { subresource: "status" });
}
const evict = (name: string) => t.harness.call("POST", `/api/v1/namespaces/${ns}/pods/${name}/eviction`, { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: ns } });
const pdbStatus = async () => (await t.client.get<KubeObject & Json>({ ...PDBS, namespace: ns, name: "db" })).status;

describe("disruption controller and the eviction subresource", () => {
  test("[sig-apps] DisruptionController should block an eviction until the PDB is updated to allow it [Conformance]", async () => {
    await readyPod("db-0");
    await readyPod("db-1");
    await t.client.create({ ...PDBS, namespace: ns }, { metadata: { name: "db" }, spec: { minAvailable: 2, selector: { matchLabels: { app: "db" } } } });
    const st = await eventually(async () => { const s = await pdbStatus(); return s?.expectedPods === 2 ? s : undefined; }, 3000, "status");
    expect(st).toMatchObject({ currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0, expectedPods: 2, observedGeneration: 1 });
    expect(st.conditions[0]).toMatchObject({ type: "DisruptionAllowed", status: "False", reason: "InsufficientPods" });
    const r = await evict("db-0");
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({
      kind: "Status", status: "Failure", reason: "TooManyRequests", code: 429, message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: "DisruptionBudget", message: "The disruption budget db needs 2 healthy pods and has 2 currently" }] },
    });
    await t.client.patch({ ...PDBS, namespace: ns, name: "db" }, "merge", { spec: { minAvailable: 1 } });
    await eventually(async () => (await pdbStatus())?.disruptionsAllowed === 1, 3000, "allowed");
    expect((await pdbStatus()).conditions[0]).toMatchObject({ status: "True", reason: "SufficientPods" });
    const ok = await evict("db-0");
    expect(ok.status).toBe(201);
    const after = await eventually(async () => { const s = await pdbStatus(); return s?.disruptionsAllowed === 0 && s.currentHealthy === 1 ? s : undefined; }, 3000, "charged");
    expect(after.desiredHealthy).toBe(1);
    expect((await evict("db-1")).status).toBe(429);
  });

  test("pods without a budget are evicted freely", async () => {
    await t.client.create({ ...builtinResources.pods, namespace: ns }, { metadata: { name: "free", labels: { app: "free" } }, spec: { containers: [{ name: "c", image: "nginx" }] } });
    expect((await evict("free")).status).toBe(201);
  });
});
