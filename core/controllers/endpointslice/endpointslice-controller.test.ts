import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { endpointsController } from "../endpoints/endpoints-controller.ts";
import { eventually } from "../testing/in-process.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { endpointSliceController } from "./endpointslice-controller.ts";

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([endpointsController(), endpointSliceController()]); });
afterAll(async () => { await t.close(); });

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;
const ns = "default";
const podsT = { ...builtinResources.pods, namespace: ns };

async function pod(name: string, ip: string, ready: boolean, labels: Record<string, string> = { app: "web" }) {
  await t.client.create(podsT, {
    metadata: { name, labels },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "nginx", ports: [{ name: "http", containerPort: 8080 }] }] },
  });
  await setStatus(name, ip, ready);
}
async function setStatus(name: string, ip: string, ready: boolean) {
  await t.client.patch({ ...podsT, name }, "merge", {
    status: { phase: "Running", podIP: ip, podIPs: [{ ip }], conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  }, { subresource: "status" });
}
const slicesOf = async (svc: string) => (await t.client.list<KubeObject & Json>({ ...builtinResources.endpointSlices, namespace: ns }, { labelSelector: `kubernetes.io/service-name=${svc}` })).items;
const endpointsOf = (svc: string) => t.client.get<KubeObject & Json>({ ...builtinResources.endpoints, namespace: ns, name: svc });

describe("endpoints and endpointslices", () => {
  test("[sig-network] EndpointSlice should create Endpoints and EndpointSlices for Pods matching a Service [Conformance]: ready, not ready, named targetPort", async () => {
    await pod("web-1", "10.42.0.11", true);
    await pod("web-2", "10.42.0.12", false);
    await pod("other", "10.42.0.13", true, { app: "other" });
    await t.client.create({ ...builtinResources.services, namespace: ns }, { metadata: { name: "web", labels: { tier: "front" } }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } });
    const ep = await eventually(async () => { const e = await endpointsOf("web"); return e.subsets?.[0]?.notReadyAddresses ? e : undefined; }, 3000, "endpoints");
    expect(ep.metadata.labels).toEqual({ tier: "front" });
    expect(ep.subsets).toEqual([{
      addresses: [{ ip: "10.42.0.11", nodeName: "n1", targetRef: { kind: "Pod", namespace: ns, name: "web-1", uid: expect.any(String) } }],
      notReadyAddresses: [{ ip: "10.42.0.12", nodeName: "n1", targetRef: { kind: "Pod", namespace: ns, name: "web-2", uid: expect.any(String) } }],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    }]);
    const [slice] = await eventually(async () => { const s = await slicesOf("web"); return s.length === 1 && s[0]!.endpoints?.length === 2 ? s : undefined; }, 3000, "slice");
    expect(slice!.metadata.name).toStartWith("web-");
    expect(slice!.metadata.labels).toEqual({ tier: "front", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" });
    expect(slice!.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Service", name: "web", controller: true, blockOwnerDeletion: true })]);
    expect(slice!.addressType).toBe("IPv4");
    expect(slice!.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    expect(slice!.endpoints.map((e: Json) => [e.addresses[0], e.conditions])).toEqual([
      ["10.42.0.11", { ready: true, serving: true, terminating: false }],
      ["10.42.0.12", { ready: false, serving: false, terminating: false }],
    ]);
    // The second pod becomes ready; then the first is deleted (graceful: terminating while its grace runs).
    await setStatus("web-2", "10.42.0.12", true);
    await eventually(async () => (await slicesOf("web"))[0]?.endpoints.every((e: Json) => e.conditions.ready), 3000, "both ready");
    await t.client.delete({ ...podsT, name: "web-1" });
    const terminating = await eventually(async () => (await slicesOf("web"))[0]?.endpoints.find((e: Json) => e.conditions.terminating), 3000, "terminating");
    expect(terminating.conditions).toEqual({ ready: false, serving: true, terminating: true });
    const ep2 = await eventually(async () => { const e = await endpointsOf("web"); return e.subsets?.[0]?.addresses?.length === 1 ? e : undefined; }, 3000, "endpoints drop terminating");
    expect(ep2.subsets[0].addresses[0].ip).toBe("10.42.0.12");
  });

  test("publishNotReadyAddresses, headless without ports, numeric targetPort, 100 endpoints per slice, selector-less left alone", async () => {
    await t.client.create({ ...builtinResources.services, namespace: ns }, { metadata: { name: "pub" }, spec: { selector: { app: "web" }, publishNotReadyAddresses: true, ports: [{ port: 81, targetPort: 9000 }] } });
    await t.client.create({ ...builtinResources.services, namespace: ns }, { metadata: { name: "hl" }, spec: { clusterIP: "None", selector: { app: "web" } } });
    await t.client.create({ ...builtinResources.services, namespace: ns }, { metadata: { name: "manual" }, spec: { ports: [{ port: 80 }] } });
    await pod("nr", "10.42.0.20", false);
    const pub = await eventually(async () => { const s = await slicesOf("pub"); return s[0]?.endpoints?.find((e: Json) => e.addresses[0] === "10.42.0.20") ? s[0] : undefined; }, 3000, "pub slice");
    expect(pub.endpoints.find((e: Json) => e.addresses[0] === "10.42.0.20").conditions).toEqual({ ready: true, serving: false, terminating: false });
    expect(pub.ports).toEqual([{ name: "", port: 9000, protocol: "TCP" }]);
    const hl = await eventually(async () => { const s = await slicesOf("hl"); return s[0]?.endpoints?.length ? s[0] : undefined; }, 3000, "headless slice");
    expect(hl.metadata.labels?.["service.kubernetes.io/headless"]).toBe("");
    expect(hl.ports).toEqual([]);
    const hlEp = await eventually(async () => { const e = await endpointsOf("hl"); return e.subsets?.length ? e : undefined; }, 3000, "headless endpoints");
    expect(hlEp.subsets[0].ports).toBeUndefined();
    await Bun.sleep(100);
    expect(await slicesOf("manual")).toEqual([]);
    await expect(endpointsOf("manual")).rejects.toThrow(/not found/);

    for (let i = 0; i < 105; i++) {
      await t.client.create(podsT, { metadata: { name: `bulk-${i}`, labels: { app: "bulk" } }, spec: { containers: [{ name: "c", image: "nginx" }] } });
      await setStatus(`bulk-${i}`, `10.42.1.${i + 1}`, true);
    }
    await t.client.create({ ...builtinResources.services, namespace: ns }, { metadata: { name: "bulk" }, spec: { selector: { app: "bulk" }, ports: [{ port: 80 }] } });
    const sizes = await eventually(async () => { const s = (await slicesOf("bulk")).map((x) => x.endpoints.length).sort((a, b) => b - a); return s.join() === "100,5" ? s : undefined; }, 5000, "two slices");
    expect(sizes).toEqual([100, 5]);
  });

  test("a Service without endpoints gets a placeholder slice", async () => {
    await t.client.create({ ...builtinResources.services, namespace: ns }, { metadata: { name: "empty" }, spec: { selector: { app: "none" }, ports: [{ port: 80 }] } });
    const [s] = await eventually(async () => { const x = await slicesOf("empty"); return x.length ? x : undefined; }, 3000, "placeholder");
    expect(s!.endpoints ?? []).toEqual([]);
    expect(s!.ports ?? null).toBeNull();
    await Bun.sleep(200);
    expect(await slicesOf("empty")).toHaveLength(1);
  });
});
