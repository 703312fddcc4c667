import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { openSqliteStore } from "../../store/sqlite.ts";
import { createMemoryStore } from "../../store/memory.ts";
import { builtinResources } from "../resources/index.ts";
import type { KObject } from "../resources/index.ts";
import { ResourceStore } from "./resource-store.ts";

const def = builtinResources().find((d) => d.group === "" && d.resource === "configmaps")!;
const cm = (v: string): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ns" }, data: { v } } as unknown as KObject);

test("guaranteedUpdate with a stale cached object: errors and no-ops decided on it are retried on a fresh read", async () => {
  const store = createMemoryStore();
  const rs = new ResourceStore(def, store);
  await rs.create(cm("1"));
  const stale = (await rs.get("ns", "c"))!;
  await rs.guaranteedUpdate("ns", "c", (cur) => ({ action: "update", object: { ...cur!.object, data: { v: "2" } } as KObject }));
  const fresh = (await rs.get("ns", "c"))!;

  // A precondition checked against the stale copy would fail; the fresh read passes it.
  const seen: string[] = [];
  const res = await rs.guaranteedUpdate("ns", "c", (cur) => {
    seen.push((cur!.object as unknown as { data: { v: string } }).data.v);
    if (cur!.modRevision !== fresh.modRevision) throw new Error("stale");
    return { action: "update", object: { ...cur!.object, data: { v: "3" } } as KObject };
  }, stale);
  expect(seen).toEqual(["1", "2"]);
  expect((res.object as unknown as { data: { v: string } }).data.v).toBe("3");

  // A no-op decided on a stale copy is re-decided on the fresh one.
  const stale2 = fresh;
  const r2 = await rs.guaranteedUpdate("ns", "c", (cur) => ((cur!.object as unknown as { data: { v: string } }).data.v === "2" ? { action: "none" } : { action: "update", object: { ...cur!.object, data: { v: "4" } } as KObject }), stale2);
  expect((r2.object as unknown as { data: { v: string } }).data.v).toBe("4");

  // A current cached copy is used as is: one transform call, no second read needed.
  const current = (await rs.get("ns", "c"))!;
  let calls = 0;
  const r3 = await rs.guaranteedUpdate("ns", "c", (cur) => { calls++; expect(cur).toBe(current); return { action: "update", object: { ...cur!.object, data: { v: "5" } } as KObject }; }, current);
  expect(calls).toBe(1);
  expect((r3.object as unknown as { data: { v: string } }).data.v).toBe("5");
  // An error decided on a current cached copy stands.
  await expect(rs.guaranteedUpdate("ns", "c", () => { throw new Error("precondition"); }, (await rs.get("ns", "c"))!)).rejects.toThrow("precondition");
  await store.close();
});

test("guaranteedUpdate outlasts a write still waiting for its group commit (reads see committed rows; the CAS sees the pending one)", async () => {
  const dir = mkdtempSync(`${tmpdir()}/lite-rs-`);
  const store = await openSqliteStore(`${dir}/state.db`, { compactor: false, checkpointIntervalMs: 0 });
  try {
    const rs = new ResourceStore(def, store);
    await rs.create(cm("1"));
    const current = (await rs.get("ns", "c"))!;
    // A second writer's update is queued (not yet committed) when the read-modify-write starts.
    const other = rs.update({ ...current.object, data: { v: "other" } } as KObject, current.modRevision);
    const res = await rs.guaranteedUpdate("ns", "c", (cur) => ({ action: "update", object: { ...cur!.object, data: { v: `${(cur!.object as unknown as { data: { v: string } }).data.v}+mine` } } as KObject }));
    await other;
    expect((res.object as unknown as { data: { v: string } }).data.v).toBe("other+mine");
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("creates and updates answer with the watch cache's own object for their revision: the same JSON a decode gives, frozen, shared", async () => {
  const { createStorageSet } = await import("./storage-set.ts");
  const { createResourceRegistry } = await import("../resources/registry.ts");
  const store = createMemoryStore();
  const storage = createStorageSet(store, createResourceRegistry(builtinResources()));
  try {
    await storage.ready();
    const rs = storage.resourceStore(def);
    const created = await rs.create(cm("1"));
    const cache = storage.watchCache(def);
    expect(created).toBe(cache.get(rs.key("ns", "c"))!);
    expect(Object.isFrozen(created)).toBe(true);
    const decoded = new ResourceStore(def, store); // no cache: decodes the stored value
    expect(JSON.stringify(created)).toBe(JSON.stringify((await decoded.get("ns", "c"))!.object));
    const updated = await rs.update({ ...cm("2"), metadata: { name: "c", namespace: "ns", uid: created.metadata.uid } } as KObject, Number(created.metadata.resourceVersion));
    expect(updated).toBe(cache.get(rs.key("ns", "c"))!);
    expect(JSON.stringify(updated)).toBe(JSON.stringify((await decoded.get("ns", "c"))!.object));
    // The API's updates and patches write through guaranteedUpdate: answered alike.
    const viaTransform = await rs.guaranteedUpdate("ns", "c", (cur) => ({ action: "update", object: { ...cur!.object, data: { v: "3" } } as KObject }));
    expect(viaTransform.object).toBe(cache.get(rs.key("ns", "c"))!);
    expect(JSON.stringify(viaTransform.object)).toBe(JSON.stringify((await decoded.get("ns", "c"))!.object));
  } finally {
    storage.stop();
    store.close();
  }
});
