import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryStore } from "../../../store/memory.ts";
import { openSqliteStore } from "../../../store/sqlite.ts";
import { builtinResources, type KObject } from "../../resources/index.ts";
import { ResourceStore } from "../../storage/resource-store.ts";
import { pod, startHarness, type Harness } from "../../testing/harness.ts";
import { QuotaCharger } from "./quota-charger.ts";
import { usageOf } from "./usage.ts";

// SQLite with group commit, as `lite server` runs: concurrent writes really interleave there.
const dir = mkdtempSync(join(tmpdir(), "lite-quota-"));
let h: Harness;
beforeAll(async () => { h = await startHarness({ store: await openSqliteStore(join(dir, "state.db")) }); });
afterAll(async () => { await h.close(); rmSync(dir, { recursive: true, force: true }); });

/** A quota whose status the resourcequota controller would have initialised (none runs here). */
async function quota(ns: string, name: string, hard: Record<string, string>): Promise<void> {
  await h.call("POST", "/api/v1/namespaces", { metadata: { name: ns } });
  expect((await h.call("POST", `/api/v1/namespaces/${ns}/resourcequotas`, { metadata: { name }, spec: { hard } })).status).toBe(201);
  const cur = (await h.call("GET", `/api/v1/namespaces/${ns}/resourcequotas/${name}`)).body;
  const used = Object.fromEntries(Object.keys(hard).map((r) => [r, "0"]));
  expect((await h.call("PUT", `/api/v1/namespaces/${ns}/resourcequotas/${name}/status`, { ...cur, status: { hard, used } })).status).toBe(200);
  // The admission plugin looks at the watch cache first.
  for (let i = 0; i < 100 && (await h.call("GET", `/api/v1/namespaces/${ns}/resourcequotas?resourceVersion=0`)).body.items[0]?.status?.used === undefined; i++) await Bun.sleep(10);
}

const used = async (ns: string, name: string) => (await h.call("GET", `/api/v1/namespaces/${ns}/resourcequotas/${name}`)).body.status.used;

test("[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a configMap. [Conformance]: 64 concurrent creates are all admitted and all charged", async () => {
  await quota("quota-many", "q", { configmaps: "1000", pods: "5" });
  const results = await Promise.all(Array.from({ length: 64 }, (_, i) => h.call("POST", "/api/v1/namespaces/quota-many/configmaps", { metadata: { name: `cm-${i}` }, data: { i: String(i) } })));
  expect(results.map((r) => r.status)).toEqual(Array(64).fill(201));
  expect(await used("quota-many", "q")).toEqual({ configmaps: "64", pods: "0" });
});

test("concurrent creates past spec.hard: exactly the allowance is admitted, the rest get upstream's Forbidden", async () => {
  await quota("quota-tight", "pods-q", { pods: "10" });
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => h.call("POST", "/api/v1/namespaces/quota-tight/pods", pod(`p-${i}`))));
  const admitted = results.filter((r) => r.status === 201);
  const refused = results.filter((r) => r.status === 403);
  expect(admitted.length).toBe(10);
  expect(refused.length).toBe(20);
  expect(refused[0]!.body).toMatchObject({ kind: "Status", reason: "Forbidden" });
  expect(refused[0]!.body.message).toMatch(/^pods "p-\d+" is forbidden: exceeded quota: pods-q, requested: pods=1, used: pods=10, limited: pods=10$/);
  expect(await used("quota-tight", "pods-q")).toEqual({ pods: "10" });
  // A dry run is checked but not charged.
  const dry = await h.call("POST", "/api/v1/namespaces/quota-tight/configmaps?dryRun=All", { metadata: { name: "free" } });
  expect(dry.status).toBe(201);
});

test("a foreign write to the quota (the controller's recount) makes the batch re-check against the fresh quota, not fail", async () => {
  const def = builtinResources().find((d) => d.group === "" && d.resource === "resourcequotas")!;
  const cmDef = builtinResources().find((d) => d.group === "" && d.resource === "configmaps")!;
  const store = new ResourceStore(def, createMemoryStore());
  await store.create({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "ns", uid: "u1" }, spec: { hard: { configmaps: "3" } }, status: { hard: { configmaps: "3" }, used: { configmaps: "0" } } } as KObject);
  // The first charge write loses to a recount that found 2 ConfigMaps already.
  const update = store.update.bind(store);
  let foreign = 0;
  store.update = async (obj, rev) => {
    if (foreign++ === 0) {
      const cur = (await store.get("ns", "q"))!;
      await update({ ...cur.object, status: { ...cur.object.status, used: { configmaps: "2" } } }, cur.modRevision);
    }
    return update(obj, rev);
  };
  const charger = new QuotaCharger(() => store);
  const request = (name: string) => ({ def: cmDef, name, requested: usageOf({ group: "", resource: "configmaps" }, { metadata: { name } }), object: { metadata: { name } } as KObject, dryRun: false });
  const outcomes = await Promise.allSettled([charger.charge("ns", request("a")), charger.charge("ns", request("b"))]);
  expect(outcomes[0]!.status).toBe("fulfilled");
  expect(outcomes[1]!.status).toBe("rejected");
  expect(String((outcomes[1] as PromiseRejectedResult).reason.message)).toBe('configmaps "b" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=3, limited: configmaps=3');
  expect((await store.get("ns", "q"))!.object.status.used).toEqual({ configmaps: "3" });
});
