import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, isNotFound } from "@lite/sdk";
import { eventually } from "../testing/in-process.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { serviceAccountController } from "./serviceaccount-controller.ts";

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([serviceAccountController()]); });
afterAll(async () => { await t.close(); });

const sa = (ns: string) => ({ ...builtinResources.serviceAccounts, namespace: ns, name: "default" });

describe("serviceaccount controller", () => {
  test("every existing and new namespace gets a default ServiceAccount", async () => {
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) await eventually(() => t.client.get(sa(ns)), 3000, `sa in ${ns}`);
    await t.client.create(builtinResources.namespaces, { metadata: { name: "fresh" } });
    const got = await eventually(() => t.client.get(sa("fresh")), 2000);
    expect(got).toMatchObject({ kind: "ServiceAccount", metadata: { name: "default", namespace: "fresh" } });
  });

  test("[sig-auth] ServiceAccounts should run through the lifecycle of a ServiceAccount: a deleted default ServiceAccount is recreated", async () => {
    await t.client.create(builtinResources.namespaces, { metadata: { name: "again" } });
    const first = await eventually(() => t.client.get(sa("again")));
    await t.client.delete(sa("again"));
    const second = await eventually(() => t.client.get(sa("again")).then((x) => (x.metadata.uid !== first.metadata.uid ? x : undefined)));
    expect(second.metadata.name).toBe("default");
  });

  test("other ServiceAccounts are left alone; terminating namespaces get none", async () => {
    await t.client.create({ ...builtinResources.serviceAccounts, namespace: "default" }, { metadata: { name: "mine" } });
    await t.client.delete({ ...builtinResources.serviceAccounts, namespace: "default", name: "mine" });
    await Bun.sleep(100);
    expect(await t.client.get({ ...builtinResources.serviceAccounts, namespace: "default", name: "mine" }).catch((e) => isNotFound(e))).toBe(true);
    // No namespace controller here: the namespace stays Terminating.
    await t.client.create(builtinResources.namespaces, { metadata: { name: "closing" } });
    await eventually(() => t.client.get(sa("closing")));
    await t.client.delete({ ...builtinResources.namespaces, name: "closing" });
    await t.client.delete(sa("closing"));
    await Bun.sleep(200);
    expect(await t.client.get(sa("closing")).catch((e) => isNotFound(e))).toBe(true);
  });
});
