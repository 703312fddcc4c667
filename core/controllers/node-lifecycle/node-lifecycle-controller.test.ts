import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, isNotFound, type KubeObject } from "@lite/sdk";
import { eventually } from "../testing/in-process.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { nodeLifecycleController } from "./node-lifecycle-controller.ts";

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([nodeLifecycleController({ gracePeriodMs: 2000 })]); });
afterAll(async () => { await t.close(); });

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
const podRef = (name: string) => ({ ...builtinResources.pods, namespace: "default", name });
const gone = (p: Promise<unknown>) => p.then(() => false, (e) => isNotFound(e));

async function node(name: string) {
  await t.client.create(builtinResources.nodes, { metadata: { name } });
  await t.client.patch({ ...builtinResources.nodes, name }, "merge", { status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: stamp(Date.now()), lastTransitionTime: stamp(Date.now()) }] } }, { subresource: "status" });
  await t.client.create({ ...builtinResources.leases, namespace: "kube-node-lease" }, { metadata: { name }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date().toISOString() } });
}
async function pod(name: string, nodeName: string, tolerationSeconds?: number) {
  const tolerations = tolerationSeconds === undefined ? undefined : [
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds },
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds },
  ];
  await t.client.create({ ...builtinResources.pods, namespace: "default" }, { metadata: { name }, spec: { nodeName, tolerations, containers: [{ name: "c", image: "nginx" }] } });
  await t.client.patch(podRef(name), "merge", { status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } }, { subresource: "status" });
}

describe("node lifecycle", () => {
  test("[sig-node] NoExecuteTaintManager Single Pod [Serial] evicts pods from tainted nodes: a node that stops heartbeating goes Unknown, is tainted, and its pods go after tolerationSeconds", async () => {
    await node("n1");
    await pod("tolerant", "n1", 3600);
    await pod("short", "n1", 1);
    // No renewals: after the (shortened) grace period the node is Unknown.
    const n = await eventually(async () => {
      const x = await t.client.get<KubeObject & Json>({ ...builtinResources.nodes, name: "n1" });
      return x.spec?.taints?.length === 2 ? x : undefined;
    }, 6000, "node tainted");
    expect(n.status.conditions.find((c: Json) => c.type === "Ready")).toMatchObject({ status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
    expect(n.spec.taints.map((x: Json) => `${x.key}:${x.effect}`)).toEqual(["node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"]);
    const tolerant = await t.client.get<KubeObject & Json>(podRef("tolerant"));
    expect(tolerant.status.conditions.find((c: Json) => c.type === "Ready").status).toBe("False");
    // "short" tolerates for 1 s: deleted (graceful: deletionTimestamp set) soon after; "tolerant" stays.
    const short = await eventually(async () => { const p = await t.client.get<KubeObject & Json>(podRef("short")); return p.metadata.deletionTimestamp ? p : undefined; }, 4000, "short evicted");
    expect(short.status.conditions).toContainEqual(expect.objectContaining({ type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint" }));
    expect((await t.client.get(podRef("tolerant"))).metadata.deletionTimestamp).toBeUndefined();
    // A heartbeat brings the node back: Ready True (kubelet's write) removes the taints.
    await t.client.patch({ ...builtinResources.nodes, name: "n1" }, "merge", { status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: stamp(Date.now()), lastTransitionTime: stamp(Date.now()) }] } }, { subresource: "status" });
    await eventually(async () => !(await t.client.get<KubeObject & Json>({ ...builtinResources.nodes, name: "n1" })).spec?.taints, 3000, "taints removed");
  });

  test("a pod bound to a node that already has a NoExecute taint is checked on its own: evicted at once without a toleration, after tolerationSeconds with one, never when tolerated forever", async () => {
    await node("tainted");
    // The kubelet keeps heartbeating: only the operator's taint matters.
    const beat = setInterval(() => {
      void t.client.patch({ ...builtinResources.leases, namespace: "kube-node-lease", name: "tainted" }, "merge", { spec: { renewTime: new Date().toISOString() } }).catch(() => {});
    }, 300);
    try {
      const added = stamp(Date.now());
      await t.client.patch({ ...builtinResources.nodes, name: "tainted" }, "merge", { spec: { taints: [{ key: "example.com/maintenance", value: "true", effect: "NoExecute", timeAdded: added }] } });
      await Bun.sleep(100);
      const mk = (name: string, tolerations?: Json[]) => t.client.create({ ...builtinResources.pods, namespace: "default" }, { metadata: { name }, spec: { nodeName: "tainted", tolerations, containers: [{ name: "c", image: "nginx" }] } });
      await mk("intolerant");
      await mk("patient", [{ key: "example.com/maintenance", operator: "Exists", effect: "NoExecute", tolerationSeconds: 1 }]);
      await mk("forever", [{ key: "example.com/maintenance", operator: "Exists", effect: "NoExecute" }]);
      const deleting = async (name: string) => (await t.client.get<KubeObject & Json>(podRef(name))).metadata.deletionTimestamp;
      await eventually(() => deleting("intolerant"), 1000, "intolerant evicted");
      expect(await deleting("patient")).toBeUndefined();
      await eventually(() => deleting("patient"), 3000, "patient evicted after its toleration");
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(added) + 1000);
      expect(await deleting("forever")).toBeUndefined();
    } finally {
      clearInterval(beat);
    }
  });
});
