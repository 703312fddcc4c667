// A shortcut through updateManagedFields (update.ts) for its commonest case:
// a writer that changes only fields its own Update entry already owns, and
// no other entry owns (e.g. the kubelet renewing its node Lease: only
// `spec.renewTime` changes, owned by the kubelet's entry since the create).
// The full path (decode every entry, compare, release, cap, encode) then
// gives back the live managedFields with that entry's time set to `now` and
// the entries re-sorted; this file proves the case on the raw JSON and builds
// that list directly. Every condition below is one under which the full
// path's result is known exactly; in any other case the answer is undefined
// and the caller runs the full path, so the two never disagree
// (update-fast-path.test.ts runs both over many generated cases).
//
// Contract on inputs (as for updateManagedFields): plain JSON values (what
// JSON.parse returns), with no `__proto__` or other Object.prototype keys
// honoured (any such key makes this path decline).

import { cloneJson, isObject, jsonEqual, type JsonObject } from "../json-value.ts";
import { comparedShape } from "./compare.ts";
import { hasPath, setFromFieldPaths, type FieldSet } from "./field-set.ts";
import { compareEntryOrder, managerIdentity, MAX_UPDATE_MANAGERS, STRIPPED_FIELD_SET, type ManagerInfo } from "./managed-fields.ts";
import { comparePathElements, parsePathElement, serializePathElement, type PathElement } from "./path-element.ts";
import { listItemElement, valueShape, type FieldManagerSchema, type ListKind } from "./schema.ts";

/**
 * How many updates the fast path answered (tests read it to tell which path ran; the full path
 * alone is updateManagedFieldsSlow).
 */
export const updateFastPath = { hits: 0 };

export interface FastUpdateInput {
  /** The stored object (not mutated). */
  readonly live: JsonObject;
  /** Copy of the object about to be stored, with metadata an object and no metadata.managedFields. */
  readonly out: JsonObject;
  /** metadata.managedFields of the request body, as sent. */
  readonly requested: unknown;
  /** A write through a subresource: `requested` is ignored. */
  readonly isSubresource: boolean;
  /** The writer's entry identity (update.ts updateManagerInfo). */
  readonly info: ManagerInfo;
  readonly now: string;
  readonly schema: FieldManagerSchema;
  readonly resetFields: readonly (readonly string[])[] | undefined;
}

/**
 * The managedFields list the full path would store for this update, when the
 * update is provably one that (1) keeps the live entries (no usable
 * managedFields in the body), (2) finds them in the form the full path writes
 * them (so re-encoding changes nothing), (3) changes, adds and removes
 * nothing inside granular lists and removes nothing, and (4) changes only
 * fields owned by the writer's own entry alone, or stripped fields owned by
 * no one. Otherwise (and on any error) undefined. The result shares nothing
 * with the inputs.
 */
export function fastUpdateManagedFields(input: FastUpdateInput): JsonObject[] | undefined {
  try {
    return tryFastUpdate(input);
  } catch {
    // Anything unexpected (an invalid associative list item, a malformed key, ...): the full path decides.
    return undefined;
  }
}

function tryFastUpdate(input: FastUpdateInput): JsonObject[] | undefined {
  const liveMeta = input.live.metadata;
  if (!isObject(liveMeta)) return undefined;
  const list = liveMeta.managedFields;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  if (!input.isSubresource && !keepsLiveManagedFields(input.requested, list)) return undefined;
  const canonical = canonicalEntries(list);
  if (!canonical) return undefined;
  const { entries, identities } = canonical;
  const reset = setFromFieldPaths(input.resetFields ?? []);
  const changed = changedFieldPaths(liveWithoutManagedFields(input.live, liveMeta), input.out, input.schema, reset);
  if (!changed) return undefined;
  const own = identities.indexOf(managerIdentity(input.info));
  const takes = ownsChangesAlone(entries, own, changed);
  if (takes === undefined) return undefined;
  return restamped(entries, takes ? own : -1, input.now);
}

/**
 * Whether the full path's decodeForUpdate would use the live list for a
 * main-resource write: the body sent none (absent or null) or the same list
 * (jsonEqual, so it decodes to the same entries). `[]`, `[{}]`, other lists
 * and undecodable values are left to the full path.
 */
function keepsLiveManagedFields(requested: unknown, live: readonly unknown[]): boolean {
  return requested === undefined || requested === null || jsonEqual(requested, live);
}

/** A managedFields entry exactly as encodeManagedFields writes it. */
type CanonicalEntry = JsonObject & ManagerInfo & { readonly time?: string; readonly fieldsV1: JsonObject };

/**
 * The live entries (and their managerIdentity, index for index) when
 * decoding and re-encoding them (decodeManagedFields, releaseFields dropping
 * empty entries, capUpdateManagers, encodeManagedFields) would give back
 * `list` unchanged: every entry canonical (canonicalEntry), identities
 * distinct, entries strictly in compareEntryOrder, at most
 * MAX_UPDATE_MANAGERS Update entries. Else undefined.
 */
function canonicalEntries(list: readonly unknown[]): { entries: CanonicalEntry[]; identities: string[] } | undefined {
  const entries: CanonicalEntry[] = [];
  const identities: string[] = [];
  let updates = 0;
  for (const raw of list) {
    const e = canonicalEntry(raw);
    if (!e) return undefined;
    const prev = entries[entries.length - 1];
    if (prev && compareEntryOrder(prev, e) >= 0) return undefined;
    const id = managerIdentity(e);
    if (identities.includes(id)) return undefined;
    if (e.operation === "Update") updates++;
    entries.push(e);
    identities.push(id);
  }
  return updates <= MAX_UPDATE_MANAGERS ? { entries, identities } : undefined;
}

/**
 * `raw` when it is what encodeManagedFields writes for the entry
 * decodeManagedFields reads from it: keys exactly manager, operation,
 * apiVersion, [time], fieldsType, fieldsV1, [subresource] in that order, each
 * of the type decoding keeps as is (a non-empty subresource, a string time),
 * and a canonical non-empty fieldsV1. Else undefined.
 */
function canonicalEntry(raw: unknown): CanonicalEntry | undefined {
  if (!isObject(raw)) return undefined;
  const { manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource } = raw;
  if (typeof manager !== "string") return undefined;
  if (operation !== "Apply" && operation !== "Update") return undefined;
  if (typeof apiVersion !== "string" || apiVersion === "") return undefined;
  if (time !== undefined && typeof time !== "string") return undefined;
  if (fieldsType !== "FieldsV1") return undefined;
  if (subresource !== undefined && (typeof subresource !== "string" || subresource === "")) return undefined;
  const expected = ["manager", "operation", "apiVersion"];
  if (time !== undefined) expected.push("time");
  expected.push("fieldsType", "fieldsV1");
  if (subresource !== undefined) expected.push("subresource");
  const keys = Object.keys(raw);
  if (keys.length !== expected.length || keys.some((k, i) => k !== expected[i])) return undefined;
  if (!isCanonicalFieldsV1(fieldsV1, true)) return undefined;
  return raw as CanonicalEntry;
}

/**
 * Whether encodeFieldsV1(decodeFieldsV1(v)) is `v`, key order included, and
 * (at the root) the set is not empty: every node an object; a leaf is `{}`;
 * `".": {}` only first, only below the root, and only beside children; every
 * other key the canonical spelling of its element, keys strictly in
 * comparePathElements order.
 */
function isCanonicalFieldsV1(v: unknown, root: boolean): boolean {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  if (keys.length === 0) return !root;
  let i = 0;
  if (keys[0] === ".") {
    if (root || keys.length < 2 || !isEmptyObject(v["."])) return false;
    i = 1;
  }
  let prev: PathElement | undefined;
  for (; i < keys.length; i++) {
    const key = keys[i]!;
    const pe = canonicalElement(key);
    if (!pe || (prev && comparePathElements(prev, pe) >= 0)) return false;
    if (!isCanonicalFieldsV1(v[key], false)) return false;
    prev = pe;
  }
  return true;
}

function isEmptyObject(v: unknown): boolean {
  return isObject(v) && Object.keys(v).length === 0;
}

/** The element `key` spells, if `key` is its canonical (serializePathElement) spelling. Throws on malformed keys. */
function canonicalElement(key: string): PathElement | undefined {
  if (key.startsWith("f:")) return { kind: "field", name: key.slice(2) };
  const pe = parsePathElement(key);
  return serializePathElement(pe) === key ? pe : undefined;
}

/** `live` with metadata minus managedFields (shallow copies; what the full path compares from). */
function liveWithoutManagedFields(live: JsonObject, liveMeta: JsonObject): JsonObject {
  const { managedFields: _, ...meta } = liveMeta;
  return { ...live, metadata: meta };
}

/**
 * The paths compareValues(before, after) minus `reset` (compareForOwnership)
 * reports as added or modified, each made of field names only; undefined
 * when it would report a removal, a change inside a granular list, a path
 * that is not fields only, or would throw. Walks as compare.ts walks
 * (same valueShape, same leaves), and checks every granular list it would
 * index, including those under reset fields, so that a comparison that would
 * throw (then the full path keeps the live managedFields) is never answered.
 */
function changedFieldPaths(before: JsonObject, after: JsonObject, schema: FieldManagerSchema, reset: FieldSet): string[][] | undefined {
  const changed: string[][] = [];
  return scanPair(changed, [], before, after, reset, schema) ? changed : undefined;
}

/**
 * One step of compare.ts `walk` at field path `path`: pushes added/modified
 * paths to `changed`; false to decline. `reset` is the reset set's node at
 * `path` (undefined when no reset field lies below).
 */
function scanPair(changed: string[][], path: string[], l: unknown, r: unknown, reset: FieldSet | undefined, schema: FieldManagerSchema): boolean {
  const shape = comparedShape(schema, path, l, r);
  if (!shape) {
    if (l !== undefined && r === undefined) return false; // removed
    if (l === undefined || !jsonEqual(l, r)) return recordChange(changed, path);
    return true;
  }
  if (shape.kind === "list") {
    // Added, removed or changed lists (their items are owned by key or value): the full path decides.
    if (l === undefined || r === undefined || !jsonEqual(l, r)) return false;
    return checkListItems(shape.list, l as unknown[], path, schema);
  }
  const lm = isObject(l) ? l : {};
  const rm = isObject(r) ? r : {};
  for (const k of Object.keys(lm)) {
    if (!scanField(changed, path, k, lm[k], rm[k], reset, schema)) return false;
  }
  for (const k of Object.keys(rm)) {
    if (Object.hasOwn(lm, k)) continue;
    if (!scanField(changed, path, k, undefined, rm[k], reset, schema)) return false;
  }
  if (l === undefined) return recordChange(changed, path); // an added map is itself added
  if (r === undefined) return false; // removed
  return true;
}

/** The map step of scanPair for field `k`; a reset field's subtree is only checked, never reported. */
function scanField(changed: string[][], path: string[], k: string, l: unknown, r: unknown, reset: FieldSet | undefined, schema: FieldManagerSchema): boolean {
  if (k in Object.prototype) return false; // `__proto__`, `constructor`, ...: not worth mirroring
  if (l === undefined && r === undefined) return true;
  const childPath = [...path, k];
  const childReset = reset?.children.get(`f:${k}`)?.set;
  if (childReset?.member) return checkValue(l, childPath, schema) && checkValue(r, childPath, schema);
  return scanPair(changed, childPath, l, r, childReset, schema);
}

/** Records a changed path (compare ignores the empty path; decline it rather than mirror that). */
function recordChange(changed: string[][], path: string[]): boolean {
  if (path.length === 0) return false;
  changed.push(path);
  return true;
}

/**
 * Whether compare.ts, walking `v` (against anything) at `path`, could not
 * throw: every granular list item below names an element (listItemElement
 * throws on invalid associative items, caught by fastUpdateManagedFields),
 * and no Object.prototype key. Visits every value compare could visit.
 */
function checkValue(v: unknown, path: string[], schema: FieldManagerSchema): boolean {
  if (v === undefined) return true;
  const shape = valueShape(schema, path, v);
  if (shape.kind === "leaf") return true;
  if (shape.kind === "list") return checkListItems(shape.list, v as unknown[], path, schema);
  const m = v as JsonObject;
  for (const k of Object.keys(m)) {
    if (k in Object.prototype) return false;
    if (!checkValue(m[k], [...path, k], schema)) return false;
  }
  return true;
}

function checkListItems(list: ListKind, items: readonly unknown[], path: string[], schema: FieldManagerSchema): boolean {
  for (const item of items) {
    listItemElement(list, item);
    if (!checkValue(item, path, schema)) return false;
  }
  return true;
}

/** Whether the raw (canonical) FieldsV1 `fieldsV1` has `path` (field names) as a member. */
function ownsFieldPath(fieldsV1: JsonObject, path: readonly string[]): boolean {
  let node: JsonObject = fieldsV1;
  for (const name of path) {
    const next = node[`f:${name}`];
    if (!Object.hasOwn(node, `f:${name}`) || !isObject(next)) return false;
    node = next;
  }
  return Object.hasOwn(node, ".") || Object.keys(node).length === 0;
}

/**
 * What recordUpdate would do with `changed` (added or modified paths), when
 * it only moves fields back to where they were: true when entries[own] takes
 * something (its time then becomes `now`), false when nothing is taken
 * (every path stripped), undefined when ownership would move (a path owned by
 * another entry, not owned by the writer's entry, or a stripped path owned
 * by anyone, which releaseFields would take away).
 */
function ownsChangesAlone(entries: readonly CanonicalEntry[], own: number, changed: readonly string[][]): boolean | undefined {
  let takes = false;
  for (const path of changed) {
    if (hasPath(STRIPPED_FIELD_SET, path.map((name) => ({ kind: "field" as const, name })))) {
      if (entries.some((e) => ownsFieldPath(e.fieldsV1, path))) return undefined;
      continue;
    }
    if (own < 0 || !ownsFieldPath(entries[own]!.fieldsV1, path)) return undefined;
    if (entries.some((e, i) => i !== own && ownsFieldPath(e.fieldsV1, path))) return undefined;
    takes = true;
  }
  return takes;
}

/**
 * Copies of `entries`, entries[stamp] (if stamp >= 0) with time `now` in
 * encodeManagedFields' key order, sorted as encodeManagedFields sorts.
 */
function restamped(entries: readonly CanonicalEntry[], stamp: number, now: string): JsonObject[] {
  if (stamp < 0) return entries.map((e) => cloneJson(e));
  const out: CanonicalEntry[] = entries.map((e, i) => (i === stamp ? withTime(e, now) : cloneJson(e)));
  return out.sort(compareEntryOrder);
}

function withTime(e: CanonicalEntry, now: string): CanonicalEntry {
  const o: JsonObject = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: now, fieldsType: "FieldsV1", fieldsV1: cloneJson(e.fieldsV1) };
  if (e.subresource) o.subresource = e.subresource;
  return o as CanonicalEntry;
}
