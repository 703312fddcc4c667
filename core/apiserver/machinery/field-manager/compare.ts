// Field-level difference of two values (upstream TypedValue.Compare):
// leaves (scalars, nulls, atomic lists/maps, and maps/lists empty on both
// sides) are added, removed or modified; a granular map, list or list item
// is itself added or removed when it is absent on one side.

import { isObject, jsonEqual } from "../json-value.ts";
import { emptySet, insertPath, recursiveDifference, type FieldSet } from "./field-set.ts";
import type { PathElement } from "./path-element.ts";
import { indexListItems, valueShape, type FieldManagerSchema } from "./schema.ts";

export interface Comparison {
  readonly added: FieldSet;
  readonly removed: FieldSet;
  readonly modified: FieldSet;
}

/** Compares `lhs` (before) with `rhs` (after). Throws FieldManagerError on unkeyed items. */
export function compareValues(lhs: unknown, rhs: unknown, schema: FieldManagerSchema): Comparison {
  const c: Comparison = { added: emptySet(), removed: emptySet(), modified: emptySet() };
  walk(c, [], [], lhs, rhs, schema);
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

function isEmptyContainer(v: unknown): boolean {
  return v === undefined || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}

function walk(c: Comparison, path: PathElement[], schemaPath: readonly string[], l: unknown, r: unknown, schema: FieldManagerSchema): void {
  const ls = l === undefined ? undefined : valueShape(schema, schemaPath, l);
  const rs = r === undefined ? undefined : valueShape(schema, schemaPath, r);
  const shape = ls ?? rs;
  const sameShape = !ls || !rs || ls.kind === rs.kind;
  const leaf = !shape || shape.kind === "leaf" || !sameShape || (isEmptyContainer(l) && isEmptyContainer(r));
  if (leaf) {
    if (l === undefined) insertPath(c.added, path);
    else if (r === undefined) insertPath(c.removed, path);
    else if (!jsonEqual(l, r)) insertPath(c.modified, path);
    return;
  }
  if (shape.kind === "map") {
    const lm = isObject(l) ? l : {};
    const rm = isObject(r) ? r : {};
    const keys = new Set([...Object.keys(lm), ...Object.keys(rm)]);
    for (const k of keys) {
      if (lm[k] === undefined && rm[k] === undefined) continue;
      walk(c, [...path, { kind: "field", name: k }], [...schemaPath, k], lm[k], rm[k], schema);
    }
  } else if (shape.kind === "list") {
    const li = indexListItems(shape.list, Array.isArray(l) ? l : []).order;
    const ri = indexListItems(shape.list, Array.isArray(r) ? r : []).order;
    const rByKey = new Map(ri.map((e) => [e.key, e]));
    const lKeys = new Set(li.map((e) => e.key));
    for (const e of li) walk(c, [...path, e.pe], schemaPath, e.item, rByKey.get(e.key)?.item, schema);
    for (const e of ri) if (!lKeys.has(e.key)) walk(c, [...path, e.pe], schemaPath, undefined, e.item, schema);
  }
  if (path.length === 0) return;
  if (l === undefined) insertPath(c.added, path);
  else if (r === undefined) insertPath(c.removed, path);
}
