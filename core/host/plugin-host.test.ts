import { describe, expect, test } from "bun:test";
import { coreServices, definePlugin, type PluginDefinition } from "@lite/sdk";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { PluginHost, type PluginHostOptions } from "./plugin-host.ts";
import { resolvePlugins } from "./resolve-plugins.ts";
import { CLUSTER, recordingLogger, sourceOf } from "./test-support.ts";

async function hostFor(plugins: PluginDefinition[], over: Partial<PluginHostOptions> = {}) {
  const plan = await resolvePlugins({ embedded: plugins.map((p) => sourceOf(p)), external: [], disable: new Set(), pluginConfig: {} });
  const stateRoot = mkdtempSync(`${tmpdir()}/lite-host-`);
  const host = new PluginHost({ role: "server", plan, log: recordingLogger(), cluster: CLUSTER, stateRoot, stopTimeoutMs: 200, ...over });
  return { host, cleanup: () => rmSync(stateRoot, { recursive: true, force: true }) };
}
const state = (host: PluginHost, id: string) => host.statuses().find((s) => s.id === id)!;
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe("plugin host", () => {
  test("starts dependencies first, independent plugins in parallel, stops in reverse", async () => {
    const events: string[] = [];
    const make = (id: string, dependsOn: string[] = [], delay = 0) => definePlugin({
      id, sdk: "^1", dependsOn,
      server: async () => {
        events.push(`start ${id}`);
        await tick(delay);
        events.push(`started ${id}`);
        return { stop: () => { events.push(`stop ${id}`); } };
      },
    });
    const { host, cleanup } = await hostFor([make("a", [], 20), make("b", [], 1), make("c", ["a", "b"])]);
    await host.start();
    // a and b start together (one wave); c only after both finished.
    expect(events.slice(0, 2).sort()).toEqual(["start a", "start b"]);
    expect(events.indexOf("start c")).toBeGreaterThan(events.indexOf("started a"));
    await host.stop();
    expect(events.filter((e) => e.startsWith("stop"))).toEqual(["stop c", "stop b", "stop a"]);
    cleanup();
  });

  test("an optional plugin that throws is Failed; the rest runs; its dependents fail with a reason", async () => {
    const { host, cleanup } = await hostFor([
      definePlugin({ id: "broken", sdk: "^1", server: () => { throw new Error("boom"); } }),
      definePlugin({ id: "fine", sdk: "^1", server: () => {} }),
      definePlugin({ id: "needs-broken", sdk: "^1", dependsOn: ["broken"], server: () => {} }),
    ]);
    await host.start();
    expect(state(host, "broken")).toMatchObject({ state: "Failed", lastError: "boom" });
    expect(state(host, "fine").state).toBe("Running");
    expect(state(host, "needs-broken")).toMatchObject({ state: "Failed", lastError: `dependency "broken" failed to start` });
    await host.stop();
    cleanup();
  });

  test("a background task that crashes later marks the plugin Degraded", async () => {
    const { host, cleanup } = await hostFor([
      definePlugin({ id: "flaky", sdk: "^1", server: (ctx) => { ctx.run("loop", async () => { await tick(); throw new Error("lost connection"); }); } }),
    ]);
    await host.start();
    expect(state(host, "flaky").state).toBe("Running");
    await tick(30);
    expect(state(host, "flaky")).toMatchObject({ state: "Degraded", lastError: "task loop: lost connection" });
    await host.stop();
    cleanup();
  });

  test("a critical plugin's failure is reported to the owner", async () => {
    const failures: string[] = [];
    const { host, cleanup } = await hostFor(
      [definePlugin({ id: "cni", sdk: "^1", critical: true, server: () => { throw new Error("no bridge"); } })],
      { onCriticalFailure: (id, err) => failures.push(`${id}: ${err.message}`) },
    );
    await host.start();
    expect(failures).toEqual(["cni: no bridge"]);
    expect(state(host, "cni").state).toBe("Failed");
    await host.stop();
    cleanup();
  });

  test("self-reported health: NotImplemented and Degraded", async () => {
    const { host, cleanup } = await hostFor([
      definePlugin({ id: "todo", sdk: "^1", server: (ctx) => ctx.status.report({ state: "NotImplemented", message: "later" }) }),
      definePlugin({ id: "sick", sdk: "^1", server: (ctx) => { setTimeout(() => ctx.status.report({ state: "Degraded", message: "disk full", details: { free: 0 } }), 1); } }),
    ]);
    await host.start();
    expect(state(host, "todo")).toMatchObject({ state: "NotImplemented", message: "later" });
    await tick(20);
    expect(state(host, "sick")).toMatchObject({ state: "Degraded", message: "disk full", details: { free: 0 } });
    await host.stop();
    cleanup();
  });

  test("stop is idempotent, aborts the signal, and does not wait forever for a stuck plugin", async () => {
    let aborted = false;
    const { host, cleanup } = await hostFor([
      definePlugin({ id: "stuck", sdk: "^1", server: (ctx) => {
        ctx.signal.addEventListener("abort", () => { aborted = true; });
        return { stop: () => new Promise<void>(() => {}) };
      } }),
    ]);
    await host.start();
    const first = host.stop();
    const second = host.stop();
    expect(second).toBe(first);
    await first;
    expect(aborted).toBe(true);
    expect(state(host, "stuck")).toMatchObject({ state: "Stopped", lastError: "did not stop within 200 ms" });
    cleanup();
  });

  test("services are scoped per plugin; a missing service is a clear error", async () => {
    const seen: string[] = [];
    const { host, cleanup } = await hostFor(
      [definePlugin({ id: "p", sdk: "^1", server: (ctx) => {
        ctx.use(coreServices.adminRoutes).get("x", () => new Response());
        expect(ctx.tryUse({ id: "core.nothing" })).toBeUndefined();
        expect(() => ctx.use({ id: "core.nothing" })).toThrow(`service "core.nothing" is not available in the server half of plugin "p"`);
      } })],
      { services: new Map([[coreServices.adminRoutes.id, (id: string) => ({ get: (path: string) => seen.push(`${id}/${path}`) })]]) },
    );
    await host.start();
    expect(seen).toEqual(["p/x"]);
    expect(state(host, "p").state).toBe("Running");
    await host.stop();
    cleanup();
  });

  test("a half that never finishes starting fails after the start timeout", async () => {
    const { host, cleanup } = await hostFor(
      [definePlugin({ id: "slow", sdk: "^1", server: () => new Promise<void>(() => {}) })],
      { startTimeoutMs: 30 },
    );
    await host.start();
    expect(state(host, "slow")).toMatchObject({ state: "Failed", lastError: "did not finish starting within 30 ms" });
    await host.stop();
    cleanup();
  });
});
