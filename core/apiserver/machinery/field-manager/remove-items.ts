// Removal of the fields and items a set names (upstream RemoveItems): a
// member path is removed with everything below it; atomic values are never
// entered.

import { cloneJson, isObject, type JsonObject } from "../json-value.ts";
import type { FieldSet } from "./field-set.ts";
import { serializePathElement } from "./path-element.ts";
import { listItemElement, valueShape, type FieldManagerSchema } from "./schema.ts";

/** Returns a fresh value without the member paths of `set`. */
export function removeItems(value: unknown, set: FieldSet, schema: FieldManagerSchema): unknown {
  return removeAt(value, set, [], schema);
}

function removeAt(v: unknown, set: FieldSet, schemaPath: readonly string[], schema: FieldManagerSchema): unknown {
  if (set.children.size === 0) return cloneJson(v);
  const shape = valueShape(schema, schemaPath, v);
  if (shape.kind === "map" && isObject(v)) {
    const out: JsonObject = {};
    for (const [k, cv] of Object.entries(v)) {
      const child = set.children.get(`f:${k}`);
      if (child?.set.member) continue;
      out[k] = child ? removeAt(cv, child.set, [...schemaPath, k], schema) : cloneJson(cv);
    }
    return out;
  }
  if (shape.kind === "list" && Array.isArray(v)) {
    const out: unknown[] = [];
    for (const item of v) {
      const child = set.children.get(serializePathElement(listItemElement(shape.list, item)));
      if (child?.set.member) continue;
      out.push(child ? removeAt(item, child.set, schemaPath, schema) : cloneJson(item));
    }
    return out;
  }
  return cloneJson(v);
}
