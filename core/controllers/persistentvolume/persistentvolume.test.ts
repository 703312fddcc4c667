/**
 * The PV controllers against an in-process API server: the binding matrix, phases, provisioning
 * hand-off and protection finalizers (upstream pkg/controller/volume/persistentvolume binder tests;
 * the lifecycle part follows "[sig-storage] PersistentVolumes CSI Conformance should run through the
 * lifecycle of a PV and a PVC [Conformance]").
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, isNotFound, type KubeObject } from "@lite/sdk";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { eventually } from "../testing/in-process.ts";
import { persistentVolumeBinderController } from "./binder-controller.ts";
import { pvcProtectionController, pvProtectionController } from "./protection-controllers.ts";
import type { PersistentVolume, PersistentVolumeClaim } from "./types.ts";

const PVS = builtinResources.persistentVolumes;
const PVCS = builtinResources.persistentVolumeClaims;
const CLASSES = { group: "storage.k8s.io", version: "v1", resource: "storageclasses" } as const;
type Ev = KubeObject & { reason?: string; message?: string; type?: string; involvedObject?: { name?: string; kind?: string } };

let t: ControllerTestbed;
let n = 0;
beforeAll(async () => {
  t = await startControllerTestbed([persistentVolumeBinderController({ resyncMs: 1000 }), pvcProtectionController(), pvProtectionController()]);
  await t.client.create({ ...builtinResources.namespaces }, { metadata: { name: "pv" } });
});
afterAll(async () => { await t.close(); });

const uniq = (p: string) => `${p}-${++n}`;

function pv(name: string, size: string, o: { modes?: string[]; cls?: string; labels?: Record<string, string>; policy?: string; claimRef?: object; annotations?: Record<string, string>; nodeLabel?: string } = {}) {
  return {
    apiVersion: "v1", kind: "PersistentVolume",
    metadata: { name, labels: o.labels, annotations: o.annotations },
    spec: {
      capacity: { storage: size }, accessModes: o.modes ?? ["ReadWriteOnce"], hostPath: { path: `/tmp/${name}` },
      persistentVolumeReclaimPolicy: o.policy ?? "Retain",
      ...(o.cls !== undefined ? { storageClassName: o.cls } : {}),
      ...(o.claimRef ? { claimRef: o.claimRef } : {}),
      ...(o.nodeLabel ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "In", values: [o.nodeLabel] }] }] } } } : {}),
    },
  };
}
function pvc(name: string, size: string, o: { modes?: string[]; cls?: string | null; selector?: object; volumeName?: string; annotations?: Record<string, string> } = {}) {
  return {
    apiVersion: "v1", kind: "PersistentVolumeClaim",
    metadata: { name, namespace: "pv", annotations: o.annotations },
    spec: {
      accessModes: o.modes ?? ["ReadWriteOnce"], resources: { requests: { storage: size } },
      ...(o.cls !== null ? { storageClassName: o.cls ?? "manual" } : {}),
      ...(o.selector ? { selector: o.selector } : {}), ...(o.volumeName ? { volumeName: o.volumeName } : {}),
    },
  };
}
const getPV = (name: string) => t.client.get<PersistentVolume>({ ...PVS, name });
const getPVC = (name: string) => t.client.get<PersistentVolumeClaim>({ ...PVCS, namespace: "pv", name });
const gone = (p: Promise<unknown>) => p.then(() => false, (e) => (isNotFound(e) ? true : Promise.reject(e)));
async function events(name: string): Promise<Ev[]> {
  const all = [...(await t.client.list<Ev>({ ...builtinResources.events, namespace: "pv" })).items, ...(await t.client.list<Ev>({ ...builtinResources.events, namespace: "default" })).items];
  return all.filter((e) => e.involvedObject?.name === name);
}
async function waitEvent(name: string, reason: string): Promise<Ev> {
  return eventually(async () => (await events(name)).find((e) => e.reason === reason), 5000, `event ${reason} on ${name}`);
}
const phaseOf = async (name: string) => (await getPVC(name)).status?.phase;
const volPhase = async (name: string) => (await getPV(name)).status?.phase;

describe("persistentvolume binder: matching", () => {
  test("a claim binds to the smallest Available volume satisfying capacity, access modes, class and selector", async () => {
    const [big, small, tooSmall, wrongMode, wrongClass, unlabelled] = ["big", "small", "tiny", "rwx", "cls", "nolabel"].map(uniq);
    const sel = { matchLabels: { tier: "gold" } };
    await t.client.create(PVS, pv(big!, "5Gi", { cls: "manual", labels: { tier: "gold" } }));
    await t.client.create(PVS, pv(small!, "2Gi", { cls: "manual", labels: { tier: "gold" } }));
    await t.client.create(PVS, pv(tooSmall!, "500Mi", { cls: "manual", labels: { tier: "gold" } }));
    await t.client.create(PVS, pv(wrongMode!, "1Gi", { cls: "manual", labels: { tier: "gold" }, modes: ["ReadOnlyMany"] }));
    await t.client.create(PVS, pv(wrongClass!, "1Gi", { cls: "other", labels: { tier: "gold" } }));
    await t.client.create(PVS, pv(unlabelled!, "1Gi", { cls: "manual" }));
    await eventually(async () => (await volPhase(small!)) === "Available", 5000, "volumes Available");
    const claim = uniq("claim");
    await t.client.create(PVCS, pvc(claim, "1Gi", { selector: sel }));
    await eventually(async () => (await phaseOf(claim)) === "Bound", 5000, "claim bound");
    const c = await getPVC(claim);
    expect(c.spec?.volumeName).toBe(small);
    expect(c.metadata.annotations).toMatchObject({ "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes" });
    expect(c.status?.capacity).toEqual({ storage: "2Gi" });
    expect(c.status?.accessModes).toEqual(["ReadWriteOnce"]);
    const v = await eventually(async () => { const v = await getPV(small!); return v.status?.phase === "Bound" ? v : undefined; }, 5000, "volume Bound");
    expect(v.spec?.claimRef).toMatchObject({ kind: "PersistentVolumeClaim", namespace: "pv", name: claim, uid: c.metadata.uid });
    expect(v.metadata.annotations?.["pv.kubernetes.io/bound-by-controller"]).toBe("yes");
    for (const other of [big, tooSmall, wrongMode, wrongClass, unlabelled]) expect(await volPhase(other!)).toBe("Available");
  });

  test("access modes: a volume offering fewer modes is preferred; a claim asking for a mode no volume has stays Pending", async () => {
    const [many, one] = ["many", "one"].map(uniq);
    await t.client.create(PVS, pv(many!, "1Gi", { cls: "modes", modes: ["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany"] }));
    await t.client.create(PVS, pv(one!, "10Gi", { cls: "modes" }));
    const a = uniq("rwo"), b = uniq("rwop");
    await t.client.create(PVCS, pvc(a, "1Gi", { cls: "modes" }));
    await t.client.create(PVCS, pvc(b, "1Gi", { cls: "modes", modes: ["ReadWriteOncePod"] }));
    await eventually(async () => (await phaseOf(a)) === "Bound", 5000, "rwo claim bound");
    expect((await getPVC(a)).spec?.volumeName).toBe(one);
    // No volume fits and the class names no StorageClass object: nothing can provision it.
    expect((await waitEvent(b, "ProvisioningFailed")).message).toBe('storageclass.storage.k8s.io "modes" not found');
    expect(await phaseOf(b)).toBe("Pending");
    expect((await getPVC(b)).spec?.volumeName).toBeUndefined();
  });

  test("pre-bound by the claim (spec.volumeName): bound if it satisfies, else VolumeMismatch and Pending", async () => {
    const [good, small] = ["named", "named-small"].map(uniq);
    await t.client.create(PVS, pv(good!, "1Gi", { cls: "manual" }));
    await t.client.create(PVS, pv(small!, "1Mi", { cls: "manual" }));
    const ok = uniq("want"), bad = uniq("want-small");
    await t.client.create(PVCS, pvc(ok, "1Gi", { volumeName: good }));
    await t.client.create(PVCS, pvc(bad, "1Gi", { volumeName: small }));
    await eventually(async () => (await phaseOf(ok)) === "Bound", 5000, "named claim bound");
    const c = await getPVC(ok);
    expect(c.metadata.annotations?.["pv.kubernetes.io/bound-by-controller"]).toBeUndefined();
    expect(c.metadata.annotations?.["pv.kubernetes.io/bind-completed"]).toBe("yes");
    expect((await getPV(good!)).metadata.annotations?.["pv.kubernetes.io/bound-by-controller"]).toBe("yes");
    const ev = await waitEvent(bad, "VolumeMismatch");
    expect(ev.message).toBe(`Cannot bind to requested volume "${small}": requested PV is too small`);
    expect(await phaseOf(bad)).toBe("Pending");
  });

  test("pre-bound by the volume (claimRef without uid): only that claim gets it, even when a better fit exists", async () => {
    const claim = uniq("reserved");
    const [reserved, other] = ["reserved-pv", "other-pv"].map(uniq);
    await t.client.create(PVS, pv(reserved!, "10Gi", { cls: "manual", claimRef: { namespace: "pv", name: claim } }));
    await t.client.create(PVS, pv(other!, "1Gi", { cls: "manual" }));
    await eventually(async () => (await volPhase(reserved!)) === "Available", 5000, "reserved volume Available");
    await t.client.create(PVCS, pvc(claim, "1Gi"));
    await eventually(async () => (await phaseOf(claim)) === "Bound", 5000, "claim bound");
    expect((await getPVC(claim)).spec?.volumeName).toBe(reserved);
    const v = await getPV(reserved!);
    expect(v.spec?.claimRef?.uid).toBe((await getPVC(claim)).metadata.uid);
    expect(v.metadata.annotations?.["pv.kubernetes.io/bound-by-controller"]).toBeUndefined();
  });

  test("no volume and no class: FailedBinding, Pending", async () => {
    const claim = uniq("nothing");
    await t.client.create(PVCS, pvc(claim, "1Gi", { cls: "" }));
    const ev = await waitEvent(claim, "FailedBinding");
    expect(ev.message).toBe("no persistent volumes available for this claim and no storage class is set");
    expect(await phaseOf(claim)).toBe("Pending");
  });
});

describe("persistentvolume binder: dynamic provisioning hand-off", () => {
  test("Immediate class: the claim names the external provisioner; the provisioner's PV binds it", async () => {
    await t.client.create(CLASSES, { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "ext" }, provisioner: "example.com/ext", reclaimPolicy: "Delete", volumeBindingMode: "Immediate" });
    const claim = uniq("dyn");
    await t.client.create(PVCS, pvc(claim, "1Gi", { cls: "ext" }));
    const c = await eventually(async () => { const c = await getPVC(claim); return c.metadata.annotations?.["volume.kubernetes.io/storage-provisioner"] ? c : undefined; }, 5000, "provisioner annotation");
    expect(c.metadata.annotations?.["volume.beta.kubernetes.io/storage-provisioner"]).toBe("example.com/ext");
    const ev = await waitEvent(claim, "ExternalProvisioning");
    expect(ev.message).toBe('waiting for a volume to be created, either by external provisioner "example.com/ext" or manually created by system administrator');
    // The provisioner creates a PV pre-bound to the claim.
    const name = `pvc-${c.metadata.uid}`;
    await t.client.create(PVS, pv(name, "1Gi", {
      cls: "ext", policy: "Delete", annotations: { "pv.kubernetes.io/provisioned-by": "example.com/ext" },
      claimRef: { kind: "PersistentVolumeClaim", apiVersion: "v1", namespace: "pv", name: claim, uid: c.metadata.uid },
    }));
    await eventually(async () => (await phaseOf(claim)) === "Bound", 5000, "claim bound to provisioned volume");
    expect((await getPVC(claim)).spec?.volumeName).toBe(name);
    // Deleting the claim releases the volume and leaves its deletion to the provisioner.
    await t.client.delete({ ...PVCS, namespace: "pv", name: claim });
    await eventually(async () => (await volPhase(name)) === "Released", 5000, "provisioned volume Released");
    await Bun.sleep(300);
    expect(await volPhase(name)).toBe("Released");
    await t.client.delete({ ...PVS, name });
    await eventually(() => gone(getPV(name)), 5000, "released volume deleted (pv-protection lets go)");
  });

  test("WaitForFirstConsumer: waits for the scheduler's selected node, then a static volume on that node wins, else provisioning", async () => {
    await t.client.create(CLASSES, { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "wffc" }, provisioner: "example.com/local", volumeBindingMode: "WaitForFirstConsumer" });
    await t.client.create(builtinResources.nodes, { metadata: { name: "node-a", labels: { disk: "a" } } });
    await t.client.create(builtinResources.nodes, { metadata: { name: "node-b", labels: { disk: "b" } } });
    const local = uniq("local-b");
    await t.client.create(PVS, pv(local, "1Gi", { cls: "wffc", nodeLabel: "b" }));
    const onA = uniq("on-a"), onB = uniq("on-b");
    await t.client.create(PVCS, pvc(onA, "1Gi", { cls: "wffc" }));
    await t.client.create(PVCS, pvc(onB, "1Gi", { cls: "wffc" }));
    const ev = await waitEvent(onA, "WaitForFirstConsumer");
    expect(ev.message).toBe("waiting for first consumer to be created before binding");
    await Bun.sleep(200);
    expect((await getPVC(onA)).metadata.annotations?.["volume.kubernetes.io/storage-provisioner"]).toBeUndefined();
    expect(await volPhase(local)).toBe("Available");
    // The scheduler picks nodes.
    for (const [claim, node] of [[onA, "node-a"], [onB, "node-b"]] as const) {
      await t.client.patch({ ...PVCS, namespace: "pv", name: claim }, "merge", { metadata: { annotations: { "volume.kubernetes.io/selected-node": node } } });
    }
    await eventually(async () => (await phaseOf(onB)) === "Bound", 5000, "claim on node-b bound to the local volume");
    expect((await getPVC(onB)).spec?.volumeName).toBe(local);
    const a = await eventually(async () => { const c = await getPVC(onA); return c.metadata.annotations?.["volume.kubernetes.io/storage-provisioner"] ? c : undefined; }, 5000, "node-a claim handed to the provisioner");
    expect(a.metadata.annotations?.["volume.kubernetes.io/storage-provisioner"]).toBe("example.com/local");
    expect(a.status?.phase).toBe("Pending");
  });

  test("a claim without a class gets the default class (the newest default)", async () => {
    await t.client.create(CLASSES, { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "dflt", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, provisioner: "example.com/default", volumeBindingMode: "WaitForFirstConsumer" });
    const claim = uniq("classless");
    await t.client.create(PVCS, pvc(claim, "1Gi", { cls: null }));
    await eventually(async () => (await getPVC(claim)).spec?.storageClassName === "dflt", 5000, "default class assigned");
    await waitEvent(claim, "WaitForFirstConsumer");
    // An explicit "" is left alone.
    const empty = uniq("explicit-empty");
    await t.client.create(PVCS, pvc(empty, "1Gi", { cls: "" }));
    await waitEvent(empty, "FailedBinding");
    expect((await getPVC(empty)).spec?.storageClassName).toBe("");
    await t.client.delete({ ...CLASSES, name: "dflt" });
  });
});

describe("persistentvolume binder: phases and reclaim", () => {
  async function boundPair(policy: string) {
    const vol = uniq(`rec-${policy.toLowerCase()}`), claim = uniq("rec-claim");
    await t.client.create(PVS, pv(vol, "1Gi", { cls: `rec-${policy.toLowerCase()}`, policy }));
    await t.client.create(PVCS, pvc(claim, "1Gi", { cls: `rec-${policy.toLowerCase()}` }));
    await eventually(async () => (await phaseOf(claim)) === "Bound", 5000, "bound");
    return { vol, claim };
  }

  test("Retain: deleting the claim leaves the volume Released with its claimRef", async () => {
    const { vol, claim } = await boundPair("Retain");
    await t.client.delete({ ...PVCS, namespace: "pv", name: claim });
    await eventually(async () => (await volPhase(vol)) === "Released", 5000, "Released");
    expect((await getPV(vol)).spec?.claimRef?.name).toBe(claim);
  });

  test("Delete of a volume no provisioner owns, and Recycle: Failed with upstream's events", async () => {
    const del = await boundPair("Delete");
    await t.client.delete({ ...PVCS, namespace: "pv", name: del.claim });
    await eventually(async () => (await volPhase(del.vol)) === "Failed", 5000, "Failed (delete)");
    expect((await waitEvent(del.vol, "VolumeFailedDelete")).message).toBe(`error getting deleter volume plugin for volume "${del.vol}": no deletable volume plugin matched`);
    expect((await getPV(del.vol)).status?.message).toContain("no deletable volume plugin matched");
    const rec = await boundPair("Recycle");
    await t.client.delete({ ...PVCS, namespace: "pv", name: rec.claim });
    await eventually(async () => (await volPhase(rec.vol)) === "Failed", 5000, "Failed (recycle)");
    expect((await waitEvent(rec.vol, "VolumeFailedRecycle")).message).toBe("No recycler plugin found for the volume!");
  });

  test("a bound claim whose volume is gone is Lost (ClaimLost)", async () => {
    const { vol, claim } = await boundPair("Retain");
    await t.client.delete({ ...PVS, name: vol });
    // pv-protection holds a Bound volume: it stays, terminating.
    await Bun.sleep(300);
    expect((await getPV(vol)).metadata.deletionTimestamp).toBeDefined();
    await t.client.patch({ ...PVS, name: vol }, "merge", { metadata: { finalizers: null } });
    await eventually(async () => (await phaseOf(claim)) === "Lost", 5000, "Lost");
    expect((await waitEvent(claim, "ClaimLost")).message).toBe("Bound claim has lost its PersistentVolume. Data on the volume is lost!");
  });

  test("a volume bound by the controller to a claim that went to another volume is made Available again", async () => {
    const vol = uniq("stray"), claim = uniq("elsewhere"), real = uniq("real");
    await t.client.create(PVS, pv(real, "1Gi", { cls: "stray" }));
    await t.client.create(PVCS, pvc(claim, "1Gi", { cls: "stray", volumeName: real }));
    await eventually(async () => (await phaseOf(claim)) === "Bound", 5000, "bound");
    const uid = (await getPVC(claim)).metadata.uid;
    await t.client.create(PVS, { ...pv(vol, "1Gi", { cls: "stray", claimRef: { namespace: "pv", name: claim, uid } }), metadata: { name: vol, annotations: { "pv.kubernetes.io/bound-by-controller": "yes" } } });
    await eventually(async () => { const v = await getPV(vol); return !v.spec?.claimRef && v.status?.phase === "Available"; }, 5000, "stray volume unbound");
  });
});

describe("protection finalizers", () => {
  test("pvc-protection: a claim a scheduled pod uses stays until the pod is gone; pv-protection: a Bound volume stays until released", async () => {
    const vol = uniq("prot-pv"), claim = uniq("prot-claim");
    await t.client.create(PVS, pv(vol, "1Gi", { cls: "prot" }));
    await t.client.create(PVCS, pvc(claim, "1Gi", { cls: "prot" }));
    await eventually(async () => (await phaseOf(claim)) === "Bound", 5000, "bound");
    expect((await eventually(async () => { const c = await getPVC(claim); return c.metadata.finalizers?.length ? c : undefined; })).metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    expect((await eventually(async () => { const v = await getPV(vol); return v.metadata.finalizers?.length ? v : undefined; })).metadata.finalizers).toEqual(["kubernetes.io/pv-protection"]);
    const pod = uniq("user");
    await t.client.create({ ...builtinResources.pods, namespace: "pv" }, {
      metadata: { name: pod, namespace: "pv" },
      spec: { nodeName: "node-a", containers: [{ name: "c", image: "busybox" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }] },
    });
    await t.client.delete({ ...PVS, name: vol });
    await t.client.delete({ ...PVCS, namespace: "pv", name: claim });
    await Bun.sleep(500);
    expect((await getPVC(claim)).metadata.deletionTimestamp).toBeDefined();
    expect((await getPV(vol)).metadata.deletionTimestamp).toBeDefined();
    await t.client.delete({ ...builtinResources.pods, namespace: "pv", name: pod }, { gracePeriodSeconds: 0 });
    await eventually(() => gone(getPVC(claim)), 5000, "claim deleted once unused");
    await eventually(() => gone(getPV(vol)), 5000, "volume deleted once released");
  });
});
