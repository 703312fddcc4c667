import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, isNotFound, type KubeObject } from "@lite/sdk";
import { eventually } from "../testing/in-process.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { nextConditions, type NamespaceCondition } from "./conditions.ts";
import { namespaceController } from "./namespace-controller.ts";

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([namespaceController()]); });
afterAll(async () => { await t.close(); });

type Namespace = KubeObject & { spec?: { finalizers?: string[] }; status?: { phase?: string; conditions?: NamespaceCondition[] } };
const nsRef = (name: string) => ({ ...builtinResources.namespaces, name });
const gone = (p: Promise<unknown>) => p.then(() => false, (e) => isNotFound(e));

async function namespaceWithContent(name: string) {
  await t.client.create(builtinResources.namespaces, { metadata: { name } });
  await t.client.create({ ...builtinResources.pods, namespace: name }, { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx" }] } });
  await t.client.create({ ...builtinResources.services, namespace: name }, { metadata: { name: "s" }, spec: { ports: [{ port: 80 }] } });
  await t.client.create({ ...builtinResources.configMaps, namespace: name }, { metadata: { name: "cm" } });
  await t.client.create({ ...builtinResources.deployments, namespace: name }, {
    metadata: { name: "d" },
    spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
  });
}

describe("namespace controller", () => {
  test("[sig-api-machinery] Namespaces [Serial] should ensure that all pods are removed when a namespace is deleted [Conformance] (and services, and everything else)", async () => {
    await namespaceWithContent("doomed");
    await t.client.delete(nsRef("doomed"));
    await eventually(() => gone(t.client.get(nsRef("doomed"))), 5000, "namespace gone");
    for (const r of [builtinResources.pods, builtinResources.services, builtinResources.configMaps, builtinResources.deployments]) {
      expect((await t.client.list({ ...r, namespace: "doomed" })).items).toHaveLength(0);
    }
  });

  test("content with a finalizer keeps the namespace Terminating with upstream conditions until it is released", async () => {
    await t.client.create(builtinResources.namespaces, { metadata: { name: "held" } });
    await t.client.create({ ...builtinResources.configMaps, namespace: "held" }, { metadata: { name: "pinned", finalizers: ["example.com/hold"] } });
    await t.client.create({ ...builtinResources.secrets, namespace: "held" }, { metadata: { name: "free" } });
    await t.client.delete(nsRef("held"));
    const ns = await eventually(async () => {
      const n = await t.client.get<Namespace>(nsRef("held"));
      return n.status?.conditions?.find((c) => c.type === "NamespaceFinalizersRemaining" && c.status === "True") ? n : undefined;
    }, 5000, "conditions");
    expect(ns.status?.phase).toBe("Terminating");
    const byType = Object.fromEntries(ns.status!.conditions!.map((c) => [c.type, c]));
    expect(byType.NamespaceDeletionDiscoveryFailure).toMatchObject({ status: "False", reason: "ResourcesDiscovered", message: "All resources successfully discovered" });
    expect(byType.NamespaceDeletionGroupVersionParsingFailure).toMatchObject({ status: "False", reason: "ParsedGroupVersions" });
    expect(byType.NamespaceDeletionContentFailure).toMatchObject({ status: "False", reason: "ContentDeleted", message: "All content successfully deleted, may be waiting on finalization" });
    expect(byType.NamespaceContentRemaining).toMatchObject({ status: "True", reason: "SomeResourcesRemain", message: "Some resources are remaining: configmaps. has 1 resource instances" });
    expect(byType.NamespaceFinalizersRemaining).toMatchObject({
      status: "True", reason: "SomeFinalizersRemain", message: "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances",
    });
    expect(ns.spec?.finalizers).toEqual(["kubernetes"]);
    expect(await gone(t.client.get({ ...builtinResources.secrets, namespace: "held", name: "free" }))).toBe(true);
    // Release the finalizer: the next pass (estimate 15 s / 2 + 1 = 8 s upstream) would finish; nudge it via an update.
    await t.client.patch({ ...builtinResources.configMaps, namespace: "held", name: "pinned" }, "merge", { metadata: { finalizers: null } });
    await t.client.patch(nsRef("held"), "merge", { metadata: { labels: { nudge: "1" } } });
    await eventually(() => gone(t.client.get(nsRef("held"))), 5000, "namespace gone");
  });

  test("namespaces not being deleted are left alone", async () => {
    await t.client.create(builtinResources.namespaces, { metadata: { name: "alive" } });
    await t.client.create({ ...builtinResources.configMaps, namespace: "alive" }, { metadata: { name: "cm" } });
    await Bun.sleep(100);
    expect((await t.client.get({ ...builtinResources.configMaps, namespace: "alive", name: "cm" })).metadata.name).toBe("cm");
    expect((await t.client.get<Namespace>(nsRef("alive"))).status?.conditions).toBeUndefined();
  });
});

describe("namespace conditions", () => {
  test("all five are set; the transition time moves only when the status flips", () => {
    const first = nextConditions([], { remaining: new Map([["pods.", 2]]) }, "2024-01-01T00:00:00Z")!;
    expect(first.map((c) => `${c.type}=${c.status}`)).toEqual([
      "NamespaceDeletionDiscoveryFailure=False", "NamespaceDeletionGroupVersionParsingFailure=False", "NamespaceDeletionContentFailure=False",
      "NamespaceContentRemaining=True", "NamespaceFinalizersRemaining=False",
    ]);
    expect(nextConditions(first, { remaining: new Map([["pods.", 2]]) }, "2024-01-01T00:01:00Z")).toBeUndefined();
    const changed = nextConditions(first, { remaining: new Map([["pods.", 1]]) }, "2024-01-01T00:02:00Z")!;
    expect(changed[3]).toMatchObject({ message: "Some resources are remaining: pods. has 1 resource instances", lastTransitionTime: "2024-01-01T00:00:00Z" });
    const done = nextConditions(changed, {}, "2024-01-01T00:03:00Z")!;
    expect(done[3]).toMatchObject({ status: "False", reason: "ContentRemoved", lastTransitionTime: "2024-01-01T00:03:00Z" });
    const failed = nextConditions([], { discoveryFailures: new Map([["metrics.k8s.io/v1beta1", "stale GroupVersion discovery"]]), contentErrors: ["b", "a"] }, "t")!;
    expect(failed[0]!.message).toBe("Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery");
    expect(failed[2]!.message).toBe("Failed to delete all resource types, 2 remaining: a, b");
  });
});
