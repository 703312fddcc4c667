// What the field manager needs to know about a field: whether a list is
// atomic, a set, or an associative list (and its keys), and whether a map is
// atomic. Supplied by the caller; PatchMeta from ../patch-meta.ts fits.

import { isObject } from "../json-value.ts";
import { serializePathElement as serializeElementKey, type PathElement } from "./path-element.ts";

export interface FieldSchemaInfo {
  strategy?: string;
  mergeKey?: string;
  /** x-kubernetes-list-type. */
  listType?: "atomic" | "set" | "map";
  /** x-kubernetes-list-map-keys. */
  mapKeys?: readonly string[];
  /** x-kubernetes-map-type / +structType=atomic (e.g. LabelSelector): replaced and owned whole. */
  mapType?: "atomic" | "granular";
}

export interface FieldManagerSchema {
  /** Field names from the object root; list items add no element. undefined = no information. */
  lookup(path: readonly string[]): FieldSchemaInfo | undefined;
}

export type ListKind = { readonly kind: "atomic" } | { readonly kind: "set" } | { readonly kind: "map"; readonly keys: readonly string[] };

const ATOMIC: ListKind = { kind: "atomic" };

/**
 * listType wins when given; otherwise a mergeKey makes an associative list
 * and strategy "merge" without key a set; everything else is atomic (the
 * upstream default for lists without x-kubernetes-list-type).
 */
export function listKindAt(schema: FieldManagerSchema, path: readonly string[]): ListKind {
  const m = schema.lookup(path);
  if (!m) return ATOMIC;
  const keys = m.mapKeys?.length ? m.mapKeys : m.mergeKey ? [m.mergeKey] : undefined;
  switch (m.listType) {
    case "atomic":
      return ATOMIC;
    case "set":
      return { kind: "set" };
    case "map":
      return keys ? { kind: "map", keys } : ATOMIC;
  }
  if (keys) return { kind: "map", keys };
  if (m.strategy?.split(",").includes("merge")) return { kind: "set" };
  return ATOMIC;
}

export function isAtomicMapAt(schema: FieldManagerSchema, path: readonly string[]): boolean {
  return schema.lookup(path)?.mapType === "atomic";
}

/** A caller-facing error (rendered as 400 BadRequest by the API server). */
export class FieldManagerError extends Error {
  override readonly name = "FieldManagerError";
}

/**
 * The element naming a list item. Associative items are keyed by the key
 * fields they carry; unlike upstream (which also fills in schema defaults),
 * a missing key field is left out, and only an item with none is an error.
 */
export function listItemElement(kind: ListKind, item: unknown): PathElement {
  if (kind.kind === "set") return { kind: "value", value: item };
  if (kind.kind !== "map") throw new Error("atomic lists have no item elements");
  if (item === null) throw new FieldManagerError("associative list with keys may not have a null element");
  if (!isObject(item)) throw new FieldManagerError("associative list with keys may not have non-map elements");
  const fields = [...kind.keys]
    .sort()
    .filter((k) => Object.hasOwn(item, k))
    .map((k) => [k, item[k]] as const);
  if (fields.length === 0) {
    throw new FieldManagerError(`associative list with keys has an element that omits key field ${JSON.stringify(kind.keys[0])} (and doesn't have default value)`);
  }
  return { kind: "key", fields };
}

/** How a value at a schema path is walked: a leaf, a granular map, or a granular list. */
export type ValueShape = { readonly kind: "leaf" } | { readonly kind: "map" } | { readonly kind: "list"; readonly list: ListKind };

export function valueShape(schema: FieldManagerSchema, path: readonly string[], v: unknown): ValueShape {
  if (isObject(v)) return isAtomicMapAt(schema, path) ? { kind: "leaf" } : { kind: "map" };
  if (Array.isArray(v)) {
    const list = listKindAt(schema, path);
    return list.kind === "atomic" ? { kind: "leaf" } : { kind: "list", list };
  }
  return { kind: "leaf" };
}

/** Items of a granular list by element identity, first occurrence wins; `dups` holds repeated identities. */
export function indexListItems(kind: ListKind, items: readonly unknown[]): { order: { key: string; pe: PathElement; item: unknown }[]; dups: Set<string> } {
  const order: { key: string; pe: PathElement; item: unknown }[] = [];
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const item of items) {
    const pe = listItemElement(kind, item);
    const key = serializeElementKey(pe);
    if (seen.has(key)) {
      dups.add(key);
      continue;
    }
    seen.add(key);
    order.push({ key, pe, item });
  }
  return { order, dups };
}
