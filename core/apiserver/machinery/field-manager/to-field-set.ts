// The set of fields a value mentions (upstream typed ToFieldSet): every
// scalar, null, empty map, atomic list/map and list item; granular maps
// contribute only their contents.

import { isObject } from "../json-value.ts";
import { childFor, emptySet, isEmptySet, type FieldSet } from "./field-set.ts";
import { indexListItems, valueShape, type FieldManagerSchema, type ListKind } from "./schema.ts";

/** Throws FieldManagerError for an associative-list item without keys. */
export function toFieldSet(value: unknown, schema: FieldManagerSchema): FieldSet {
  const root = emptySet();
  if (isObject(value)) walkMap(root, value, [], schema);
  return root;
}

function walkValue(node: FieldSet, v: unknown, path: readonly string[], schema: FieldManagerSchema): void {
  const shape = valueShape(schema, path, v);
  if (shape.kind === "map" && isObject(v)) {
    if (Object.keys(v).length === 0) node.member = true;
    else walkMap(node, v, path, schema);
  } else if (shape.kind === "list" && Array.isArray(v)) {
    walkList(node, v, path, shape.list, schema);
  } else {
    node.member = true;
  }
}

function walkMap(node: FieldSet, m: Record<string, unknown>, path: readonly string[], schema: FieldManagerSchema): void {
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) continue;
    const child = childFor(node, { kind: "field", name: k });
    walkValue(child, v, [...path, k], schema);
    if (isEmptySet(child)) node.children.delete(`f:${k}`);
  }
}

function walkList(node: FieldSet, items: readonly unknown[], path: readonly string[], kind: ListKind, schema: FieldManagerSchema): void {
  const { order, dups } = indexListItems(kind, items);
  for (const { pe, key, item } of order) {
    const child = childFor(node, pe);
    child.member = true;
    // Upstream tracks a duplicated item only as a member, not its contents.
    if (!dups.has(key) && isObject(item) && kind.kind === "map") walkMap(child, item, path, schema);
  }
}
