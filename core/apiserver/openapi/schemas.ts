/**
 * OpenAPI v3 component schemas derived from the SDK's API declarations, named as upstream
 * (`io.k8s.api.core.v1.Pod`, `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`, ...), with the
 * Kubernetes extensions kubectl reads (group-version-kind, patch strategy and merge key, list
 * and map types, int-or-string). For use by the per-group-version OpenAPI documents.
 */
import { BUILTIN_API, type ApiRegistry, type FieldSpec, type ObjectTypeSpec, type ScalarName, type TypeExpr } from "@lite/sdk";
import type { SchemaObject } from "./schema-object.ts";

export type { SchemaObject } from "./schema-object.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Component names and schemas of the special scalar types. */
const SCALAR_COMPONENTS: Partial<Record<ScalarName, [string, SchemaObject]>> = {
  Time: [`${META}.Time`, { type: "string", format: "date-time", description: "A timestamp in RFC 3339 form, to the second (UTC)." }],
  MicroTime: [`${META}.MicroTime`, { type: "string", format: "date-time", description: "A timestamp in RFC 3339 form with microseconds." }],
  FieldsV1: [`${META}.FieldsV1`, { type: "object", description: "A set of fields, in the server-side apply fields format." }],
  IntOrString: ["io.k8s.apimachinery.pkg.util.intstr.IntOrString", {
    description: "An integer or a string (for example a port number or a port name, a count or a percentage).",
    format: "int-or-string", "x-kubernetes-int-or-string": true, oneOf: [{ type: "integer" }, { type: "string" }],
  }],
  Quantity: ["io.k8s.apimachinery.pkg.api.resource.Quantity", {
    description: "A fixed-point quantity such as `100m`, `1.5`, `64Mi` or `2G` (a JSON number is also accepted).",
    oneOf: [{ type: "string" }, { type: "number" }],
  }],
  RawExtension: ["io.k8s.apimachinery.pkg.runtime.RawExtension", { type: "object", description: "An embedded object of any kind, as JSON." }],
  JSON: ["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON", {
    description: "Any JSON value.", "x-kubernetes-preserve-unknown-fields": true,
  }],
};

const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` });

/**
 * Component schemas needed by one group-version: its kinds (and their lists), every type they
 * reach, and meta/v1 DeleteOptions and Status. Kinds carry x-kubernetes-group-version-kind;
 * DeleteOptions and Status carry this group-version's GVK too.
 */
export function openapiSchemasFor(group: string, version: string, registry: ApiRegistry = BUILTIN_API): Record<string, SchemaObject> {
  const out: Record<string, SchemaObject> = {};
  const pending: string[] = [];
  const want = (key: string) => pending.push(key);
  for (const t of registry.kindsOf(group, version)) want(t.key);
  for (const shared of ["Status", "DeleteOptions"]) {
    const t = registry.kindType(group, version, shared);
    if (t) want(t.key);
  }

  const expr = (t: TypeExpr): SchemaObject => {
    switch (t.k) {
      case "list": return { type: "array", items: expr(t.of) };
      case "map": return { type: "object", additionalProperties: expr(t.of) };
      case "ref": {
        const spec = registry.type(t.key);
        if (spec.kind === "wrappedList") return { type: "array", items: expr(spec.items) };
        want(t.key);
        return ref(spec.openapiName);
      }
      case "scalar": {
        const comp = SCALAR_COMPONENTS[t.name];
        if (comp) { out[comp[0]] = comp[1]; return ref(comp[0]); }
        return plainScalar(t.name);
      }
    }
  };

  const fieldSchema = (fld: FieldSpec): SchemaObject => {
    let s = expr(fld.type);
    if (s.$ref && fld.doc) s = { allOf: [s] };
    if (fld.doc) s.description = fld.doc;
    if (fld.enum) s.enum = [...fld.enum];
    if (fld.patch) s["x-kubernetes-patch-strategy"] = fld.patch;
    if (fld.mergeKey) s["x-kubernetes-patch-merge-key"] = fld.mergeKey;
    if (fld.listType) s["x-kubernetes-list-type"] = fld.listType;
    if (fld.mapKeys) s["x-kubernetes-list-map-keys"] = [...fld.mapKeys];
    if (fld.mapType) s["x-kubernetes-map-type"] = fld.mapType;
    return s;
  };

  const objectSchema = (t: ObjectTypeSpec): SchemaObject => {
    const fields = registry.jsonFields(t);
    const properties: Record<string, SchemaObject> = {};
    const required: string[] = [];
    for (const name of [...fields.keys()].sort()) {
      const fld = fields.get(name)!;
      properties[name] = fieldSchema(fld);
      if (fld.required) required.push(name);
    }
    const s: SchemaObject = { type: "object" };
    if (t.doc) s.description = t.doc;
    s.properties = properties;
    if (required.length) s.required = required;
    if (t.structType === "atomic") s["x-kubernetes-map-type"] = "atomic";
    const gvks = t.gvk ? [t.gvk] : [];
    // Shared meta kinds (DeleteOptions, Status) are also tagged with the requested group-version.
    if (t.pkg.id === "meta/v1" && t.gvk && (t.gvk.group !== group || t.gvk.version !== version)) gvks.unshift({ group, version, kind: t.gvk.kind });
    if (gvks.length) s["x-kubernetes-group-version-kind"] = gvks.map((g) => ({ group: g.group, kind: g.kind, version: g.version }));
    return s;
  };

  const done = new Set<string>();
  while (pending.length) {
    const key = pending.pop()!;
    if (done.has(key)) continue;
    done.add(key);
    const spec = registry.type(key);
    if (spec.kind === "object") out[spec.openapiName] = objectSchema(spec);
  }
  return sortKeys(out);
}

/** Component name of a kind's schema, e.g. `io.k8s.api.apps.v1.Deployment`; undefined if undeclared. */
export function openapiSchemaNameOf(group: string, version: string, kind: string, registry: ApiRegistry = BUILTIN_API): string | undefined {
  return registry.kindType(group, version, kind)?.openapiName;
}

function plainScalar(name: ScalarName): SchemaObject {
  switch (name) {
    case "int32": return { type: "integer", format: "int32" };
    case "int64": return { type: "integer", format: "int64" };
    case "bool": return { type: "boolean" };
    case "double": return { type: "number", format: "double" };
    case "bytes": return { type: "string", format: "byte" };
    default: return { type: "string" };
  }
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]!]));
}
