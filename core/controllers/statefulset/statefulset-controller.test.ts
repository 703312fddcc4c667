import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { CONTROLLER_REVISIONS } from "../controller-revision/controller-revision.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { eventually } from "../testing/in-process.ts";
import { setPodStatus } from "../testing/kubelet-stand-in.ts";
import type { Pod } from "../workload-pods/types.ts";
import { statefulSetController } from "./statefulset-controller.ts";
import type { StatefulSet } from "./types.ts";

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([statefulSetController()]); });
afterAll(async () => { await t.close(); });

const PODS = builtinResources.pods;
const SETS = builtinResources.statefulSets;

function sts(name: string, spec: Record<string, unknown> = {}): StatefulSet {
  return {
    apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name, namespace: "default" },
    spec: {
      replicas: 3, serviceName: name, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx:1" }] } },
      ...spec,
    },
  };
}

async function podsOf(name: string): Promise<Pod[]> {
  const list = await t.client.list<Pod>({ ...PODS, namespace: "default" }, { labelSelector: `app=${name}` });
  return list.items.sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
}
const names = (pods: readonly KubeObject[]) => pods.map((p) => p.metadata.name);
const readyAll = async (name: string) => { for (const p of await podsOf(name)) if (p.status?.phase !== "Running") await setPodStatus(t.client, p, { phase: "Running" }); };
const getSet = (name: string) => t.client.get<StatefulSet>({ ...SETS, namespace: "default", name });

describe("statefulset controller", () => {
  test("[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] Scaling should happen in predictable order and halt if any stateful pod is unhealthy [Slow] [Conformance]: OrderedReady scales up in order and down in reverse", async () => {
    await t.client.create({ ...SETS, namespace: "default" }, sts("web", {
      volumeClaimTemplates: [{ metadata: { name: "www" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
    }));
    await eventually(async () => (await podsOf("web")).length === 1, 3000, "web-0");
    await Bun.sleep(150);
    const first = await podsOf("web");
    expect(names(first)).toEqual(["web-0"]);
    const p0 = first[0]!;
    expect(p0.metadata.labels).toMatchObject({ app: "web", "statefulset.kubernetes.io/pod-name": "web-0", "apps.kubernetes.io/pod-index": "0" });
    expect(p0.metadata.labels?.["controller-revision-hash"]).toStartWith("web-");
    expect(p0.spec?.hostname).toBe("web-0");
    expect(p0.spec?.subdomain).toBe("web");
    expect(p0.spec?.volumes).toContainEqual({ name: "www", persistentVolumeClaim: { claimName: "www-web-0" } });
    expect(p0.metadata.ownerReferences?.[0]).toMatchObject({ kind: "StatefulSet", name: "web", controller: true, blockOwnerDeletion: true });
    const pvc = await t.client.get({ ...builtinResources.persistentVolumeClaims, namespace: "default", name: "www-web-0" });
    expect(pvc.metadata.labels).toEqual({ app: "web" });

    await setPodStatus(t.client, p0, { phase: "Running" });
    await eventually(async () => (await podsOf("web")).length === 2, 3000, "web-1");
    await Bun.sleep(100);
    expect(names(await podsOf("web"))).toEqual(["web-0", "web-1"]);
    await readyAll("web");
    await eventually(async () => (await podsOf("web")).length === 3, 3000, "web-2");
    await readyAll("web");
    const status = await eventually(async () => { const s = await getSet("web"); return s.status?.readyReplicas === 3 ? s.status : undefined; });
    expect(status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3 });
    expect(status.currentRevision).toBe(status.updateRevision!);

    // Scale down: web-2 goes first; web-1 only after it is gone.
    await t.client.patch({ ...SETS, namespace: "default", name: "web" }, "merge", { spec: { replicas: 1 } });
    await eventually(async () => !names(await podsOf("web")).includes("web-2"), 3000, "web-2 deleted");
    await eventually(async () => names(await podsOf("web")).join() === "web-0", 3000, "web-1 deleted");
    // Claims are retained (whenScaled: Retain).
    await t.client.get({ ...builtinResources.persistentVolumeClaims, namespace: "default", name: "www-web-2" });
  });

  test("[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] Burst scaling should run to completion even with unhealthy pods [Slow] [Conformance]: Parallel creates every pod at once; OrderedReady halts on an unhealthy pod", async () => {
    await t.client.create({ ...SETS, namespace: "default" }, sts("par", { podManagementPolicy: "Parallel" }));
    await eventually(async () => (await podsOf("par")).length === 3, 3000, "3 parallel pods");
    await t.client.create({ ...SETS, namespace: "default" }, sts("halt", { replicas: 2 }));
    await eventually(async () => (await podsOf("halt")).length === 1);
    await setPodStatus(t.client, (await podsOf("halt"))[0]!, { phase: "Running", ready: false });
    await Bun.sleep(200);
    expect(names(await podsOf("halt"))).toEqual(["halt-0"]);
  });

  test("[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should perform canary updates and phased rolling updates of template modifications [Conformance]: partition keeps lower ordinals on the old revision", async () => {
    await t.client.create({ ...SETS, namespace: "default" }, sts("canary", { podManagementPolicy: "Parallel", updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } }));
    await eventually(async () => (await podsOf("canary")).length === 3);
    await readyAll("canary");
    const before = await eventually(async () => { const s = await getSet("canary"); return s.status?.readyReplicas === 3 ? s : undefined; });
    await t.client.patch({ ...SETS, namespace: "default", name: "canary" }, "merge", { spec: { template: { spec: { containers: [{ name: "c", image: "nginx:2" }] } } } });
    const after = await eventually(async () => {
      const pods = await podsOf("canary");
      const p2 = pods.find((p) => p.metadata.name === "canary-2");
      if (p2?.status?.phase !== "Running" && p2 && !p2.metadata.deletionTimestamp) await setPodStatus(t.client, p2, { phase: "Running" });
      return p2?.spec?.containers?.[0]?.image === "nginx:2" ? pods : undefined;
    }, 5000, "canary-2 updated");
    expect(after.filter((p) => p.metadata.name !== "canary-2").map((p) => p.spec?.containers?.[0]?.image)).toEqual(["nginx:1", "nginx:1"]);
    const s = await eventually(async () => { const s = await getSet("canary"); return s.status?.updatedReplicas === 1 && s.status.readyReplicas === 3 ? s : undefined; });
    expect(s.status?.currentRevision).toBe(before.status!.currentRevision!);
    expect(s.status?.updateRevision).not.toBe(before.status!.currentRevision!);
    expect(s.status?.currentReplicas).toBe(2);
    const revs = await t.client.list({ ...CONTROLLER_REVISIONS, namespace: "default" }, { labelSelector: "app=canary" });
    expect(revs.items.map((r) => r.revision).sort()).toEqual([1, 2]);
    // Lowering the partition to 0 rolls the rest, from the highest ordinal down.
    await t.client.patch({ ...SETS, namespace: "default", name: "canary" }, "merge", { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    const done = await eventually(async () => {
      await readyAll("canary");
      const s = await getSet("canary");
      return s.status?.updatedReplicas === 3 && s.status.readyReplicas === 3 && s.status.currentRevision === s.status.updateRevision ? s : undefined;
    }, 8000, "rolled out");
    expect(done.status?.currentReplicas).toBe(3);
  });

  test("[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] Should recreate evicted statefulset [Conformance]: failed pods are replaced; OnDelete updates only deleted pods", async () => {
    await t.client.create({ ...SETS, namespace: "default" }, sts("ondel", { replicas: 2, podManagementPolicy: "Parallel", updateStrategy: { type: "OnDelete" } }));
    await eventually(async () => (await podsOf("ondel")).length === 2);
    await t.client.patch({ ...SETS, namespace: "default", name: "ondel" }, "merge", { spec: { template: { spec: { containers: [{ name: "c", image: "nginx:2" }] } } } });
    await Bun.sleep(200);
    expect((await podsOf("ondel")).map((p) => p.spec?.containers?.[0]?.image)).toEqual(["nginx:1", "nginx:1"]);
    await t.client.delete({ ...PODS, namespace: "default", name: "ondel-1" });
    await eventually(async () => (await podsOf("ondel")).find((p) => p.metadata.name === "ondel-1")?.spec?.containers?.[0]?.image === "nginx:2");
    const p0 = (await podsOf("ondel"))[0]!;
    await setPodStatus(t.client, p0, { phase: "Failed" });
    await eventually(async () => { const p = (await podsOf("ondel"))[0]; return p && p.metadata.uid !== p0.metadata.uid && p.status?.phase !== "Failed"; }, 3000, "replaced");
  });

  test("orphans matching the selector are adopted", async () => {
    await t.client.create({ ...PODS, namespace: "default" }, { metadata: { name: "adopt-0", labels: { app: "adopt" } }, spec: { containers: [{ name: "c", image: "nginx:1" }] } });
    await t.client.create({ ...SETS, namespace: "default" }, sts("adopt", { replicas: 1 }));
    const pod = await eventually(async () => { const p = (await podsOf("adopt"))[0]; return p?.metadata.ownerReferences?.length ? p : undefined; });
    expect(pod.metadata.ownerReferences?.[0]).toMatchObject({ kind: "StatefulSet", name: "adopt" });
  });
});
