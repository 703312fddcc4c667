/** Informers in-process against a real API server on a memory store. */
import { afterEach, describe, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { eventually, quietLog, startTestCluster, type TestCluster } from "../testing/in-process.ts";
import { realClock } from "./clock.ts";
import { createSharedInformerFactory } from "./shared-informer-factory.ts";

type ConfigMap = KubeObject & { data?: Record<string, string> };
const cms = (ns: string) => ({ ...builtinResources.configMaps, namespace: ns });

let cluster: TestCluster | undefined;
let stop = new AbortController();
afterEach(async () => { stop.abort(); await cluster?.close(); cluster = undefined; });

async function setup(options: Parameters<typeof startTestCluster>[0] = {}) {
  stop = new AbortController();
  cluster = await startTestCluster(options);
  const factory = createSharedInformerFactory({ client: cluster.client, clock: realClock(), log: quietLog });
  return { c: cluster, factory };
}

describe("informer", () => {
  test("lists, then watches: handlers see add, update and delete; the cache follows", async () => {
    const { c, factory } = await setup();
    await c.client.create(cms("default"), { metadata: { name: "before" } });
    const inf = factory.informerFor<ConfigMap>(builtinResources.configMaps);
    const seen: string[] = [];
    inf.on({
      add: (o) => seen.push(`add ${o.metadata.name}`),
      update: (a, b) => seen.push(`update ${b.metadata.name} ${a.data?.k ?? "-"}->${b.data?.k}`),
      delete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    const ac = new AbortController();
    factory.start(ac.signal);
    expect(await factory.waitForSync(ac.signal)).toBe(true);
    expect(inf.hasSynced()).toBe(true);
    expect(inf.get("default/before")?.kind).toBe("ConfigMap");
    expect(inf.get("default", "before")?.apiVersion).toBe("v1");
    await c.client.create(cms("default"), { metadata: { name: "x" }, data: { k: "1" } });
    await c.client.patch({ ...cms("default"), name: "x" }, "merge", { data: { k: "2" } });
    await c.client.delete({ ...cms("default"), name: "x" });
    await eventually(() => seen.includes("delete x"));
    expect(seen.filter((s) => !s.includes("kube-root-ca"))).toEqual(["add before", "add x", "update x 1->2", "delete x"]);
    expect(inf.get("default/x")).toBeUndefined();
    expect(Number(inf.lastSyncResourceVersion())).toBeGreaterThan(0);
    // A handler added after sync is first told about what is cached.
    const late: string[] = [];
    const off = inf.on({ add: (o) => late.push(o.metadata.name!) });
    expect(late).toContain("before");
    off();
    ac.abort();
    await (factory as any).stopped();
  });

  test("cached objects are frozen", async () => {
    const { c, factory } = await setup();
    await c.client.create(cms("default"), { metadata: { name: "f", labels: { a: "b" } }, data: { k: "v" } });
    const inf = factory.informerFor<ConfigMap>(builtinResources.configMaps);
    factory.start(stop.signal);
    await inf.waitForSync(stop.signal);
    const obj = inf.get("default/f")!;
    expect(Object.isFrozen(obj)).toBe(true);
    expect(Object.isFrozen(obj.metadata.labels)).toBe(true);
    expect(() => { (obj.data as Record<string, string>).k = "changed"; }).toThrow();
    const copy = structuredClone(obj);
    copy.data!.k = "mine";
    expect(inf.get("default/f")!.data!.k).toBe("v");
  });

  test("namespace index and custom indexers; shared informers are one list+watch", async () => {
    const { c, factory } = await setup();
    await c.client.create({ ...builtinResources.namespaces }, { metadata: { name: "other" } });
    await c.client.create(cms("default"), { metadata: { name: "a", labels: { tier: "web" } } });
    await c.client.create(cms("other"), { metadata: { name: "b", labels: { tier: "web" } } });
    await c.client.create(cms("other"), { metadata: { name: "c", labels: { tier: "db" } } });
    const inf = factory.informerFor<ConfigMap>(builtinResources.configMaps, { indexers: { tier: (o) => (o.metadata.labels?.tier ? [o.metadata.labels.tier] : []) } });
    const again = factory.informerFor<ConfigMap>(builtinResources.configMaps);
    expect(again).toBe(inf);
    factory.start(stop.signal);
    await factory.waitForSync(stop.signal);
    expect(inf.list("other").map((o) => o.metadata.name).sort()).toEqual(["b", "c"]);
    expect(inf.byIndex("tier", "web").map((o) => o.metadata.name).sort()).toEqual(["a", "b"]);
    inf.addIndexers({ name: (o) => [o.metadata.name!] });
    expect(inf.byIndex("name", "c")).toHaveLength(1);
    expect(() => inf.byIndex("missing", "x")).toThrow();
    await c.client.patch({ ...cms("other"), name: "c" }, "merge", { metadata: { labels: { tier: "web" } } });
    await eventually(() => inf.byIndex("tier", "web").length === 3);
    expect(inf.byIndex("tier", "db")).toHaveLength(0);
    expect(c.transport.counts.watch).toBe(1);
  });

  test("relists after the watch's resourceVersion was compacted (410) and converges", async () => {
    const { c, factory } = await setup({ watchCacheCapacity: 2 });
    const inf = factory.informerFor<ConfigMap>(cms("default"));
    const deleted: string[] = [];
    inf.on({ delete: (o) => deleted.push(o.metadata.name!) });
    await c.client.create(cms("default"), { metadata: { name: "doomed" } });
    factory.start(stop.signal);
    await inf.waitForSync(stop.signal);
    await eventually(() => inf.get("default/doomed"));
    await eventually(() => c.transport.liveWatches() === 1);
    const listsBefore = c.transport.counts.list;
    // Cut the watch and keep it from resuming while history moves on and is compacted.
    c.transport.holdWatches();
    c.transport.cutWatches();
    for (let i = 0; i < 6; i++) await c.client.create(cms("default"), { metadata: { name: `n${i}` } });
    await c.client.delete({ ...cms("default"), name: "doomed" });
    await c.harness.store.compact(c.harness.store.currentRevision());
    await Bun.sleep(20);
    c.transport.releaseWatches();
    await eventually(() => inf.list("default").filter((o) => o.metadata.name?.startsWith("n")).length === 6, 5000, "relist");
    expect(inf.get("default/doomed")).toBeUndefined();
    expect(deleted).toEqual(["doomed"]);
    expect(c.transport.counts.list).toBeGreaterThan(listsBefore);
    // And it keeps watching after the relist.
    await c.client.create(cms("default"), { metadata: { name: "after" } });
    await eventually(() => inf.get("default/after"));
  });
});
