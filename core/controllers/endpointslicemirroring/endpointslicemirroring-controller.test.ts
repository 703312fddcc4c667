import { afterAll, beforeAll, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { eventually } from "../testing/in-process.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { desiredMirrorSlices, endpointSliceMirroringController, MIRROR_MANAGED_BY } from "./endpointslicemirroring-controller.ts";

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([endpointSliceMirroringController()]); });
afterAll(async () => { await t.close(); });

const ns = "default";
const epT = { ...builtinResources.endpoints, namespace: ns };
const svcT = { ...builtinResources.services, namespace: ns };
const sliceT = { ...builtinResources.endpointSlices, namespace: ns };
type Slice = KubeObject & { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[]; ports?: { port?: number; protocol?: string }[] };
const mirrored = async (name: string) => (await t.client.list<Slice>(sliceT, { labelSelector: `kubernetes.io/service-name=${name}` })).items;

test("desired slices: one per subset and family; addresses ready, notReadyAddresses not; protocol TCP by default", () => {
  const d = desiredMirrorSlices({ metadata: { name: "x" }, subsets: [{ addresses: [{ ip: "10.0.0.1" }, { ip: "fd00::1" }], notReadyAddresses: [{ ip: "10.0.0.2" }], ports: [{ port: 80 }] }] } as KubeObject);
  expect(d.map((s) => s.addressType)).toEqual(["IPv4", "IPv6"]);
  expect(d[0]!.endpoints).toEqual([{ addresses: ["10.0.0.1"], conditions: { ready: true } }, { addresses: ["10.0.0.2"], conditions: { ready: false } }]);
  expect(d[0]!.ports).toEqual([{ name: "", port: 80, protocol: "TCP" }]);
});

test("custom Endpoints of a selector-less Service are mirrored through create, update and delete", async () => {
  await t.client.create(svcT, { metadata: { name: "custom" }, spec: { ports: [{ name: "example", port: 80 }] } } as KubeObject);
  await t.client.create(epT, { metadata: { name: "custom" }, subsets: [{ addresses: [{ ip: "10.1.2.3" }], ports: [{ port: 80 }] }] } as KubeObject);
  await eventually(async () => ((await mirrored("custom"))[0]?.endpoints?.[0]?.addresses[0] === "10.1.2.3" ? true : undefined), 3000, "mirrored");
  const [slice] = await mirrored("custom");
  expect(slice!.metadata.labels?.["endpointslice.kubernetes.io/managed-by"]).toBe(MIRROR_MANAGED_BY);
  expect(slice!.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Endpoints", name: "custom" });
  const ep = await t.client.get<KubeObject & { subsets?: unknown[] }>({ ...epT, name: "custom" });
  await t.client.update(epT, { ...ep, subsets: [{ addresses: [{ ip: "10.2.3.4" }], ports: [{ port: 80 }] }] });
  await eventually(async () => {
    const items = await mirrored("custom");
    return items.length === 1 && items[0]!.endpoints?.[0]?.addresses[0] === "10.2.3.4" ? true : undefined;
  }, 3000, "update mirrored");
  await t.client.delete({ ...epT, name: "custom" });
  await eventually(async () => ((await mirrored("custom")).length === 0 ? true : undefined), 3000, "deletion mirrored");
});

test("Endpoints of a Service with a selector, or labelled skip-mirror, are not mirrored", async () => {
  await t.client.create(svcT, { metadata: { name: "selected" }, spec: { selector: { app: "x" }, ports: [{ port: 80 }] } } as KubeObject);
  await t.client.create(epT, { metadata: { name: "selected" }, subsets: [{ addresses: [{ ip: "10.1.2.5" }], ports: [{ port: 80 }] }] } as KubeObject);
  await t.client.create(svcT, { metadata: { name: "skipped" }, spec: { ports: [{ port: 80 }] } } as KubeObject);
  await t.client.create(epT, { metadata: { name: "skipped", labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } }, subsets: [{ addresses: [{ ip: "10.1.2.6" }], ports: [{ port: 80 }] }] } as KubeObject);
  await Bun.sleep(500);
  expect(await mirrored("selected")).toHaveLength(0);
  expect(await mirrored("skipped")).toHaveLength(0);
});
