import { describe, expect, test } from "bun:test";
import { definePlugin, v } from "@lite/sdk";
import { ConfigError } from "../config/config-error.ts";
import { resolvePlugins, type ResolveOptions } from "./resolve-plugins.ts";
import { sourceOf } from "./test-support.ts";

const plugin = (id: string, dependsOn: string[] = [], extra: object = {}) =>
  definePlugin({ id, sdk: "^1", dependsOn, server: () => {}, ...extra });
const options = (over: Partial<ResolveOptions>): ResolveOptions => ({
  embedded: [], external: [], disable: new Set(), pluginConfig: {}, ...over,
});
const rejection = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as Error).message;
};

describe("plugin resolution happens once, before construction", () => {
  test("orders by dependsOn, stable among independent plugins", async () => {
    const plan = await resolvePlugins(options({
      embedded: [sourceOf(plugin("c", ["b"])), sourceOf(plugin("a")), sourceOf(plugin("b", ["a"])), sourceOf(plugin("d"))],
    }));
    expect(plan.enabled.map((p) => p.definition.id)).toEqual(["a", "b", "c", "d"]);
  });
  test("a disabled embedded plugin is never imported", async () => {
    const exploding = { id: "traefik", origin: "embedded", load: async () => { throw new Error("imported!"); } };
    const plan = await resolvePlugins(options({ embedded: [exploding, sourceOf(plugin("coredns"))], disable: new Set(["traefik"]) }));
    expect(plan.disabled).toEqual([{ id: "traefik", origin: "embedded" }]);
    expect(plan.enabled.map((p) => p.definition.id)).toEqual(["coredns"]);
  });
  test("a dependency cycle names the plugins", async () => {
    expect(await rejection(resolvePlugins(options({ embedded: [sourceOf(plugin("a", ["b"])), sourceOf(plugin("b", ["a"]))] }))))
      .toBe("plugins form a dependency cycle: a -> b -> a");
  });
  test("a missing or disabled dependency is a startup error", async () => {
    expect(await rejection(resolvePlugins(options({ embedded: [sourceOf(plugin("a", ["ghost"]))] }))))
      .toBe(`plugin "a" depends on "ghost", which is not a known plugin`);
    expect(await rejection(resolvePlugins(options({ embedded: [sourceOf(plugin("a", ["b"])), sourceOf(plugin("b"))], disable: new Set(["b"]) }))))
      .toBe(`plugin "a" depends on "b", which is disabled (--disable=b)`);
  });
  test("an external plugin may replace a disabled embedded one, not shadow an enabled one", async () => {
    const embedded = [sourceOf(plugin("coredns"))];
    const external = [sourceOf(plugin("coredns"), "/opt/my-dns.ts")];
    expect(await rejection(resolvePlugins(options({ embedded, external }))))
      .toBe(`plugin id "coredns" is declared twice: by embedded and by /opt/my-dns.ts (to replace the embedded one, add --disable=coredns)`);
    const plan = await resolvePlugins(options({ embedded, external, disable: new Set(["coredns"]) }));
    expect(plan.enabled.map((p) => p.origin)).toEqual(["/opt/my-dns.ts"]);
  });
  test("SDK range is checked", async () => {
    expect(await rejection(resolvePlugins(options({ embedded: [sourceOf(definePlugin({ id: "future", sdk: "^2", server: () => {} }))] }))))
      .toBe(`plugin "future" (embedded) needs SDK ^2, but this lite provides SDK 1.0.0`);
  });
  test("configuration is validated with the plugin's schema, with core flag defaults underneath", async () => {
    const net = definePlugin({
      id: "net", sdk: "^1", server: () => {},
      config: v.object({ backend: v.picklist(["vxlan", "none"]), mtu: v.optional(v.number(), 1450) }),
      critical: (c) => c.backend !== "none",
    });
    const plan = await resolvePlugins(options({ embedded: [sourceOf(net)], configDefaults: { net: { backend: "none" } } }));
    expect(plan.enabled[0]!.config).toEqual({ backend: "none", mtu: 1450 });
    expect(plan.enabled[0]!.critical).toBe(false);
    const message = await rejection(resolvePlugins(options({ embedded: [sourceOf(net)], pluginConfig: { net: { backend: "vxlan", mtu: "big" } } })));
    expect(message).toStartWith("config key plugin-config.net.mtu: ");
    expect(await rejection(resolvePlugins(options({ embedded: [sourceOf(net)], pluginConfig: { dns: {} } }))))
      .toStartWith(`config key plugin-config.dns: no plugin with id "dns" is known`);
  });
});

test("definePlugin rejects malformed declarations", () => {
  expect(() => definePlugin({ id: "Bad_Id", sdk: "^1", server: () => {} })).toThrow(/plugin id "Bad_Id" is invalid/);
  expect(() => definePlugin({ id: "x", sdk: "^1" })).toThrow(/declares neither a server nor a node half/);
  expect(() => definePlugin({ id: "x", sdk: "", server: () => {} })).toThrow(/"sdk" must name the SDK range/);
});
