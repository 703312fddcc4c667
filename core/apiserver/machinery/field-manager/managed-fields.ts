// metadata.managedFields <-> manager entries (upstream managedfields
// internal/managedfields.go, buildmanagerinfo.go, stripmeta.go,
// capmanagers.go). An entry is identified by manager, operation,
// subresource and, for Update only, apiVersion: an applier keeps one entry
// whatever version it applies with.

import { isObject, type JsonObject } from "../json-value.ts";
import { difference, isEmptySet, setFromFieldPaths, union, type FieldSet } from "./field-set.ts";
import { decodeFieldsV1, encodeFieldsV1 } from "./fields-v1.ts";

export type Operation = "Apply" | "Update";

export interface ManagerInfo {
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion: string;
  readonly subresource?: string;
}

export interface ManagerEntry extends ManagerInfo {
  /** RFC 3339, as stored; undefined when upstream would leave it unset. */
  readonly time?: string;
  readonly set: FieldSet;
}

/** Entries by managerIdentity. */
export type Managed = Map<string, ManagerEntry>;

/**
 * Upstream BuildManagerIdentifier: the JSON of the entry without fields,
 * time and (for Apply) apiVersion. Also the sort key for conflict messages.
 */
export function managerIdentity(m: ManagerInfo): string {
  const id: Record<string, string> = { manager: m.manager, operation: m.operation };
  if (m.operation === "Update" && m.apiVersion) id.apiVersion = m.apiVersion;
  if (m.subresource) id.subresource = m.subresource;
  return JSON.stringify(id);
}

/** Decodes metadata.managedFields; throws Error with upstream's messages on invalid entries. */
export function decodeManagedFields(list: unknown): Managed {
  const out: Managed = new Map();
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) throw new Error("managedFields must be a list");
  list.forEach((raw, i) => {
    const e: JsonObject = isObject(raw) ? raw : {};
    const operation = e.operation;
    if (operation !== "Apply" && operation !== "Update") throw new Error("operation must be `Apply` or `Update`");
    if (typeof e.apiVersion !== "string" || e.apiVersion.length < 1) throw new Error("apiVersion must not be empty");
    if (e.fieldsType === undefined || e.fieldsType === "") throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== "FieldsV1") throw new Error(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`);
    const entry: ManagerEntry = {
      manager: typeof e.manager === "string" ? e.manager : "",
      operation,
      apiVersion: e.apiVersion,
      ...(typeof e.subresource === "string" && e.subresource ? { subresource: e.subresource } : {}),
      ...(typeof e.time === "string" ? { time: e.time } : {}),
      set: decodeFieldsV1(e.fieldsV1 ?? {}),
    };
    out.set(managerIdentity(entry), entry);
  });
  return out;
}

const seconds = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Upstream's stored order of entries: operation, time in seconds, manager,
 * apiVersion, subresource. Entries of different identities never compare
 * equal, so the sorted order of a set of entries is unique.
 */
export function compareEntryOrder(p: ManagerInfo & { readonly time?: string }, q: ManagerInfo & { readonly time?: string }): number {
  return (
    cmp(p.operation, q.operation) ||
    seconds(p.time) - seconds(q.time) ||
    cmp(p.manager, q.manager) ||
    cmp(p.apiVersion, q.apiVersion) ||
    cmp(p.subresource ?? "", q.subresource ?? "")
  );
}

/**
 * Entries in upstream's stored order (compareEntryOrder) and field order;
 * undefined when there are none.
 */
export function encodeManagedFields(managed: Managed): JsonObject[] | undefined {
  if (managed.size === 0) return undefined;
  const entries = [...managed.values()].sort(compareEntryOrder);
  return entries.map((e) => {
    const o: JsonObject = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time !== undefined) o.time = e.time;
    o.fieldsType = "FieldsV1";
    o.fieldsV1 = encodeFieldsV1(e.set);
    if (e.subresource) o.subresource = e.subresource;
    return o;
  });
}

/**
 * Upstream isResetManagedFields: a non-nil empty list, or a list of one empty
 * entry, asks to clear all managedFields.
 */
export function isResetManagedFields(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  if (list.length === 0) return true;
  return list.length === 1 && isObject(list[0]) && Object.keys(list[0]).length === 0;
}

/** Paths upstream never records as owned (stripmeta.go); removed exactly, not recursively. */
export const STRIPPED_FIELD_PATHS: readonly (readonly string[])[] = Object.freeze([
  ["apiVersion"],
  ["kind"],
  ["metadata"],
  ["metadata", "name"],
  ["metadata", "namespace"],
  ["metadata", "creationTimestamp"],
  ["metadata", "selfLink"],
  ["metadata", "uid"],
  ["metadata", "clusterName"],
  ["metadata", "generation"],
  ["metadata", "managedFields"],
  ["metadata", "resourceVersion"],
]);

/** STRIPPED_FIELD_PATHS as a set, built once. Shared: never pass it where a set is mutated. */
export const STRIPPED_FIELD_SET: FieldSet = setFromFieldPaths(STRIPPED_FIELD_PATHS);

/** Sets `key`'s fields minus STRIPPED_FIELDS; drops the entry if nothing is left. */
export function stripMetaFields(managed: Managed, key: string): void {
  const e = managed.get(key);
  if (!e) return;
  const set = difference(e.set, STRIPPED_FIELD_SET);
  if (isEmptySet(set)) managed.delete(key);
  else managed.set(key, { ...e, set });
}

/** Upstream DefaultMaxUpdateManagers. */
export const MAX_UPDATE_MANAGERS = 10;

/**
 * Upstream capManagersManager: while there are more than `max` Update
 * entries, the oldest are merged, per apiVersion, into an
 * "ancient-changes" entry.
 */
export function capUpdateManagers(managed: Managed, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...managed.entries()].filter(([, e]) => e.operation === "Update");
  if (updaters.length <= max) return;
  updaters.sort(([ka, a], [kb, b]) => seconds(a.time) - seconds(b.time) || cmp(ka, kb));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (const [key, e] of updaters) {
    if (length <= max) break;
    const bucketInfo: ManagerInfo = { manager: "ancient-changes", operation: "Update", apiVersion: e.apiVersion };
    const bucket = managerIdentity(bucketInfo);
    const first = firstByVersion.get(e.apiVersion);
    if (first === undefined) {
      firstByVersion.set(e.apiVersion, key);
      continue;
    }
    if (!managed.has(bucket)) {
      const f = managed.get(first);
      managed.delete(first);
      if (f) managed.set(bucket, { ...bucketInfo, set: f.set });
    }
    const b = managed.get(bucket);
    managed.set(bucket, { ...bucketInfo, ...(e.time !== undefined ? { time: e.time } : {}), set: union(e.set, b?.set ?? e.set) });
    managed.delete(key);
    length--;
  }
}
