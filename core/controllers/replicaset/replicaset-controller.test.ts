import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { eventually } from "../testing/in-process.ts";
import { REPLICATION_CONTROLLERS } from "./replica-kind.ts";
import { replicaSetController, replicationControllerController } from "./replicaset-controller.ts";
import type { ReplicaSet } from "./types.ts";
import { eventsFor, listPods, markReady, readyAll } from "./workload-test-support.ts";

setDefaultTimeout(20_000);
let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([replicaSetController(), replicationControllerController()]); });
afterAll(async () => { await t.close(); });

const NS = "default";
const rsRef = (name: string) => ({ ...builtinResources.replicaSets, namespace: NS, name });
const template = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: "c", image: "nginx" }] } });

async function createRS(name: string, replicas: number, labels: Record<string, string>, extra: Record<string, unknown> = {}) {
  return t.client.create<ReplicaSet>({ ...builtinResources.replicaSets, namespace: NS }, {
    metadata: { name }, spec: { replicas, selector: { matchLabels: labels }, template: template(labels), ...extra },
  } as ReplicaSet);
}
const getRS = (name: string) => t.client.get<ReplicaSet>(rsRef(name));
const scaleRS = (name: string, replicas: number) => t.client.patch(rsRef(name), "merge", { spec: { replicas } });

describe("replicaset controller", () => {
  test("creates pods named <rs>-<5 random> with a controller reference, records SuccessfulCreate, and reports status", async () => {
    const rs = await createRS("basic", 3, { app: "basic" });
    const pods = await eventually(async () => { const p = await listPods(t.client, NS, "app=basic"); return p.length === 3 ? p : undefined; }, 5000, "3 pods");
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^basic-[a-z0-9]{5}$/);
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "basic", uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
    }
    const st = await eventually(async () => { const s = (await getRS("basic")).status; return s?.replicas === 3 && s.observedGeneration === 1 ? s : undefined; }, 5000, "status");
    expect(st).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 });
    await readyAll(t.client, NS, "app=basic");
    await eventually(async () => (await getRS("basic")).status?.availableReplicas === 3, 5000, "available");
    const events = await eventually(async () => { const e = await eventsFor(t.client, NS, "basic"); return e.filter((x) => x.startsWith("SuccessfulCreate")).length === 3 ? e : undefined; }, 5000, "events");
    for (const p of pods) expect(events).toContain(`SuccessfulCreate: Created pod: ${p.metadata.name}`);
  });

  test("a burst of creates never double-creates (expectations), and recreates a deleted pod", async () => {
    await createRS("burst", 25, { app: "burst" });
    await eventually(async () => (await listPods(t.client, NS, "app=burst")).length === 25, 8000, "25 pods");
    await Bun.sleep(300);
    expect((await listPods(t.client, NS, "app=burst", true)).length).toBe(25);
    const victim = (await listPods(t.client, NS, "app=burst"))[0]!;
    await t.client.delete({ ...builtinResources.pods, namespace: NS, name: victim.metadata.name! });
    await eventually(async () => { const p = await listPods(t.client, NS, "app=burst"); return p.length === 25 && !p.some((x) => x.metadata.name === victim.metadata.name); }, 5000, "replacement");
    await Bun.sleep(200);
    expect((await listPods(t.client, NS, "app=burst", true)).length).toBe(25);
  });

  test("scale down deletes unassigned before assigned, pending before running, not-ready before ready, newer before older", async () => {
    const labels = { app: "rank" };
    const mk = async (name: string, nodeName?: string) => t.client.create({ ...builtinResources.pods, namespace: NS }, {
      metadata: { name, labels }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "nginx" }] },
    });
    // Oldest first: a ready running pod, an older ready running pod, a not-ready running pod, a pending assigned pod, an unassigned pod.
    const oldReady = await mk("rank-old-ready", "n1");
    await Bun.sleep(20);
    const newReady = await mk("rank-new-ready", "n2");
    const notReady = await mk("rank-not-ready", "n3");
    await mk("rank-pending", "n4");
    await mk("rank-unassigned");
    await markReady(t.client, oldReady, Date.now() - 3_600_000);
    await markReady(t.client, newReady, Date.now() - 1_000); // ready for less time: deleted first (creation times share a log2 bucket)
    await t.client.patch({ ...builtinResources.pods, namespace: NS, name: notReady.metadata.name! }, "merge", { status: { phase: "Running", conditions: [{ type: "Ready", status: "False" }] } }, { subresource: "status" });
    await createRS("rank", 5, labels);
    await eventually(async () => (await getRS("rank")).status?.replicas === 5, 5000, "adopted 5");
    expect((await listPods(t.client, NS, "app=rank")).length).toBe(5);
    const remaining = async () => (await listPods(t.client, NS, "app=rank")).map((p) => p.metadata.name).sort();
    await scaleRS("rank", 4);
    await eventually(async () => !(await remaining()).includes("rank-unassigned"), 5000, "unassigned deleted");
    await scaleRS("rank", 3);
    await eventually(async () => !(await remaining()).includes("rank-pending"), 5000, "pending deleted");
    await scaleRS("rank", 2);
    await eventually(async () => !(await remaining()).includes("rank-not-ready"), 5000, "not-ready deleted");
    await scaleRS("rank", 1);
    await eventually(async () => (await remaining()).length === 1, 5000, "one left");
    expect(await remaining()).toEqual(["rank-old-ready"]);
    const events = await eventsFor(t.client, NS, "rank");
    expect(events).toContain("SuccessfulDelete: Deleted pod: rank-unassigned");
  });

  test("[sig-apps] ReplicaSet should adopt matching pods on creation and release no longer matching pods [Conformance]", async () => {
    const orphan = await t.client.create<KubeObject>({ ...builtinResources.pods, namespace: NS }, { metadata: { name: "pod-adoption-release", labels: { name: "pod-adoption-release" } }, spec: { containers: [{ name: "c", image: "nginx" }] } });
    const rs = await createRS("pod-adoption-release", 1, { name: "pod-adoption-release" });
    const adopted = await eventually(async () => {
      const p = await t.client.get({ ...builtinResources.pods, namespace: NS, name: "pod-adoption-release" });
      return p.metadata.ownerReferences?.find((r) => r.controller) ? p : undefined;
    }, 5000, "adopted");
    expect(adopted.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "pod-adoption-release", uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
    expect(adopted.metadata.uid).toBe(orphan.metadata.uid!);
    await Bun.sleep(200);
    expect((await listPods(t.client, NS, "name=pod-adoption-release")).length).toBe(1); // no extra pod
    await t.client.patch({ ...builtinResources.pods, namespace: NS, name: "pod-adoption-release" }, "merge", { metadata: { labels: { name: "released" } } });
    await eventually(async () => {
      const p = await t.client.get({ ...builtinResources.pods, namespace: NS, name: "pod-adoption-release" });
      return !(p.metadata.ownerReferences ?? []).length;
    }, 5000, "released");
    await eventually(async () => (await listPods(t.client, NS, "name=pod-adoption-release")).length === 1, 5000, "replacement");
  });

  test("minReadySeconds: ready pods become available only after that long", async () => {
    // Ready times are whole seconds (RFC 3339), so "ready since now" may already be up to 1 s old:
    // 3 s leaves a margin that a loaded machine cannot eat between marking ready and reading status.
    await createRS("minready", 2, { app: "minready" }, { minReadySeconds: 3 });
    await eventually(async () => (await listPods(t.client, NS, "app=minready")).length === 2, 5000, "2 pods");
    await readyAll(t.client, NS, "app=minready");
    await eventually(async () => (await getRS("minready")).status?.readyReplicas === 2, 5000, "ready");
    expect((await getRS("minready")).status?.availableReplicas ?? 0).toBe(0);
    await eventually(async () => (await getRS("minready")).status?.availableReplicas === 2, 10_000, "available after 3s");
  });
});

describe("replicationcontroller controller", () => {
  const rcRef = (name: string) => ({ ...REPLICATION_CONTROLLERS, namespace: NS, name });
  test("[sig-apps] ReplicationController should adopt matching pods on creation [Conformance]; [sig-apps] ReplicationController should release no longer matching pods [Conformance]", async () => {
    await t.client.create({ ...builtinResources.pods, namespace: NS }, { metadata: { name: "pod-adoption", labels: { name: "pod-adoption" } }, spec: { containers: [{ name: "c", image: "nginx" }] } });
    const rc = await t.client.create<KubeObject>({ ...REPLICATION_CONTROLLERS, namespace: NS }, {
      metadata: { name: "pod-adoption" }, spec: { replicas: 1, selector: { name: "pod-adoption" }, template: template({ name: "pod-adoption" }) },
    });
    await eventually(async () => {
      const p = await t.client.get({ ...builtinResources.pods, namespace: NS, name: "pod-adoption" });
      const ref = p.metadata.ownerReferences?.[0];
      return ref?.kind === "ReplicationController" && ref.apiVersion === "v1" && ref.uid === rc.metadata.uid && ref.controller && ref.blockOwnerDeletion;
    }, 5000, "adopted by the RC");
    await t.client.patch({ ...builtinResources.pods, namespace: NS, name: "pod-adoption" }, "merge", { metadata: { labels: { name: "other" } } });
    await eventually(async () => !((await t.client.get({ ...builtinResources.pods, namespace: NS, name: "pod-adoption" })).metadata.ownerReferences ?? []).length, 5000, "released");
  });

  test("creates and scales pods, reporting RC status", async () => {
    await t.client.create<KubeObject>({ ...REPLICATION_CONTROLLERS, namespace: NS }, {
      metadata: { name: "rc-web" }, spec: { replicas: 2, template: template({ app: "rc-web" }) },
    });
    await eventually(async () => (await listPods(t.client, NS, "app=rc-web")).length === 2, 5000, "2 pods");
    await readyAll(t.client, NS, "app=rc-web");
    await eventually(async () => ((await t.client.get<ReplicaSet>(rcRef("rc-web"))).status?.readyReplicas === 2), 5000, "ready 2");
    await t.client.patch(rcRef("rc-web"), "merge", { spec: { replicas: 1 } });
    await eventually(async () => (await listPods(t.client, NS, "app=rc-web")).length === 1, 5000, "scaled to 1");
    const st = await eventually(async () => { const s = (await t.client.get<ReplicaSet>(rcRef("rc-web"))).status; return s?.replicas === 1 ? s : undefined; }, 5000, "status 1");
    expect(st).toMatchObject({ replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 2 });
  });
});
