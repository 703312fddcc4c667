/** The controller manager as `lite server` starts it, and what plugins get from it. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, defineController, type KubeObject } from "@lite/sdk";
import { startControllerTestbed, type ControllerTestbed } from "./testing/controllers.ts";
import { eventually } from "./testing/in-process.ts";

type Ev = KubeObject & { reason?: string; count?: number; involvedObject?: { name?: string }; source?: { component?: string } };

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([]); });
afterAll(async () => { await t.close(); });

describe("controller manager services for plugins", () => {
  test("the plugin client writes as the plugin's field manager", async () => {
    const { apiClient } = t.manager.forPlugin("my-plugin");
    expect(apiClient.fieldManager).toBe("my-plugin");
    const cm = await apiClient.create<KubeObject>({ ...builtinResources.configMaps, namespace: "default" }, { metadata: { name: "from-plugin" }, data: { a: "b" } });
    expect((cm.metadata.managedFields as { manager: string }[])[0]!.manager).toBe("my-plugin");
    expect(t.manager.forPlugin("my-plugin").apiClient).toBe(apiClient);
  });

  test("a plugin controller runs through the runner, records aggregated events, and stops on its signal", async () => {
    const { controllers, informers } = t.manager.forPlugin("greeter");
    const seen: string[] = [];
    const stop = new AbortController();
    const ctrl = defineController({
      name: "greeter",
      watches: [{ target: { ...builtinResources.configMaps, namespace: "default" }, map: (o) => (o.metadata.name?.startsWith("greet-") ? [o.metadata.name] : []) }],
      async reconcile(key, ctx) {
        seen.push(key);
        const obj = ctx.informer({ ...builtinResources.configMaps, namespace: "default" }).get("default", key);
        if (obj) { ctx.events.event(obj, "Normal", "Greeted", `hello ${key}`); ctx.events.event(obj, "Normal", "Greeted", `hello ${key}`); }
      },
    });
    const running = controllers.run(ctrl, stop.signal);
    await t.client.create({ ...builtinResources.configMaps, namespace: "default" }, { metadata: { name: "greet-a" } });
    await t.client.create({ ...builtinResources.configMaps, namespace: "default" }, { metadata: { name: "ignored" } });
    await eventually(() => seen.includes("greet-a"));
    const ev = await eventually(async () => {
      const list = await t.client.list<Ev>({ ...builtinResources.events, namespace: "default" });
      return list.items.find((e) => e.involvedObject?.name === "greet-a" && e.count === 2);
    });
    expect(ev).toMatchObject({ reason: "Greeted", type: "Normal", message: "hello greet-a", source: { component: "greeter" } });
    expect(seen).not.toContain("ignored");
    stop.abort();
    await running;
    // Handlers registered through the plugin's informer view go away with the plugin.
    const inf = informers.informerFor(builtinResources.namespaces);
    let adds = 0;
    inf.on({ add: () => { adds++; } });
    await inf.waitForSync(new AbortController().signal);
    t.manager.releasePlugin("greeter");
    const before = adds;
    await t.client.create(builtinResources.namespaces, { metadata: { name: "after-release" } });
    await Bun.sleep(100);
    expect(adds).toBe(before);
  });
});
