import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, isNotFound, type KubeObject, type OwnerReference } from "@lite/sdk";
import { eventually } from "../testing/in-process.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { garbageCollector } from "./garbage-collector.ts";

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([garbageCollector()]); });
afterAll(async () => { await t.close(); });

const cm = (name: string, ns = "default") => ({ ...builtinResources.configMaps, namespace: ns, name });
const pods = (ns = "default") => ({ ...builtinResources.pods, namespace: ns });
const gone = (p: Promise<unknown>) => p.then(() => false, (e) => isNotFound(e));
const ref = (o: KubeObject, block = true): OwnerReference => ({ apiVersion: "v1", kind: o.kind ?? "ConfigMap", name: o.metadata.name!, uid: o.metadata.uid!, ...(block ? { blockOwnerDeletion: true } : {}) });

async function owner(name: string): Promise<KubeObject> {
  return t.client.create(builtinResources.configMaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } });
}
async function dependent(name: string, owners: OwnerReference[], finalizers?: string[]): Promise<KubeObject> {
  return t.client.create(builtinResources.configMaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default", ownerReferences: owners, ...(finalizers ? { finalizers } : {}) } });
}

describe("garbage collector", () => {
  test("[sig-api-machinery] Garbage collector should delete pods created by rc when not orphaning [Conformance] (background: dependents of a deleted owner go)", async () => {
    const o = await owner("bg-owner");
    await dependent("bg-a", [ref(o, false)]);
    await t.client.create(pods(), { metadata: { name: "bg-pod", ownerReferences: [ref(o, false)] }, spec: { containers: [{ name: "c", image: "nginx" }] } });
    await t.client.delete(cm("bg-owner"), { propagationPolicy: "Background" });
    await eventually(() => gone(t.client.get(cm("bg-a"))), 5000, "dependent configmap deleted");
    await eventually(() => gone(t.client.get({ ...pods(), name: "bg-pod" })), 5000, "dependent pod deleted");
  });

  test("[sig-api-machinery] Garbage collector should keep the rc around until all its pods are deleted if the deleteOptions says so [Conformance] (foreground)", async () => {
    const o = await owner("fg-owner");
    await dependent("fg-a", [ref(o)], ["example.com/hold"]);
    await t.client.delete(cm("fg-owner"), { propagationPolicy: "Foreground" });
    // The dependent is deleted but held by its own finalizer: the owner must wait.
    const d = await eventually(async () => { const x = await t.client.get(cm("fg-a")); return x.metadata.deletionTimestamp ? x : undefined; }, 5000, "dependent deleting");
    expect(d.metadata.deletionTimestamp).toBeTruthy();
    await Bun.sleep(200);
    const held = await t.client.get(cm("fg-owner"));
    expect(held.metadata.finalizers).toEqual(["foregroundDeletion"]);
    await t.client.patch(cm("fg-a"), "merge", { metadata: { finalizers: null } });
    await eventually(() => gone(t.client.get(cm("fg-owner"))), 5000, "owner deleted after its dependents");
  });

  test("[sig-api-machinery] Garbage collector should orphan pods created by rc if delete options say so [Conformance]", async () => {
    const o = await owner("or-owner");
    const other = await owner("or-other");
    await dependent("or-a", [ref(o), ref(other, false)]);
    await dependent("or-b", [ref(o)]);
    await t.client.delete(cm("or-owner"), { propagationPolicy: "Orphan" });
    await eventually(() => gone(t.client.get(cm("or-owner"))), 5000, "owner deleted");
    expect((await t.client.get(cm("or-a"))).metadata.ownerReferences).toEqual([ref(other, false)]);
    expect((await t.client.get(cm("or-b"))).metadata.ownerReferences).toBeUndefined();
  });

  test("an object whose owner never existed (dangling uid) is collected; a live owner with another uid does not save it", async () => {
    await owner("reused");
    await dependent("dangling", [{ apiVersion: "v1", kind: "ConfigMap", name: "reused", uid: "00000000-0000-0000-0000-000000000000" }]);
    await eventually(() => gone(t.client.get(cm("dangling"))), 5000, "dangling dependent deleted");
    expect(await gone(t.client.get(cm("reused")))).toBe(false);
  });

  test("[sig-api-machinery] Garbage collector should not delete dependents that have both valid owner and owner that's waiting for dependents to be deleted [Conformance]", async () => {
    const o1 = await owner("both-1");
    const o2 = await owner("both-2");
    await dependent("both-a", [ref(o1), ref(o2)]);
    await t.client.delete(cm("both-1"), { propagationPolicy: "Foreground" });
    await eventually(() => gone(t.client.get(cm("both-1"))), 5000, "waiting owner deleted");
    const a = await t.client.get(cm("both-a"));
    expect(a.metadata.deletionTimestamp).toBeUndefined();
    expect(a.metadata.ownerReferences).toEqual([ref(o2)]);
  });

  test("[sig-api-machinery] Garbage collector should not be blocked by dependency circle [Conformance]", async () => {
    const p1 = await owner("circle-1");
    const p2 = await dependent("circle-2", [ref(p1)]);
    const p3 = await dependent("circle-3", [ref(p2)]);
    await t.client.patch(cm("circle-1"), "merge", { metadata: { ownerReferences: [ref(p3)] } });
    await t.client.delete(cm("circle-1"), { propagationPolicy: "Foreground" });
    for (const n of ["circle-1", "circle-2", "circle-3"]) await eventually(() => gone(t.client.get(cm(n))), 8000, `${n} deleted`);
  });

  test("foreground deletion without dependents completes at once; custom resources are monitored after discovery", async () => {
    await owner("alone");
    await t.client.delete(cm("alone"), { propagationPolicy: "Foreground" });
    await eventually(() => gone(t.client.get(cm("alone"))), 5000, "deleted");
  });
});
