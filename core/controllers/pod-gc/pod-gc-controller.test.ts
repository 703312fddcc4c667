import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, isNotFound, type KubeObject } from "@lite/sdk";
import { createFakeClock } from "../runtime/fake-clock.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { eventually } from "../testing/in-process.ts";
import { byEvictionAndCreation, podGCController } from "./pod-gc-controller.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;
const HOLD = "example.com/hold"; // keeps a force-deleted pod readable so its last status can be checked
const clock = createFakeClock(Date.now());
let t: ControllerTestbed;
beforeAll(async () => {
  t = await startControllerTestbed([podGCController({ now: clock.now, terminatedPodThreshold: 2 })], {}, { clock });
  await node("n1", true);
});
afterAll(async () => { await t.close(); });

const podRef = (name: string) => ({ ...builtinResources.pods, namespace: "default", name });
const read = (name: string) => t.client.get<KubeObject & Json>(podRef(name)).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

async function node(name: string, ready: boolean, taints?: Json[]) {
  await t.client.create(builtinResources.nodes, { metadata: { name }, spec: taints ? { taints } : {} });
  await t.client.patch({ ...builtinResources.nodes, name }, "merge", { status: { conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: stamp(clock.now()) }] } }, { subresource: "status" });
}
async function pod(name: string, nodeName: string, status: Json = { phase: "Running" }, hold = true) {
  await t.client.create({ ...builtinResources.pods, namespace: "default" }, {
    metadata: { name, ...(hold ? { finalizers: [HOLD] } : {}) }, spec: { nodeName, containers: [{ name: "c", image: "busybox" }] },
  });
  await t.client.patch(podRef(name), "merge", { status }, { subresource: "status" });
}
async function release(name: string) {
  await t.client.patch(podRef(name), "merge", { metadata: { finalizers: null } }).catch(() => {});
}
/** Advances the fake clock a second at a time, letting passes run, until `check` holds. */
async function advanceUntil<T>(check: () => Promise<T>, what: string): Promise<NonNullable<T>> {
  return eventually(async () => {
    clock.advance(1000);
    await Bun.sleep(15);
    return check();
  }, 15_000, what);
}

describe("pod garbage collector", () => {
  test("an orphan (its node never existed) is kept for the 40 s quarantine, then marked Failed with DisruptionTarget/DeletionByPodGC and force-deleted; pods on existing nodes stay", async () => {
    const start = clock.now();
    await pod("orphan", "ghost");
    await pod("homed", "n1");
    const gone = await advanceUntil(async () => (await read("orphan"))?.metadata.deletionTimestamp ? await read("orphan") : undefined, "orphan deleted");
    expect(clock.now() - start).toBeGreaterThanOrEqual(40_000);
    expect(clock.now() - start).toBeLessThanOrEqual(65_000);
    expect(gone.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(gone.status.phase).toBe("Failed");
    expect(gone.status.conditions).toContainEqual(expect.objectContaining({ type: "DisruptionTarget", status: "True", reason: "DeletionByPodGC", message: "PodGC: node no longer exists" }));
    expect((await read("homed"))?.metadata.deletionTimestamp).toBeUndefined();
    await release("orphan");
    await release("homed");
  });

  test("terminating pods on a NotReady node tainted node.kubernetes.io/out-of-service are marked Failed and force-deleted; on a Ready one they wait for the kubelet", async () => {
    await node("oos", false, [{ key: "node.kubernetes.io/out-of-service", value: "nodeshutdown", effect: "NoExecute" }]);
    await node("fine", true, [{ key: "node.kubernetes.io/out-of-service", value: "nodeshutdown", effect: "NoExecute" }]);
    await pod("stuck", "oos");
    await pod("waiting", "fine");
    for (const name of ["stuck", "waiting"]) await t.client.delete(podRef(name), { gracePeriodSeconds: 30 });
    const stuck = await advanceUntil(async () => ((await read("stuck"))?.metadata.deletionGracePeriodSeconds === 0 ? await read("stuck") : undefined), "stuck pod force-deleted");
    expect(stuck.status.phase).toBe("Failed");
    expect(stuck.status.conditions ?? []).not.toContainEqual(expect.objectContaining({ type: "DisruptionTarget" }));
    expect((await read("waiting"))?.metadata.deletionGracePeriodSeconds).toBe(30);
    await release("stuck");
    await release("waiting");
  });

  test("terminated pods beyond --terminated-pod-gc-threshold go evicted first, then oldest first", async () => {
    await pod("done-1", "n1", { phase: "Succeeded" }, false);
    await pod("done-2", "n1", { phase: "Failed" }, false);
    await pod("done-3", "n1", { phase: "Succeeded" }, false);
    await pod("evicted", "n1", { phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory." }, false);
    // Threshold 2 of 4 terminated: "evicted" (the newest, but evicted) and "done-1" (the oldest) go.
    await advanceUntil(async () => !(await read("evicted")) && !(await read("done-1")), "two terminated pods removed");
    expect(await read("done-2")).toBeDefined();
    expect(await read("done-3")).toBeDefined();
  });

  test("the deletion order is upstream's byEvictionAndCreationTimestamp", () => {
    const p = (name: string, at: string, evicted = false) => ({ metadata: { name, creationTimestamp: at }, status: evicted ? { phase: "Failed", reason: "Evicted" } : { phase: "Succeeded" } }) as KubeObject;
    const sorted = [p("b", "2026-01-02T00:00:00Z"), p("a", "2026-01-02T00:00:00Z"), p("old", "2026-01-01T00:00:00Z"), p("ev", "2026-01-03T00:00:00Z", true)].sort(byEvictionAndCreation);
    expect(sorted.map((x) => x.metadata.name)).toEqual(["ev", "old", "a", "b"]);
  });
});
