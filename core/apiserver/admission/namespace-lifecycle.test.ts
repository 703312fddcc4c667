/** NamespaceLifecycle admission reads the namespace from the watch cache, live only when it must (upstream plugin/pkg/admission/namespace/lifecycle). */
import { expect, test } from "bun:test";
import type { KObject, ResourceDef } from "../resources/index.ts";
import { FORCE_LIVE_LOOKUP_MS, namespaceLifecyclePlugin } from "./namespace-lifecycle.ts";
import type { AdmissionAttributes } from "./types.ts";

const configMaps = { group: "", resource: "configmaps", namespaced: true } as ResourceDef;
const namespaces = { group: "", resource: "namespaces", namespaced: false } as ResourceDef;
const ns = (name: string, phase = "Active"): KObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name }, status: { phase } }) as KObject;
const create = (namespace: string): AdmissionAttributes => ({ operation: "CREATE", def: configMaps, namespace, name: "c", subresource: "", dryRun: false });
const remove = (name: string): AdmissionAttributes => ({ operation: "DELETE", def: namespaces, namespace: "", name, subresource: "", dryRun: false });

function reader(cache: Map<string, KObject>, store: Map<string, KObject>) {
  const liveCalls: string[] = [];
  return {
    liveCalls,
    cached: (name: string) => cache.get(name),
    live: async (name: string) => { liveCalls.push(name); return store.get(name); },
  };
}

test("creates in a cached Active namespace are admitted without a store read", async () => {
  const r = reader(new Map([["a", ns("a")]]), new Map([["a", ns("a")]]));
  await namespaceLifecyclePlugin(r).admit!(create("a"));
  expect(r.liveCalls).toEqual([]);
});

test("a namespace the cache does not have yet is looked up live; a missing one is NotFound", async () => {
  const r = reader(new Map(), new Map([["fresh", ns("fresh")]]));
  const plugin = namespaceLifecyclePlugin(r);
  await plugin.admit!(create("fresh"));
  await expect(plugin.admit!(create("nowhere"))).rejects.toMatchObject({ code: 404, reason: "NotFound", message: 'namespaces "nowhere" not found' });
  expect(r.liveCalls).toEqual(["fresh", "nowhere"]);
});

test("a Terminating namespace refuses creates with upstream's message", async () => {
  const r = reader(new Map([["t", ns("t", "Terminating")]]), new Map());
  await expect(namespaceLifecyclePlugin(r).admit!(create("t"))).rejects.toMatchObject({
    code: 403, reason: "Forbidden", message: 'configmaps "c" is forbidden: unable to create new content in namespace t because it is being terminated',
  });
});

test("after a DELETE of a namespace, a cache still showing it Active is checked live for the TTL", async () => {
  let clock = 1_000_000;
  const cache = new Map([["gone", ns("gone")]]);
  const store = new Map([["gone", ns("gone", "Terminating")]]);
  const r = reader(cache, store);
  const plugin = namespaceLifecyclePlugin(r, () => clock);
  await plugin.admit!(remove("gone"));
  await expect(plugin.admit!(create("gone"))).rejects.toMatchObject({ code: 403 });
  expect(r.liveCalls).toEqual(["gone"]);
  clock += FORCE_LIVE_LOOKUP_MS + 1;
  await plugin.admit!(create("gone")); // the TTL passed: the cache is believed again (it would have caught up by now)
  expect(r.liveCalls).toEqual(["gone"]);
});

test("default, kube-system and kube-public may not be deleted", async () => {
  const plugin = namespaceLifecyclePlugin(reader(new Map(), new Map()));
  for (const name of ["default", "kube-system", "kube-public"]) {
    await expect(plugin.admit!(remove(name))).rejects.toMatchObject({ code: 403, message: `namespaces "${name}" is forbidden: this namespace may not be deleted` });
  }
});
