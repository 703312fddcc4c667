import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources } from "@lite/sdk";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { eventually } from "../testing/in-process.ts";
import { bindPod, setPodStatus } from "../testing/kubelet-stand-in.ts";
import type { Pod } from "../workload-pods/types.ts";
import { targetNodeOf } from "./daemon-pod.ts";
import { daemonSetController } from "./daemonset-controller.ts";
import type { DaemonSet } from "./types.ts";

let t: ControllerTestbed;
beforeAll(async () => {
  t = await startControllerTestbed([daemonSetController()]);
  for (const [name, labels, taints] of [
    ["n1", { zone: "a" }, []], ["n2", { zone: "b" }, []],
    ["n3", { zone: "a" }, [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }]],
  ] as const) {
    await t.client.create(builtinResources.nodes, { apiVersion: "v1", kind: "Node", metadata: { name, labels }, spec: { taints } });
  }
});
afterAll(async () => { await t.close(); });

const { pods: PODS, daemonSets: SETS, nodes: NODES } = builtinResources;
const NS = "default";

function ds(name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): DaemonSet {
  return {
    apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name, namespace: NS },
    spec: { selector: { matchLabels: { ds: name } }, template: { metadata: { labels: { ds: name } }, spec: { containers: [{ name: "c", image: "img:1" }], ...podSpec } }, ...spec },
  };
}
async function podsOf(name: string): Promise<Pod[]> {
  return (await t.client.list<Pod>({ ...PODS, namespace: NS }, { labelSelector: `ds=${name}` })).items.filter((p) => !p.metadata.deletionTimestamp);
}
const nodesOf = async (name: string) => (await podsOf(name)).map((p) => targetNodeOf(p)).sort().join();
const getDs = (name: string) => t.client.get<DaemonSet>({ ...SETS, namespace: NS, name });
/** Scheduler and kubelet stand-in: bind each pending daemon pod to its target node and make it ready. */
async function runPods(name: string, image?: string): Promise<void> {
  for (const p of await podsOf(name)) {
    if (!p.spec?.nodeName) await bindPod(t.client, p, targetNodeOf(p)!);
    if (p.status?.phase !== "Running" && (!image || p.spec?.containers?.[0]?.image === image)) await setPodStatus(t.client, p, { phase: "Running" });
  }
}

describe("daemonset controller", () => {
  test("[sig-apps] Daemon set [Serial] should run and stop simple daemon [Conformance]: one pod per node, default tolerations, node affinity", async () => {
    await t.client.create({ ...SETS, namespace: NS }, ds("simple"));
    await eventually(async () => (await nodesOf("simple")) === "n1,n2,n3", 3000, "a pod per node");
    const pod = (await podsOf("simple")).find((p) => targetNodeOf(p) === "n3")!;
    expect(pod.metadata.generateName).toBe("simple-");
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n3"] }] }],
    });
    expect(pod.spec?.tolerations?.map((x) => `${x.key}:${x.effect}`)).toEqual([
      "node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/disk-pressure:NoSchedule",
      "node.kubernetes.io/memory-pressure:NoSchedule", "node.kubernetes.io/pid-pressure:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule",
    ]);
    expect(pod.metadata.labels?.["controller-revision-hash"]).toBeString();
    expect(pod.metadata.labels?.["pod-template-generation"]).toBe("1");
    await runPods("simple");
    const status = await eventually(async () => { const d = await getDs("simple"); return d.status?.numberAvailable === 3 ? d.status : undefined; });
    expect(status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, numberMisscheduled: 0, numberUnavailable: 0 });
    // A deleted daemon pod is replaced.
    const victim = (await podsOf("simple"))[0]!;
    await t.client.delete({ ...PODS, namespace: NS, name: victim.metadata.name ?? "" }, { gracePeriodSeconds: 0 });
    await eventually(async () => { const ps = await podsOf("simple"); return ps.length === 3 && !ps.some((p) => p.metadata.uid === victim.metadata.uid); }, 3000, "replacement");
  });

  test("[sig-apps] Daemon set [Serial] should run and stop complex daemon [Conformance]: nodeSelector, new nodes, untolerated taints", async () => {
    await t.client.create({ ...SETS, namespace: NS }, ds("zoned", {}, { nodeSelector: { zone: "a" } }));
    await eventually(async () => (await nodesOf("zoned")) === "n1,n3");
    await t.client.create(NODES, { apiVersion: "v1", kind: "Node", metadata: { name: "n4", labels: { zone: "a" } } });
    await eventually(async () => (await nodesOf("zoned")) === "n1,n3,n4", 3000, "follows a new node");
    // A NoSchedule taint keeps the running pod; a NoExecute taint removes it.
    await t.client.patch({ ...NODES, name: "n4" }, "merge", { spec: { taints: [{ key: "dedicated", value: "x", effect: "NoSchedule" }] } });
    await Bun.sleep(150);
    expect(await nodesOf("zoned")).toBe("n1,n3,n4");
    await t.client.patch({ ...NODES, name: "n4" }, "merge", { spec: { taints: [{ key: "dedicated", value: "x", effect: "NoExecute" }] } });
    await eventually(async () => (await nodesOf("zoned")) === "n1,n3", 3000, "leaves the tainted node");
    // Relabelling a node out of the selector removes its pod.
    await t.client.patch({ ...NODES, name: "n1" }, "merge", { metadata: { labels: { zone: "b" } } });
    await eventually(async () => (await nodesOf("zoned")) === "n3", 3000, "leaves the relabelled node");
    await t.client.patch({ ...NODES, name: "n1" }, "merge", { metadata: { labels: { zone: "a" } } });
    await eventually(async () => (await nodesOf("zoned")) === "n1,n3");
  });

  test("[sig-apps] Daemon set [Serial] should update pod when spec was updated and update strategy is RollingUpdate [Conformance]: maxUnavailable 1", async () => {
    await t.client.create({ ...SETS, namespace: NS }, ds("roll", {}, { nodeSelector: { zone: "a" } }));
    await eventually(async () => (await nodesOf("roll")) === "n1,n3");
    await runPods("roll");
    await eventually(async () => (await getDs("roll")).status?.numberAvailable === 2);
    await t.client.patch({ ...SETS, namespace: NS, name: "roll" }, "merge", { spec: { template: { spec: { containers: [{ name: "c", image: "img:2" }] } } } });
    let maxOld = 0;
    const seenUnavailable: number[] = [];
    await eventually(async () => {
      const pods = await podsOf("roll");
      const images = pods.map((p) => p.spec?.containers?.[0]?.image);
      maxOld = Math.max(maxOld, images.filter((i) => i === "img:1").length);
      seenUnavailable.push(pods.filter((p) => p.status?.phase !== "Running").length);
      await runPods("roll", "img:2");
      const d = await getDs("roll");
      return images.length === 2 && images.every((i) => i === "img:2") && d.status?.updatedNumberScheduled === 2 && d.status.numberAvailable === 2;
    }, 5000, "rolled");
    expect(Math.max(...seenUnavailable)).toBeLessThanOrEqual(1);
  });

  test("maxSurge starts the new pod before deleting the old one; OnDelete waits for deletions", async () => {
    await t.client.create({ ...SETS, namespace: NS }, ds("surge", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }, { nodeSelector: { zone: "b" } }));
    await eventually(async () => (await nodesOf("surge")) === "n2");
    await runPods("surge");
    await eventually(async () => (await getDs("surge")).status?.numberAvailable === 1);
    await t.client.patch({ ...SETS, namespace: NS, name: "surge" }, "merge", { spec: { template: { spec: { containers: [{ name: "c", image: "img:2" }] } } } });
    const both = await eventually(async () => { const ps = await podsOf("surge"); return ps.length === 2 ? ps : undefined; }, 3000, "surge pod");
    expect(both.map((p) => p.spec?.containers?.[0]?.image).sort()).toEqual(["img:1", "img:2"]);
    await runPods("surge");
    await eventually(async () => { const ps = await podsOf("surge"); return ps.length === 1 && ps[0]!.spec?.containers?.[0]?.image === "img:2"; }, 3000, "old pod removed");

    await t.client.create({ ...SETS, namespace: NS }, ds("ondel", { updateStrategy: { type: "OnDelete" } }, { nodeSelector: { zone: "b" } }));
    const [old] = await eventually(async () => { const ps = await podsOf("ondel"); return ps.length === 1 ? ps : undefined; });
    await t.client.patch({ ...SETS, namespace: NS, name: "ondel" }, "merge", { spec: { template: { spec: { containers: [{ name: "c", image: "img:2" }] } } } });
    await Bun.sleep(150);
    expect((await podsOf("ondel"))[0]!.metadata.uid).toBe(old!.metadata.uid);
    await t.client.delete({ ...PODS, namespace: NS, name: old!.metadata.name ?? "" }, { gracePeriodSeconds: 0 });
    await eventually(async () => (await podsOf("ondel"))[0]?.spec?.containers?.[0]?.image === "img:2");
  });
});


