import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources } from "@lite/sdk";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { eventually } from "../testing/in-process.ts";
import { replicaSetController } from "../replicaset/replicaset-controller.ts";
import type { ReplicaSet } from "../replicaset/types.ts";
import { eventsFor, listPods, readyAll } from "../replicaset/workload-test-support.ts";
import { deploymentController } from "./deployment-controller.ts";
import type { Deployment } from "./types.ts";

setDefaultTimeout(20_000);
let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([deploymentController(), replicaSetController()]); });
afterAll(async () => { await t.close(); });

let nsCount = 0;
async function namespace(): Promise<string> {
  const name = `dep-${++nsCount}`;
  await t.client.create(builtinResources.namespaces, { metadata: { name } });
  return name;
}

/** A stand-in kubelet: readies every pod of `ns` (matching `selector`) every 30 ms until stopped. */
function autoReady(ns: string, selector?: string): () => void {
  let on = true;
  (async () => { while (on) { await readyAll(t.client, ns, selector).catch(() => {}); await Bun.sleep(30); } })();
  return () => { on = false; };
}

const depRef = (ns: string, name: string) => ({ ...builtinResources.deployments, namespace: ns, name });
const getDep = (ns: string, name: string) => t.client.get<Deployment>(depRef(ns, name));
const listRS = async (ns: string) => (await t.client.list<ReplicaSet>({ ...builtinResources.replicaSets, namespace: ns })).items;
const cond = (d: Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);

async function createDeployment(ns: string, name: string, spec: Partial<Deployment["spec"]> & { image?: string } = {}) {
  const { image = "nginx:1.25", ...rest } = spec;
  return t.client.create<Deployment>({ ...builtinResources.deployments, namespace: ns }, {
    metadata: { name },
    spec: {
      replicas: 3, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image }] } },
      ...rest,
    },
  } as Deployment);
}
const setImage = (ns: string, name: string, image: string) =>
  t.client.patch(depRef(ns, name), "strategic", { spec: { template: { spec: { containers: [{ name: "c", image }] } } } });

/** Waits for a completed rollout as `kubectl rollout status` judges it. */
async function rolledOut(ns: string, name: string, timeoutMs = 8000): Promise<Deployment> {
  return eventually(async () => {
    const d = await getDep(ns, name);
    const s = d.status ?? {};
    const r = d.spec.replicas ?? 1;
    return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === r && s.replicas === r && s.availableReplicas === r
      && cond(d, "Progressing")?.reason === "NewReplicaSetAvailable" ? d : undefined;
  }, timeoutMs, `${name} rolled out`);
}

describe("deployment controller", () => {
  test("[sig-apps] Deployment RollingUpdateDeployment should delete old pods and create new ones [Conformance]: revision 1, conditions, events", async () => {
    const ns = await namespace();
    const stop = autoReady(ns);
    try {
      await createDeployment(ns, "web");
      const d = await rolledOut(ns, "web");
      const [rs] = await listRS(ns);
      expect(rs!.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
      const hash = rs!.metadata.labels!["pod-template-hash"]!;
      expect(rs!.metadata.name).toBe(`web-${hash}`);
      expect(rs!.spec?.selector).toEqual({ matchLabels: { app: "web", "pod-template-hash": hash } });
      expect(rs!.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
      expect(rs!.metadata.annotations).toMatchObject({ "deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4" });
      expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
      expect(d.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0, observedGeneration: 1 });
      expect(cond(d, "Available")).toMatchObject({ status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." });
      expect(cond(d, "Progressing")).toMatchObject({ status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "web-${hash}" has successfully progressed.` });
      for (const p of await listPods(t.client, ns)) expect(p.metadata.labels).toEqual({ app: "web", "pod-template-hash": hash });
      await eventually(async () => (await eventsFor(t.client, ns, "web")).includes(`ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 3`), 3000, "event");

      await setImage(ns, "web", "nginx:1.26");
      const d2 = await rolledOut(ns, "web");
      expect(d2.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
      const rss = await listRS(ns);
      expect(rss).toHaveLength(2);
      const old = rss.find((r) => r.metadata.name === `web-${hash}`)!;
      const neu = rss.find((r) => r.metadata.name !== `web-${hash}`)!;
      expect(old.spec?.replicas).toBe(0);
      expect(neu.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
      const pods = await listPods(t.client, ns);
      expect(pods.every((p) => p.metadata.labels?.["pod-template-hash"] === neu.metadata.labels?.["pod-template-hash"])).toBe(true);
      const events = await eventsFor(t.client, ns, "web");
      expect(events.some((e) => e.startsWith(`ScalingReplicaSet: Scaled down replica set web-${hash} from`))).toBe(true);
    } finally { stop(); }
  });

  test("maxSurge/maxUnavailable bound a rolling update (4 replicas, surge 1, unavailable 0)", async () => {
    const ns = await namespace();
    const stop = autoReady(ns);
    await createDeployment(ns, "bound", { replicas: 4, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
    await rolledOut(ns, "bound");
    stop();
    await setImage(ns, "bound", "nginx:2");
    // Nothing becomes ready: exactly one surge pod, no old pod removed.
    await eventually(async () => (await listRS(ns)).length === 2, 5000, "new RS");
    await Bun.sleep(300);
    const sizes = async () => Object.fromEntries((await listRS(ns)).map((r) => [r.metadata.annotations!["deployment.kubernetes.io/revision"], r.spec?.replicas]));
    expect(await sizes()).toEqual({ "1": 4, "2": 1 });
    expect((await listPods(t.client, ns)).length).toBe(5);
    const d = await getDep(ns, "bound");
    expect(cond(d, "Progressing")).toMatchObject({ status: "True", reason: "ReplicaSetUpdated" });
    // Ready one at a time: the rollout advances one pod per ready pod.
    const stop2 = autoReady(ns);
    await rolledOut(ns, "bound");
    stop2();
    expect(await sizes()).toEqual({ "1": 0, "2": 4 });
  });

  test("percentages round as upstream: maxSurge rounds up, maxUnavailable down (10 replicas, 25%/25% -> 13 total, 8 available)", async () => {
    const ns = await namespace();
    const stop = autoReady(ns);
    await createDeployment(ns, "pct", { replicas: 10 });
    await rolledOut(ns, "pct");
    stop();
    await setImage(ns, "pct", "nginx:broken");
    await eventually(async () => {
      const by = Object.fromEntries((await listRS(ns)).map((r) => [r.metadata.annotations!["deployment.kubernetes.io/revision"], r.spec?.replicas]));
      return by["1"] === 8 && by["2"] === 5;
    }, 5000, "old 8 (10 - floor(2.5)), new 5 (13 total with ceil(2.5) surge)");
    const rs2 = (await listRS(ns)).find((r) => r.metadata.annotations!["deployment.kubernetes.io/revision"] === "2")!;
    expect(rs2.metadata.annotations!["deployment.kubernetes.io/max-replicas"]).toBe("13");
  });

  test("[sig-apps] Deployment deployment should support proportional scaling [Conformance]", async () => {
    const ns = await namespace();
    const stop = autoReady(ns);
    await createDeployment(ns, "prop", { replicas: 10, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } });
    await rolledOut(ns, "prop");
    stop();
    await setImage(ns, "prop", "webserver:404");
    const sizes = async () => Object.fromEntries((await listRS(ns)).map((r) => [r.metadata.annotations!["deployment.kubernetes.io/revision"], r.spec?.replicas]));
    await eventually(async () => { const s = await sizes(); return s["1"] === 8 && s["2"] === 5; }, 5000, "stuck rollout 8/5");
    await t.client.patch(depRef(ns, "prop"), "merge", { spec: { replicas: 30 } }, { subresource: "scale" });
    await eventually(async () => { const s = await sizes(); return s["1"] === 20 && s["2"] === 13; }, 5000, "proportionally scaled to 20/13");
    const events = await eventsFor(t.client, ns, "prop");
    expect(events.some((e) => /^ScalingReplicaSet: Scaled up replica set prop-\w+ from 8 to 20$/.test(e))).toBe(true);
  });

  test("[sig-apps] Deployment RecreateDeployment should delete old pods and create new ones [Conformance]", async () => {
    const ns = await namespace();
    const stop = autoReady(ns);
    try {
      await createDeployment(ns, "rec", { strategy: { type: "Recreate" } });
      await rolledOut(ns, "rec");
      const firstHash = (await listRS(ns))[0]!.metadata.labels!["pod-template-hash"];
      await setImage(ns, "rec", "nginx:2");
      // The new RS appears only after every old pod is gone: never old and new pods together.
      let mixed = false;
      const watcher = (async () => {
        for (let i = 0; i < 100; i++) {
          const hashes = new Set((await listPods(t.client, ns)).map((p) => p.metadata.labels?.["pod-template-hash"]));
          if (hashes.size > 1) mixed = true;
          await Bun.sleep(10);
        }
      })();
      await rolledOut(ns, "rec");
      await watcher;
      expect(mixed).toBe(false);
      const pods = await listPods(t.client, ns);
      expect(pods).toHaveLength(3);
      expect(pods.every((p) => p.metadata.labels?.["pod-template-hash"] !== firstHash)).toBe(true);
    } finally { stop(); }
  });

  test("rollback (as kubectl rollout undo patches it) reuses the old ReplicaSet as revision 3 with revision-history", async () => {
    const ns = await namespace();
    const stop = autoReady(ns);
    try {
      await createDeployment(ns, "undo");
      await rolledOut(ns, "undo");
      await setImage(ns, "undo", "nginx:2");
      await rolledOut(ns, "undo");
      const rs1 = (await listRS(ns)).find((r) => r.metadata.annotations!["deployment.kubernetes.io/revision"] === "1")!;
      const tmpl = structuredClone(rs1.spec!.template!);
      delete tmpl.metadata!.labels!["pod-template-hash"];
      const d = await getDep(ns, "undo");
      await t.client.patch(depRef(ns, "undo"), "json", [
        { op: "replace", path: "/spec/template", value: tmpl },
        { op: "replace", path: "/metadata/annotations", value: { ...d.metadata.annotations } },
      ]);
      const back = await rolledOut(ns, "undo");
      expect(back.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
      const rss = await listRS(ns);
      expect(rss).toHaveLength(2);
      const again = rss.find((r) => r.metadata.uid === rs1.metadata.uid)!;
      expect(again.spec?.replicas).toBe(3);
      expect(again.metadata.annotations).toMatchObject({ "deployment.kubernetes.io/revision": "3", "deployment.kubernetes.io/revision-history": "1" });
    } finally { stop(); }
  });

  test("paused deployments do not roll out; resuming does (Progressing DeploymentPaused/DeploymentResumed)", async () => {
    const ns = await namespace();
    const stop = autoReady(ns);
    try {
      await createDeployment(ns, "pause");
      await rolledOut(ns, "pause");
      await t.client.patch(depRef(ns, "pause"), "strategic", { spec: { paused: true } });
      await eventually(async () => cond(await getDep(ns, "pause"), "Progressing")?.reason === "DeploymentPaused", 5000, "paused condition");
      expect(cond(await getDep(ns, "pause"), "Progressing")).toMatchObject({ status: "Unknown", message: "Deployment is paused" });
      await setImage(ns, "pause", "nginx:2");
      await t.client.patch(depRef(ns, "pause"), "merge", { spec: { replicas: 5 } });
      await eventually(async () => (await listPods(t.client, ns)).length === 5, 5000, "scaling still works while paused");
      expect(await listRS(ns)).toHaveLength(1);
      await t.client.patch(depRef(ns, "pause"), "strategic", { spec: { paused: null } });
      const d = await rolledOut(ns, "pause");
      expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
      expect(await listRS(ns)).toHaveLength(2);
    } finally { stop(); }
  });

  test("progressDeadlineSeconds: no progress -> Progressing=False ProgressDeadlineExceeded", async () => {
    const ns = await namespace();
    await createDeployment(ns, "stuck", { replicas: 1, progressDeadlineSeconds: 1 });
    const d = await eventually(async () => { const x = await getDep(ns, "stuck"); return cond(x, "Progressing")?.reason === "ProgressDeadlineExceeded" ? x : undefined; }, 6000, "deadline exceeded");
    const rs = (await listRS(ns))[0]!;
    expect(cond(d, "Progressing")).toMatchObject({ status: "False", message: `ReplicaSet "${rs.metadata.name}" has timed out progressing.` });
    expect(cond(d, "Available")).toMatchObject({ status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." });
    expect(d.status).toMatchObject({ replicas: 1, updatedReplicas: 1, unavailableReplicas: 1 });
  });

  test("[sig-apps] Deployment deployment should delete old replica sets [Conformance] (revisionHistoryLimit)", async () => {
    const ns = await namespace();
    const stop = autoReady(ns);
    try {
      await createDeployment(ns, "hist", { replicas: 1, revisionHistoryLimit: 1 });
      await rolledOut(ns, "hist");
      for (const v of ["2", "3", "4"]) { await setImage(ns, "hist", `nginx:${v}`); await rolledOut(ns, "hist"); }
      await eventually(async () => (await listRS(ns)).length === 2, 5000, "history trimmed to 1 old RS");
      const revs = (await listRS(ns)).map((r) => r.metadata.annotations!["deployment.kubernetes.io/revision"]).sort();
      expect(revs).toEqual(["3", "4"]);
    } finally { stop(); }
  });

  test("minReadySeconds: pods count as available only after being ready that long", async () => {
    const ns = await namespace();
    const stop = autoReady(ns);
    try {
      // Ready times are whole seconds, so a pod ready "now" may already be up to 1 s old: 3 s keeps a margin.
      await createDeployment(ns, "minready", { replicas: 2, minReadySeconds: 3 });
      await eventually(async () => (await getDep(ns, "minready")).status?.readyReplicas === 2, 5000, "ready");
      expect((await getDep(ns, "minready")).status?.availableReplicas ?? 0).toBe(0);
      await rolledOut(ns, "minready", 10_000);
    } finally { stop(); }
  });

  test("adopts an orphaned ReplicaSet that matches its selector and template", async () => {
    const ns = await namespace();
    const stop = autoReady(ns);
    try {
      const d = await createDeployment(ns, "adopt");
      const d1 = await rolledOut(ns, "adopt");
      const rs = (await listRS(ns))[0]!;
      // Orphan it (as `kubectl delete deploy --cascade=orphan` leaves it, the garbage collector removing the reference), then recreate the Deployment.
      await t.client.delete(depRef(ns, "adopt"));
      await t.client.patch({ ...builtinResources.replicaSets, namespace: ns, name: rs.metadata.name! }, "json", [{ op: "remove", path: "/metadata/ownerReferences" }]);
      expect(d1.metadata.uid).toBe(d.metadata.uid!);
      const again = await createDeployment(ns, "adopt");
      await eventually(async () => {
        const r = await t.client.get<ReplicaSet>({ ...builtinResources.replicaSets, namespace: ns, name: rs.metadata.name! });
        return r.metadata.ownerReferences?.[0]?.uid === again.metadata.uid;
      }, 5000, "adopted");
      await rolledOut(ns, "adopt");
      expect(await listRS(ns)).toHaveLength(1);
    } finally { stop(); }
  });
});
