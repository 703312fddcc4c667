// Structured merge of an applied configuration into a live object (upstream
// TypedValue.Merge with "keep RHS"): maps merge key by key, granular lists
// merge item by item (keyed), leaves and atomic lists/maps take the applied
// value. Item order follows the applied config for items it mentions and
// keeps live-only items where they were.

import { cloneJson, isObject, type JsonObject } from "../json-value.ts";
import { indexListItems, valueShape, type FieldManagerSchema, type ListKind } from "./schema.ts";

/** Returns a fresh value; inputs are not mutated. Throws FieldManagerError on unkeyed items. */
export function mergeValues(live: unknown, applied: unknown, schema: FieldManagerSchema): unknown {
  return mergeAt(live, applied, [], schema);
}

function mergeAt(l: unknown, r: unknown, path: readonly string[], schema: FieldManagerSchema): unknown {
  if (r === undefined) return cloneJson(l);
  if (l === undefined) return cloneJson(r);
  const ls = valueShape(schema, path, l);
  const rs = valueShape(schema, path, r);
  if (ls.kind === "map" && rs.kind === "map" && isObject(l) && isObject(r)) {
    const out: JsonObject = {};
    for (const k of Object.keys(l)) out[k] = Object.hasOwn(r, k) ? mergeAt(l[k], r[k], [...path, k], schema) : cloneJson(l[k]);
    for (const k of Object.keys(r)) if (!Object.hasOwn(l, k)) out[k] = cloneJson(r[k]);
    return out;
  }
  if (ls.kind === "list" && rs.kind === "list" && Array.isArray(l) && Array.isArray(r)) {
    return mergeLists(l, r, ls.list, path, schema);
  }
  return cloneJson(r);
}

function mergeLists(l: readonly unknown[], r: readonly unknown[], kind: ListKind, path: readonly string[], schema: FieldManagerSchema): unknown[] {
  const lhs = indexListItems(kind, l).order;
  const rhs = indexListItems(kind, r).order;
  const lhsByKey = new Map(lhs.map((e) => [e.key, e.item]));
  const rhsKeys = new Set(rhs.map((e) => e.key));
  // Items in both lists, in applied order: the next one the live side may emit.
  const shared = rhs.filter((e) => lhsByKey.has(e.key)).map((e) => e.key);
  let sharedAt = 0;
  const emitted = new Set<string>();
  const out: unknown[] = [];
  const emitRhs = (key: string, item: unknown): void => {
    out.push(mergeAt(lhsByKey.get(key), item, path, schema));
    emitted.add(key);
    if (shared[sharedAt] === key) sharedAt++;
  };
  let li = 0;
  let ri = 0;
  while (li < lhs.length || ri < rhs.length) {
    const le = lhs[li];
    const re = rhs[ri];
    if (le && re) {
      if (le.key === re.key) {
        emitRhs(re.key, re.item);
        li++;
        ri++;
        continue;
      }
      // A shared live item that is not the next one in applied order: it is
      // emitted later, when the applied side reaches it.
      const next = shared[sharedAt];
      if (rhsKeys.has(le.key) && next !== undefined && next !== le.key) {
        li++;
        continue;
      }
    }
    if (le && (!rhsKeys.has(le.key) || emitted.has(le.key) || !re)) {
      if (!rhsKeys.has(le.key)) out.push(cloneJson(le.item));
      li++;
      continue;
    }
    if (re) {
      emitRhs(re.key, re.item);
      ri++;
    }
  }
  return out;
}
