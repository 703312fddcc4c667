import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { eventually } from "../testing/in-process.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { DESCRIPTION, rootCAController } from "./root-ca-controller.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";
type ConfigMap = KubeObject & { data?: Record<string, string> };

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([rootCAController(CA)]); });
afterAll(async () => { await t.close(); });

const cm = (ns: string) => ({ ...builtinResources.configMaps, namespace: ns, name: "kube-root-ca.crt" });

describe("root CA publisher", () => {
  test("[sig-auth] ServiceAccounts should guarantee kube-root-ca.crt exist in any namespace [Conformance]", async () => {
    // 1. created automatically
    await t.client.create(builtinResources.namespaces, { metadata: { name: "ca-test" } });
    const created = await eventually(() => t.client.get<ConfigMap>(cm("ca-test")));
    expect(created.data).toEqual({ "ca.crt": CA });
    expect(created.metadata.annotations).toEqual({ "kubernetes.io/description": DESCRIPTION });
    for (const ns of ["default", "kube-system"]) await eventually(() => t.client.get(cm(ns)));
    // 2. recreated if deleted
    await t.client.delete(cm("ca-test"));
    await eventually(() => t.client.get<ConfigMap>(cm("ca-test")).then((x) => x.metadata.uid !== created.metadata.uid));
    // 3. reconciled if modified
    await t.client.patch(cm("ca-test"), "merge", { data: { "ca.crt": "tampered", extra: "x" } });
    await eventually(() => t.client.get<ConfigMap>(cm("ca-test")).then((x) => x.data?.["ca.crt"] === CA && !x.data.extra));
  });

  test("other ConfigMaps are untouched", async () => {
    await t.client.create({ ...builtinResources.configMaps, namespace: "default" }, { metadata: { name: "plain" }, data: { a: "b" } });
    await Bun.sleep(100);
    expect((await t.client.get<ConfigMap>({ ...builtinResources.configMaps, namespace: "default", name: "plain" })).data).toEqual({ a: "b" });
  });
});
