// The fast path of updateManagedFields (update-fast-path.ts) must give exactly
// what the full path gives (updateManagedFieldsSlow): same JSON, key order
// included, same errors. Checked over generated updates of Leases,
// Deployments and Pods whose managedFields come from realistic histories
// (creates, updates by several managers, applies, status writes) and from
// hand-made oddities (entries out of order, duplicates, invalid or
// non-canonical entries, more than 10 Update entries, ...).

import { describe, expect, test } from "bun:test";
import { cloneJson, isObject, type JsonObject } from "../json-value.ts";
import { applyObject } from "./apply.ts";
import { compareEntryOrder, decodeManagedFields, encodeManagedFields, type ManagerInfo } from "./managed-fields.ts";
import type { FieldManagerSchema, FieldSchemaInfo } from "./schema.ts";
import { deployment } from "./test-fixtures.ts";
import { updateFastPath } from "./update-fast-path.ts";
import { updateManagedFields, updateManagedFieldsSlow, type UpdateManagedFieldsInput } from "./update.ts";

const table: Record<string, FieldSchemaInfo> = {
  "metadata.ownerReferences": { strategy: "merge", mergeKey: "uid" },
  "metadata.finalizers": { strategy: "merge" },
  "spec.selector": { mapType: "atomic" },
  "spec.template.metadata.ownerReferences": { strategy: "merge", mergeKey: "uid" },
  "spec.template.spec.containers": { strategy: "merge", mergeKey: "name" },
  "spec.template.spec.containers.ports": { strategy: "merge", mergeKey: "containerPort", listType: "map", mapKeys: ["containerPort", "protocol"] },
  "spec.template.spec.containers.env": { strategy: "merge", mergeKey: "name" },
  "spec.containers": { strategy: "merge", mergeKey: "name" },
  "spec.containers.env": { strategy: "merge", mergeKey: "name" },
  "spec.containers.ports": { strategy: "merge", mergeKey: "containerPort", listType: "map", mapKeys: ["containerPort", "protocol"] },
  "status.conditions": { strategy: "merge", mergeKey: "type" },
  "spec.podCIDRs": { strategy: "merge" },
};
const schema: FieldManagerSchema = { lookup: (path) => table[path.join(".")] };

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rand, p: number): boolean => r() < p;
const time = (s: number, frac = ""): string => new Date(Date.UTC(2025, 0, 1) + s * 1000).toISOString().replace(/\.\d+Z$/, `${frac}Z`);

const MANAGERS = ["kubelet", "kube-controller-manager", "kubectl-edit", "kubectl-label", "scheduler", "m5", "m6", "m7", "m8", "m9", "m10", "m11", "m12", ""];

function lease(): JsonObject {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: "node-1", namespace: "kube-node-lease", uid: "u-1", resourceVersion: "10", creationTimestamp: time(0),
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "node-1", uid: "n-1" }],
    },
    spec: { holderIdentity: "node-1", leaseDurationSeconds: 40, renewTime: "2025-01-01T00:00:00.000000Z" },
  };
}

function deploymentObject(): JsonObject {
  const d = deployment({ replicas: 2, labels: { app: "web", tier: "fe" } }) as JsonObject;
  (d.metadata as JsonObject).uid = "u-2";
  (d.metadata as JsonObject).resourceVersion = "5";
  d.status = { replicas: 2, conditions: [{ type: "Available", status: "True" }, { type: "Progressing", status: "True" }] };
  return d;
}

function pod(): JsonObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "u-3", labels: { app: "web" }, annotations: { a: "1" }, finalizers: ["x/y"] },
    spec: {
      nodeName: "n1",
      tolerations: [{ key: "k", operator: "Exists" }],
      containers: [
        { name: "c", image: "nginx", env: [{ name: "A", value: "1" }], ports: [{ containerPort: 80, protocol: "TCP" }], resources: {} },
        { name: "d", image: "busybox" },
      ],
    },
    status: { phase: "Pending", conditions: [{ type: "Ready", status: "False" }] },
  };
}

const BASES = [lease, deploymentObject, pod];

// ---- value paths ----

function getAt(o: unknown, path: readonly string[]): unknown {
  let v = o;
  for (const k of path) v = isObject(v) ? v[k] : undefined;
  return v;
}

function setAt(o: JsonObject, path: readonly string[], v: unknown): void {
  let node = o;
  for (const k of path.slice(0, -1)) {
    if (!isObject(node[k])) node[k] = {};
    node = node[k] as JsonObject;
  }
  if (v === undefined) delete node[path[path.length - 1]!];
  else node[path[path.length - 1]!] = v;
}

/** Every path of field names to a value (maps walked, lists and scalars are ends). */
function valuePaths(o: unknown, prefix: string[] = []): string[][] {
  if (!isObject(o)) return [prefix];
  const out: string[][] = prefix.length ? [prefix] : [];
  for (const k of Object.keys(o)) out.push(...valuePaths(o[k], [...prefix, k]));
  return out;
}

/** Member paths of a FieldsV1 made of `f:` steps only. */
function ownedFieldPaths(f: unknown, prefix: string[] = []): string[][] {
  if (!isObject(f)) return [];
  const out: string[][] = [];
  if (prefix.length && (Object.keys(f).length === 0 || "." in f)) out.push(prefix);
  for (const k of Object.keys(f)) if (k.startsWith("f:")) out.push(...ownedFieldPaths(f[k], [...prefix, k.slice(2)]));
  return out;
}

const newValue = (r: Rand, old: unknown): unknown =>
  pick(r, [
    () => (typeof old === "number" ? old + 1 : typeof old === "string" ? `${old}-x` : "x"),
    () => `v${Math.floor(r() * 5)}`,
    () => Math.floor(r() * 3),
    () => null,
    () => ({ nested: "x" }),
    () => ({}),
    () => [],
    () => ["a", "b"],
    () => old,
  ])();

/** One random edit of `o` (in place). */
function mutate(r: Rand, o: JsonObject): void {
  const paths = valuePaths(o).filter((p) => p[0] !== "metadata" || p[1] !== "managedFields");
  const path = pick(r, paths);
  const old = getAt(o, path);
  switch (pick(r, ["set", "set", "set", "delete", "add", "add", "list", "meta", "invalidItem", "atomic", "protoKey"])) {
    case "protoKey": {
      // Own properties named like Object.prototype's (JSON.parse makes `__proto__` one too).
      const parent = getAt(o, path.slice(0, -1));
      if (isObject(parent)) Object.assign(parent, JSON.parse(`{${JSON.stringify(pick(r, ["constructor", "toString", "__proto__", "hasOwnProperty"]))}: ${JSON.stringify(pick(r, ["v", 1, { a: 1 }]))}}`));
      break;
    }
    case "set":
      setAt(o, path, newValue(r, old));
      break;
    case "delete":
      setAt(o, path, undefined);
      break;
    case "add":
      setAt(o, [...path.slice(0, -1), `new${Math.floor(r() * 3)}`], pick(r, ["s", 1, { a: "b" }, {}, [1]]));
      break;
    case "list": {
      const lists = paths.filter((p) => Array.isArray(getAt(o, p)));
      if (!lists.length) break;
      const lp = pick(r, lists);
      const items = cloneJson(getAt(o, lp) as unknown[]);
      const i = Math.floor(r() * items.length);
      pick(r, [
        () => items.push(isObject(items[0]) ? { ...items[0], name: `n${i}`, type: `t${i}`, uid: `u${i}`, containerPort: 81 + i } : `v${i}`),
        () => items.splice(i, 1),
        () => {
          if (isObject(items[i])) (items[i] as JsonObject).extra = "e";
          else items[i] = "changed";
        },
        () => items.reverse(),
      ])();
      setAt(o, lp, items);
      break;
    }
    case "meta":
      setAt(o, ["metadata", pick(r, ["resourceVersion", "generation", "uid", "creationTimestamp", "selfLink", "labels", "name"])], pick(r, ["11", 3, undefined, { x: "y" }]));
      break;
    case "invalidItem": {
      const lists = paths.filter((p) => Array.isArray(getAt(o, p)));
      if (!lists.length) break;
      const lp = pick(r, lists);
      setAt(o, lp, [...(getAt(o, lp) as unknown[]), pick(r, [null, "str", { noKey: 1 }])]);
      break;
    }
    case "atomic":
      if (isObject(getAt(o, ["spec", "selector"]))) setAt(o, ["spec", "selector", "matchLabels", "x"], "y");
      else setAt(o, path, newValue(r, old));
      break;
  }
}

/** An edit of a field-only path the entry owns, e.g. the kubelet renewing spec.renewTime. */
function mutateOwned(r: Rand, o: JsonObject, entry: JsonObject): boolean {
  const all = ownedFieldPaths(entry.fieldsV1);
  const absent = all.filter((p) => getAt(o, p) === undefined && p.length > 1);
  if (absent.length && chance(r, 0.2)) {
    // An owned field the object lacks (dropped by admission, say) set again: its parent maps may be added too.
    setAt(o, pick(r, absent), "again");
    return true;
  }
  const owned = all.filter((p) => getAt(o, p) !== undefined && !isObject(getAt(o, p)) && !Array.isArray(getAt(o, p)));
  if (!owned.length) return false;
  const p = pick(r, owned);
  setAt(o, p, newValue(r, getAt(o, p)));
  return true;
}

// ---- histories ----

const APIVERSIONS: Record<string, string[]> = { Lease: ["coordination.k8s.io/v1", "coordination.k8s.io/v1beta1"], Deployment: ["apps/v1", "apps/v1beta2"], Pod: ["v1"] };

function resetFor(r: Rand, subresource: string): string[][] | undefined {
  if (subresource === "status") return [["spec"], ["metadata"]];
  return pick(r, [undefined, [["status"]], [["status"]], [], [["status", "conditions"]]]);
}

const safe = <T>(f: () => T): { ok: T } | { err: string } => {
  try {
    return { ok: f() };
  } catch (e) {
    return { err: `${(e as Error).name}: ${(e as Error).message}` };
  }
};

/** A live object with managedFields from a create and `steps` random writes (full path throughout). */
function history(r: Rand, base: () => JsonObject): JsonObject {
  const kind = base().kind as string;
  let clock = Math.floor(r() * 20);
  let o = updateManagedFieldsSlow({ live: undefined, updated: base(), manager: pick(r, MANAGERS.slice(0, 3)), operation: "Update", meta: schema, now: time(clock), resetFields: chance(r, 0.5) ? [["status"]] : undefined });
  const steps = Math.floor(r() * 14);
  for (let i = 0; i < steps; i++) {
    clock += pick(r, [0, 0, 1, 5, 60]);
    if (chance(r, 0.12)) {
      const applied: JsonObject = { apiVersion: o.apiVersion, kind, metadata: { name: (o.metadata as JsonObject).name, labels: { ["applied" + Math.floor(r() * 2)]: "v" } } };
      if (kind === "Lease") applied.spec = { holderIdentity: "node-1" };
      const res = applyObject({ live: o, applied, manager: pick(r, ["kubectl", "helm"]), force: true, meta: schema, now: time(clock) });
      if (res.ok) o = res.object;
      continue;
    }
    const next = cloneJson(o);
    const mf = (o.metadata as JsonObject).managedFields as JsonObject[] | undefined;
    if (mf?.length && chance(r, 0.3)) mutateOwned(r, next, pick(r, mf));
    else mutate(r, next);
    const subresource = pick(r, ["", "", "", "status"]);
    const res = safe(() =>
      updateManagedFieldsSlow({
        live: o, updated: next, manager: pick(r, MANAGERS), operation: "Update", meta: schema, now: time(clock),
        subresource, apiVersion: pick(r, APIVERSIONS[kind]!), resetFields: resetFor(r, subresource),
      }),
    );
    if ("ok" in res) o = res.ok;
  }
  return o;
}

/** Hand-made oddities in a managedFields list (returns a new list). */
function perturb(r: Rand, list: JsonObject[], clock: number): unknown {
  const l = cloneJson(list);
  const i = Math.floor(r() * l.length);
  const e = l[i]!;
  switch (pick(r, ["swap", "dup", "invalidOp", "noApiVersion", "extraKey", "keyOrder", "noTime", "fracTime", "badTime", "emptyFields", "dotLeaf", "dotRoot", "keySpelling", "fieldOrder", "subresourceEmpty", "manyUpdates", "managerNumber", "fieldsTypeOther", "notObject", "nonObjectNode", "sameSecond", "manyUpdatesInOrder", "manyUpdatesInOrder", "ownsStripped", "ownsStripped", "dupIdentityInOrder", "dupIdentityInOrder", "timeNumber"])) {
    case "swap":
      if (l.length > 1) [l[0], l[l.length - 1]] = [l[l.length - 1]!, l[0]!];
      break;
    case "dup":
      l.push(cloneJson(e));
      break;
    case "invalidOp":
      e.operation = "Patch";
      break;
    case "noApiVersion":
      e.apiVersion = "";
      break;
    case "extraKey":
      e.extra = "x";
      break;
    case "keyOrder":
      l[i] = Object.fromEntries(Object.entries(e).reverse());
      break;
    case "noTime":
      delete e.time;
      break;
    case "fracTime":
      e.time = time(clock, ".700");
      break;
    case "badTime":
      e.time = "garbage";
      break;
    case "emptyFields":
      e.fieldsV1 = {};
      break;
    case "dotLeaf": {
      const f = e.fieldsV1 as JsonObject;
      const k = Object.keys(f)[0];
      if (k) f[k] = { ".": {}, ...(f[k] as JsonObject) };
      break;
    }
    case "dotRoot":
      e.fieldsV1 = { ".": {}, ...(e.fieldsV1 as JsonObject) };
      break;
    case "keySpelling":
      e.fieldsV1 = { ...(e.fieldsV1 as JsonObject), "f:metadata": { "f:ownerReferences": { ".": {}, 'k:{"uid":"n-1", "x":1}': { ".": {}, "f:uid": {} } } } };
      break;
    case "fieldOrder":
      e.fieldsV1 = Object.fromEntries(Object.entries(e.fieldsV1 as JsonObject).reverse());
      break;
    case "subresourceEmpty":
      e.subresource = "";
      break;
    case "manyUpdates":
      for (let k = 0; k < 10; k++) l.push({ manager: `extra${k}`, operation: "Update", apiVersion: "v1", time: time(k), fieldsType: "FieldsV1", fieldsV1: { "f:metadata": { "f:annotations": { [`f:e${k}`]: {} } } } });
      break;
    case "managerNumber":
      e.manager = 7;
      break;
    case "fieldsTypeOther":
      e.fieldsType = "FieldsV2";
      break;
    case "notObject":
      l[i] = "x" as unknown as JsonObject;
      break;
    case "nonObjectNode":
      e.fieldsV1 = { ...(e.fieldsV1 as JsonObject), "f:zzz": 1 };
      break;
    case "sameSecond":
      for (const x of l) x.time = time(clock);
      break;
    case "manyUpdatesInOrder":
      // More than 10 Update entries, in stored order: only capUpdateManagers would change them.
      for (let k = 0; k < 10; k++) l.push({ manager: `extra${k}`, operation: "Update", apiVersion: "v1", time: time(k), fieldsType: "FieldsV1", fieldsV1: { "f:metadata": { "f:annotations": { [`f:e${k}`]: {} } } } });
      return canonical(l);
    case "ownsStripped": {
      // Owning a field upstream strips (imported with the body, say): a change to it takes it away.
      const f = cloneJson(e.fieldsV1 as JsonObject);
      const m = (isObject(f["f:metadata"]) ? f["f:metadata"] : (f["f:metadata"] = {})) as JsonObject;
      m[pick(r, ["f:resourceVersion", "f:generation", "f:uid", "f:name", "f:selfLink"])] = {};
      e.fieldsV1 = f;
      return canonical(l);
    }
    case "dupIdentityInOrder": {
      // Same identity twice, yet strictly in stored order (a later time; or Apply at another apiVersion).
      const d = cloneJson(e);
      if (d.operation === "Apply") d.apiVersion = `${String(d.apiVersion)}x`;
      else d.time = time(clock + 1000);
      l.push(d);
      return l.sort((a, b) => compareEntryOrder(a as unknown as ManagerInfo, b as unknown as ManagerInfo));
    }
    case "timeNumber":
      e.time = 5;
      break;
  }
  return l;
}

/** A list as the full path would store it (decoded and encoded), or as is when it does not decode. */
function canonical(l: JsonObject[]): unknown {
  try {
    return encodeManagedFields(decodeManagedFields(l)) ?? l;
  } catch {
    return l;
  }
}

/** The request body's managedFields, relative to the live ones. */
function requestedVariant(r: Rand, live: unknown, clock: number): { value?: unknown } {
  return pick(r, [
    () => ({}),
    () => ({ value: cloneJson(live) }),
    () => ({ value: cloneJson(live) }),
    () => ({ value: Array.isArray(live) ? live.map((e) => (isObject(e) ? Object.fromEntries(Object.entries(e).reverse()) : e)) : live }),
    () => ({ value: [] }),
    () => ({ value: [{}] }),
    () => ({ value: null }),
    () => ({ value: "junk" }),
    () => ({ value: [{ manager: "imported", operation: "Update", apiVersion: "v1", time: time(clock), fieldsType: "FieldsV1", fieldsV1: { "f:spec": {} } }] }),
    () => ({ value: Array.isArray(live) ? [...live].reverse() : live }),
  ])();
}

/** One generated update: a live object and a request against it. */
function generateCase(seed: number): UpdateManagedFieldsInput {
  const r = rng(seed);
  const base = pick(r, BASES);
  const kind = base().kind as string;
  let live = history(r, base);
  const clock = 20 + Math.floor(r() * 100);
  const liveMeta = live.metadata as JsonObject;
  if (chance(r, 0.25) && Array.isArray(liveMeta.managedFields) && liveMeta.managedFields.length) {
    live = { ...live, metadata: { ...liveMeta, managedFields: perturb(r, liveMeta.managedFields as JsonObject[], clock) } };
  }
  if (chance(r, 0.1)) {
    // Fields removed without tracking (as by mutating admission): owned paths the object lacks.
    live = cloneJson(live);
    const maps = valuePaths(live).filter((p) => p.length > 1 && p[0] !== "metadata" && isObject(getAt(live, p)));
    if (maps.length) setAt(live, pick(r, maps), undefined);
  }
  const mf = (live.metadata as JsonObject).managedFields;
  const entries = Array.isArray(mf) ? mf.filter(isObject) : [];
  const updated = cloneJson(live);
  delete (updated.metadata as JsonObject).managedFields;
  // Mostly the common case: an entry's own manager changes what it owns.
  const ownerEntry = entries.length && chance(r, 0.7) ? pick(r, entries) : undefined;
  const edits = pick(r, [0, 1, 1, 1, 2]);
  for (let i = 0; i < edits; i++) {
    if (ownerEntry && chance(r, 0.75)) mutateOwned(r, updated, ownerEntry);
    else mutate(r, updated);
  }
  const requested = requestedVariant(r, mf, clock);
  if ("value" in requested && isObject(updated.metadata)) updated.metadata.managedFields = requested.value;
  const subresource = ownerEntry && chance(r, 0.8) ? ((ownerEntry.subresource as string | undefined) ?? "") : pick(r, ["", "", "status", "scale"]);
  const manager = ownerEntry && chance(r, 0.85) ? String(ownerEntry.manager) : pick(r, MANAGERS);
  const apiVersion = ownerEntry && chance(r, 0.85) ? String(ownerEntry.apiVersion) : pick(r, [...APIVERSIONS[kind]!, undefined as unknown as string]);
  const now = pick(r, [time(clock), time(clock), time(0), time(clock, ".250"), "garbage", time(clock + 1)]);
  return {
    live, updated, manager, operation: "Update", meta: schema, now,
    ...(subresource || chance(r, 0.2) ? { subresource } : {}),
    ...(apiVersion !== undefined ? { apiVersion } : {}),
    ...(chance(r, 0.9) ? { resetFields: resetFor(r, subresource) } : {}),
  };
}

function runBoth(input: UpdateManagedFieldsInput): { fast: string; slow: string; hit: boolean } {
  const liveBefore = JSON.stringify(input.live);
  const updatedBefore = JSON.stringify(input.updated);
  const hits = updateFastPath.hits;
  const fast = JSON.stringify(safe(() => updateManagedFields(input)));
  const hit = updateFastPath.hits > hits;
  const slow = JSON.stringify(safe(() => updateManagedFieldsSlow(input)));
  // Neither path mutates its inputs.
  expect(JSON.stringify(input.live)).toBe(liveBefore);
  expect(JSON.stringify(input.updated)).toBe(updatedBefore);
  return { fast, slow, hit };
}

describe("updateManagedFields fast path", () => {
  test("gives exactly the full path's result over generated updates (Lease, Deployment, Pod; owners, other managers, subresources, odd managedFields)", () => {
    const N = 6000;
    let hits = 0;
    const mismatches: { seed: number; fast: string; slow: string }[] = [];
    for (let seed = 1; seed <= N; seed++) {
      const input = generateCase(seed);
      const { fast, slow, hit } = runBoth(input);
      if (hit) hits++;
      if (fast !== slow) mismatches.push({ seed, fast, slow });
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    // The generator exercises both sides of the switch substantially.
    expect(hits).toBeGreaterThan(N * 0.15);
    expect(hits).toBeLessThan(N * 0.85);
  }, 60_000);

  test("the same cases, frozen inputs (as the REST layer passes the cache's objects)", () => {
    for (let seed = 10_001; seed <= 10_500; seed++) {
      const input = generateCase(seed);
      const frozen = { ...input, live: deepFreezeJson(cloneJson(input.live)), updated: deepFreezeJson(cloneJson(input.updated)) };
      const { fast, slow } = runBoth(frozen);
      expect(fast).toBe(slow);
    }
  }, 30_000);

  test("a Lease renewal by its owner takes the fast path: only the owner's time changes, entries re-sorted", () => {
    const created = updateManagedFieldsSlow({ live: undefined, updated: lease(), manager: "kubelet", operation: "Update", meta: schema, now: time(0) });
    // Another manager, older than the renewal, owning a different field.
    const labelled = updateManagedFieldsSlow({
      live: created, updated: { ...created, metadata: { ...(created.metadata as JsonObject), labels: { a: "b" } } }, manager: "kubectl-label", operation: "Update", meta: schema, now: time(5),
    });
    expect(((labelled.metadata as JsonObject).managedFields as JsonObject[]).map((e) => e.manager)).toEqual(["kubelet", "kubectl-label"]);
    const renewed = cloneJson(labelled);
    (renewed.spec as JsonObject).renewTime = "2025-01-01T00:00:10.000000Z";
    const input: UpdateManagedFieldsInput = { live: labelled, updated: renewed, manager: "kubelet", operation: "Update", meta: schema, now: time(10), apiVersion: "coordination.k8s.io/v1" };
    const hits = updateFastPath.hits;
    const out = updateManagedFields(input);
    expect(updateFastPath.hits).toBe(hits + 1);
    expect(JSON.stringify(out)).toBe(JSON.stringify(updateManagedFieldsSlow(input)));
    const mf = (out.metadata as JsonObject).managedFields as JsonObject[];
    expect(mf.map((e) => [e.manager, e.time])).toEqual([["kubectl-label", time(5)], ["kubelet", time(10)]]);
    // Without the body's managedFields, too.
    const bare = cloneJson(renewed);
    delete (bare.metadata as JsonObject).managedFields;
    updateManagedFields({ ...input, updated: bare });
    expect(updateFastPath.hits).toBe(hits + 2);
  });

  test("a renewal by another manager, or with managedFields reset in the body, takes the full path", () => {
    const created = updateManagedFieldsSlow({ live: undefined, updated: lease(), manager: "kubelet", operation: "Update", meta: schema, now: time(0) });
    const renewed = cloneJson(created);
    (renewed.spec as JsonObject).renewTime = "2025-01-01T00:00:10.000000Z";
    const hits = updateFastPath.hits;
    for (const input of [
      { live: created, updated: renewed, manager: "other", operation: "Update" as const, meta: schema, now: time(10) },
      { live: created, updated: { ...renewed, metadata: { ...(renewed.metadata as JsonObject), managedFields: [] } }, manager: "kubelet", operation: "Update" as const, meta: schema, now: time(10) },
      { live: created, updated: renewed, manager: "kubelet", operation: "Update" as const, meta: schema, now: time(10), apiVersion: "coordination.k8s.io/v1beta1" },
    ]) {
      expect(JSON.stringify(updateManagedFields(input))).toBe(JSON.stringify(updateManagedFieldsSlow(input)));
    }
    expect(updateFastPath.hits).toBe(hits);
  });

  test("a no-op update and a resourceVersion-only change keep the list as is (no time change), by any manager", () => {
    const created = updateManagedFieldsSlow({ live: undefined, updated: lease(), manager: "kubelet", operation: "Update", meta: schema, now: time(0) });
    const bumped = cloneJson(created);
    (bumped.metadata as JsonObject).resourceVersion = "11";
    for (const updated of [created, bumped]) {
      const input: UpdateManagedFieldsInput = { live: created, updated, manager: "someone", operation: "Update", meta: schema, now: time(99) };
      const hits = updateFastPath.hits;
      const out = updateManagedFields(input);
      expect(updateFastPath.hits).toBe(hits + 1);
      expect(JSON.stringify(out)).toBe(JSON.stringify(updateManagedFieldsSlow(input)));
      expect((out.metadata as JsonObject).managedFields).toEqual((created.metadata as JsonObject).managedFields);
    }
  });
});

function deepFreezeJson<T>(v: T): T {
  if (v && typeof v === "object") {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreezeJson(x);
  }
  return v;
}
