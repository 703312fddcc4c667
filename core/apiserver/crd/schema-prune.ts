/**
 * Pruning of custom objects (apiextensions' structural pruning): fields the schema does not
 * specify are removed unless `x-kubernetes-preserve-unknown-fields` covers them. At the root and
 * in embedded resources, apiVersion, kind and metadata are always kept (metadata is checked as
 * ObjectMeta elsewhere; in embedded resources it is pruned to ObjectMeta's fields here).
 * Returns the removed paths (`spec.foo`, `spec.items[0].bar`), which is what fieldValidation reports.
 */
import type { JSONSchemaProps } from "./types.ts";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);

const OBJECT_META_FIELDS = new Set([
  "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
  "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
]);

const TYPE_META = ["apiVersion", "kind", "metadata"];

export function pruneObject(schema: JSONSchemaProps | undefined, root: Json): string[] {
  const pruned: string[] = [];
  pruneValue(schema, root, "", true, pruned);
  return pruned;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function pruneValue(schema: JSONSchemaProps | undefined, value: unknown, path: string, isResource: boolean, pruned: string[]): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = Array.isArray(schema.items) ? undefined : schema.items;
    if (items) value.forEach((v, i) => pruneValue(items, v, `${path}[${i}]`, !!items["x-kubernetes-embedded-resource"], pruned));
    return;
  }
  if (!isObject(value)) return;
  const props = schema.properties ?? {};
  const ap = schema.additionalProperties;
  const preserve = !!schema["x-kubernetes-preserve-unknown-fields"];
  for (const key of Object.keys(value)) {
    const child = join(path, key);
    if (isResource && TYPE_META.includes(key)) {
      if (key === "metadata" && path !== "" && isObject(value.metadata)) {
        for (const mk of Object.keys(value.metadata)) {
          if (!OBJECT_META_FIELDS.has(mk)) { pruned.push(`${child}.${mk}`); delete value.metadata[mk]; }
        }
      }
      continue;
    }
    const prop = props[key];
    if (prop) { pruneValue(prop, value[key], child, !!prop["x-kubernetes-embedded-resource"], pruned); continue; }
    if (ap === true) continue;
    if (ap && typeof ap === "object") { pruneValue(ap, value[key], child, !!ap["x-kubernetes-embedded-resource"], pruned); continue; }
    if (preserve) continue;
    pruned.push(child);
    delete value[key];
  }
}
