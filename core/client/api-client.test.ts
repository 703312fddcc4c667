/** The in-process ApiClient against a real API server on a memory store. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ApiStatusError, builtinResources, isAlreadyExists, isConflict, isNotFound, resourceClient, type KubeObject,
} from "@lite/sdk";
import { startTestCluster, type TestCluster } from "../controllers/testing/in-process.ts";

let c: TestCluster;
beforeAll(async () => { c = await startTestCluster(); });
afterAll(async () => { await c.close(); });

type ConfigMap = KubeObject & { data?: Record<string, string> };
const cms = (ns = "default") => ({ ...builtinResources.configMaps, namespace: ns });

describe("ApiClient (in-process)", () => {
  test("create, get, list, update with conflict detection, delete", async () => {
    const created = await c.client.create<ConfigMap>(cms(), { metadata: { name: "one" }, data: { a: "1" } });
    expect(created).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "one", namespace: "default" }, data: { a: "1" } });
    expect(created.metadata.managedFields).toMatchObject([{ manager: "test", operation: "Update" }]);
    const got = await c.client.get<ConfigMap>({ ...cms(), name: "one" });
    expect(got.metadata.uid).toBe(created.metadata.uid);
    const list = await c.client.list<ConfigMap>(cms(), { labelSelector: "" });
    expect(list.items.map((i) => i.metadata.name)).toContain("one");
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThan(0);
    const updated = await c.client.update<ConfigMap>(cms(), { ...got, data: { a: "2" } });
    expect(updated.data).toEqual({ a: "2" });
    const stale = await c.client.update(cms(), { ...got, data: { a: "3" } }).catch((e) => e);
    expect(stale).toBeInstanceOf(ApiStatusError);
    expect(isConflict(stale)).toBe(true);
    expect(stale.code).toBe(409);
    await c.client.delete({ ...cms(), name: "one" });
    const gone = await c.client.get({ ...cms(), name: "one" }).catch((e) => e);
    expect(isNotFound(gone)).toBe(true);
    expect(gone).toMatchObject({ code: 404, reason: "NotFound", details: { name: "one", kind: "configmaps" } });
    expect(gone.message).toBe('configmaps "one" not found');
  });

  test("AlreadyExists is typed", async () => {
    await c.client.create(cms(), { metadata: { name: "dup" } });
    const err = await c.client.create(cms(), { metadata: { name: "dup" } }).catch((e) => e);
    expect(isAlreadyExists(err)).toBe(true);
  });

  test("merge, strategic, json and apply patches (apply with field manager and force)", async () => {
    await c.client.create<ConfigMap>(cms(), { metadata: { name: "p" }, data: { a: "1" } });
    const t = { ...cms(), name: "p" };
    expect((await c.client.patch<ConfigMap>(t, "merge", { data: { b: "2" } })).data).toEqual({ a: "1", b: "2" });
    expect((await c.client.patch<ConfigMap>(t, "strategic", { metadata: { labels: { x: "y" } } })).metadata.labels).toEqual({ x: "y" });
    expect((await c.client.patch<ConfigMap>(t, "json", [{ op: "remove", path: "/data/a" }])).data).toEqual({ b: "2" });
    const applied = await c.client.patch<ConfigMap>(t, "apply", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "p" }, data: { b: "3" } }, { fieldManager: "applier", force: true });
    expect(applied.data?.b).toBe("3");
    expect((applied.metadata.managedFields as { manager: string; operation: string }[]).some((m) => m.manager === "applier" && m.operation === "Apply")).toBe(true);
  });

  test("typed resource handle", async () => {
    const h = resourceClient<ConfigMap>(c.client, builtinResources.configMaps, "default");
    await h.create({ metadata: { name: "h" }, data: { k: "v" } });
    expect((await h.get("h")).data).toEqual({ k: "v" });
    await h.deleteCollection({ labelSelector: "nothing=matches" });
    expect((await h.get("h")).metadata.name).toBe("h");
  });

  test("watch streams events from a resourceVersion", async () => {
    const list = await c.client.list(cms());
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of c.client.watch(cms(), { resourceVersion: list.metadata.resourceVersion, signal: ac.signal })) {
        seen.push(`${e.type} ${e.object.metadata.name}`);
        if (seen.length === 2) ac.abort();
      }
    })();
    await c.client.create(cms(), { metadata: { name: "w" } });
    await c.client.delete({ ...cms(), name: "w" });
    await done;
    expect(seen).toEqual(["ADDED w", "DELETED w"]);

  });

  test("discovery lists preferred resources with verbs and scope", async () => {
    const d = await c.client.discover();
    const pods = d.resources.find((r) => r.group === "" && r.resource === "pods");
    expect(pods).toMatchObject({ version: "v1", kind: "Pod", namespaced: true });
    expect(pods!.verbs).toContain("deletecollection");
    expect(d.resources.some((r) => r.resource.includes("/"))).toBe(false);
    expect(d.resources.find((r) => r.group === "apps" && r.resource === "deployments")?.version).toBe("v1");
    expect(d.failedGroups.size).toBe(0);
  });
});
