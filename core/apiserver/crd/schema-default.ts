/**
 * Defaulting of custom objects from `default:` in the schema (apiextensions' structural
 * defaulting): a missing field, or a null one that may not be null, takes a copy of its default;
 * defaults apply top-down, so defaults inside a defaulted object apply too. Nulls of non-nullable
 * fields without a default are dropped. Mutates the value it is given.
 */
import type { JSONSchemaProps } from "./types.ts";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);

export function applyDefaults(schema: JSONSchemaProps | undefined, value: unknown): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = Array.isArray(schema.items) ? undefined : schema.items;
    if (items) for (const v of value) applyDefaults(items, v);
    return;
  }
  if (!isObject(value)) return;
  const props = schema.properties ?? {};
  for (const [k, prop] of Object.entries(props)) {
    const cur = value[k];
    if (prop.default !== undefined && (!(k in value) || (cur === null && !prop.nullable))) value[k] = structuredClone(prop.default);
    else if (cur === null && !prop.nullable) delete value[k];
  }
  const ap = typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
  for (const [k, v] of Object.entries(value)) {
    const prop = props[k];
    if (prop) applyDefaults(prop, v);
    else if (ap) applyDefaults(ap, v);
  }
}
