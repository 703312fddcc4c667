// Field-level difference of two values (upstream TypedValue.Compare):
// leaves (scalars, nulls, atomic lists/maps, and maps/lists empty on both
// sides) are added, removed or modified; a granular map, list or list item
// is itself added or removed when it is absent on one side.

import { isObject, jsonEqual } from "../json-value.ts";
import { emptySet, insertKeyedPath, recursiveDifference, recursiveDifferenceInPlace, type FieldSet } from "./field-set.ts";
import type { PathElement } from "./path-element.ts";
import { indexListItems, valueShape, type FieldManagerSchema, type ValueShape } from "./schema.ts";

export interface Comparison {
  readonly added: FieldSet;
  readonly removed: FieldSet;
  readonly modified: FieldSet;
}

/** Compares `lhs` (before) with `rhs` (after). Throws FieldManagerError on unkeyed items. */
export function compareValues(lhs: unknown, rhs: unknown, schema: FieldManagerSchema): Comparison {
  const c: Comparison = { added: emptySet(), removed: emptySet(), modified: emptySet() };
  walk(c, [], [], [], lhs, rhs, schema);
  return c;
}

/**
 * excludeFromComparison for a comparison the caller owns (fresh from compareValues): its sets
 * are edited in place and returned.
 */
export function excludeFromOwnComparison(c: Comparison, exclude: FieldSet): Comparison {
  recursiveDifferenceInPlace(c.added, exclude);
  recursiveDifferenceInPlace(c.removed, exclude);
  recursiveDifferenceInPlace(c.modified, exclude);
  return c;
}

/** The comparison without any path at or below a member of `exclude`. */
export function excludeFromComparison(c: Comparison, exclude: FieldSet): Comparison {
  return {
    added: recursiveDifference(c.added, exclude),
    removed: recursiveDifference(c.removed, exclude),
    modified: recursiveDifference(c.modified, exclude),
  };
}

/** Absent, `[]` or `{}`: two of these compare as one leaf (also used by update-fast-path.ts). */
function isEmptyContainer(v: unknown): boolean {
  return v === undefined || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}

/**
 * How the comparison treats the pair (before `l`, after `r`) at `schemaPath`: undefined for a leaf
 * (scalars, nulls, atomic values, values whose shape changed, containers empty on both sides),
 * else the granular map or list shape to walk into.
 */
export function comparedShape(schema: FieldManagerSchema, schemaPath: readonly string[], l: unknown, r: unknown): Exclude<ValueShape, { kind: "leaf" }> | undefined {
  const ls = l === undefined ? undefined : valueShape(schema, schemaPath, l);
  const rs = r === undefined ? undefined : valueShape(schema, schemaPath, r);
  const shape = ls ?? rs;
  const sameShape = !ls || !rs || ls.kind === rs.kind;
  if (!shape || shape.kind === "leaf" || !sameShape || (isEmptyContainer(l) && isEmptyContainer(r))) return undefined;
  return shape;
}

/** `keys[i]` is serializePathElement(path[i]) (so sets are built without re-serializing). */
function walk(c: Comparison, path: PathElement[], keys: string[], schemaPath: readonly string[], l: unknown, r: unknown, schema: FieldManagerSchema): void {
  const shape = comparedShape(schema, schemaPath, l, r);
  if (!shape) {
    if (l === undefined) insertKeyedPath(c.added, path, keys);
    else if (r === undefined) insertKeyedPath(c.removed, path, keys);
    else if (!jsonEqual(l, r)) insertKeyedPath(c.modified, path, keys);
    return;
  }
  if (shape.kind === "map") {
    const lm = isObject(l) ? l : {};
    const rm = isObject(r) ? r : {};
    const keySet = new Set([...Object.keys(lm), ...Object.keys(rm)]);
    for (const k of keySet) {
      if (lm[k] === undefined && rm[k] === undefined) continue;
      walk(c, [...path, { kind: "field", name: k }], [...keys, `f:${k}`], [...schemaPath, k], lm[k], rm[k], schema);
    }
  } else if (shape.kind === "list") {
    const li = indexListItems(shape.list, Array.isArray(l) ? l : []).order;
    const ri = indexListItems(shape.list, Array.isArray(r) ? r : []).order;
    const rByKey = new Map(ri.map((e) => [e.key, e]));
    const lKeys = new Set(li.map((e) => e.key));
    // e.key is serializePathElement(e.pe) (indexListItems).
    for (const e of li) walk(c, [...path, e.pe], [...keys, e.key], schemaPath, e.item, rByKey.get(e.key)?.item, schema);
    for (const e of ri) if (!lKeys.has(e.key)) walk(c, [...path, e.pe], [...keys, e.key], schemaPath, undefined, e.item, schema);
  }
  if (path.length === 0) return;
  if (l === undefined) insertKeyedPath(c.added, path, keys);
  else if (r === undefined) insertKeyedPath(c.removed, path, keys);
}
