/**
 * valibot schemas derived from an ApiRegistry. They check JSON *structure and types* only
 * (semantic validation belongs to the API server's strategies): every field is optional and
 * may be null, as upstream's JSON decoding allows. Unknown fields are reported as issues of
 * type `raw_check` whose `expected` is UNKNOWN_FIELD, one per field, with the field's path.
 */
import * as v from "valibot";
import type { ApiRegistry, FieldSpec, ObjectTypeSpec } from "../registry.ts";
import type { ScalarName, TypeExpr } from "../type-expr.ts";

/** Marker in `issue.expected` of unknown-field issues. */
export const UNKNOWN_FIELD = "known field";

export type AnySchema = v.GenericSchema<unknown, unknown>;

export interface ValibotSchemas {
  /** Schema of a declared type, by registry key (e.g. `apps/v1.Deployment`). */
  forType(key: string): AnySchema;
  /** Schema of a type expression. */
  forExpr(t: TypeExpr): AnySchema;
}

/** What `bytes` (base64) and `int32` values must be; clean-check.ts tests the same. */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
export const INT32_MIN = -2147483648, INT32_MAX = 2147483647;

function scalarSchema(name: ScalarName): AnySchema {
  switch (name) {
    case "string": case "Duration": return v.string("expected string");
    case "int32": return v.pipe(v.number("expected int32"), v.integer("expected int32"), v.minValue(INT32_MIN, "int32 out of range"), v.maxValue(INT32_MAX, "int32 out of range"));
    case "int64": return v.pipe(v.number("expected int64"), v.integer("expected int64"));
    case "bool": return v.boolean("expected boolean");
    case "double": return v.number("expected number");
    case "bytes": return v.pipe(v.string("expected base64 string"), v.regex(BASE64, "illegal base64 data"));
    case "IntOrString": return v.union([v.pipe(v.number(), v.integer()), v.string()], "expected integer or string");
    case "Quantity": return v.union([v.string(), v.number()], "expected quantity (string or number)");
    case "Time": case "MicroTime":
      return v.pipe(v.string("expected RFC3339 time string"), v.check((s) => !Number.isNaN(Date.parse(s)), "expected RFC3339 time string"));
    case "FieldsV1": return v.record(v.string(), v.unknown(), "expected object");
    case "RawExtension": case "JSON": return v.unknown();
  }
}

export function createValibotSchemas(registry: ApiRegistry): ValibotSchemas {
  const cache = new Map<string, AnySchema>();

  const forExpr = (t: TypeExpr): AnySchema => {
    switch (t.k) {
      case "scalar": return scalarSchema(t.name);
      case "list": return v.array(v.nullable(forExpr(t.of)), "expected array");
      case "map": return v.record(v.string(), v.nullable(forExpr(t.of)), "expected object");
      case "ref": return v.lazy(() => forType(t.key));
    }
  };

  const objectSchema = (t: ObjectTypeSpec): AnySchema => {
    const fields = registry.jsonFields(t);
    const entries: Record<string, AnySchema> = {};
    for (const [name, spec] of fields) entries[name] = v.nullish(fieldSchema(spec));
    return v.pipe(
      v.looseObject(entries, "expected object"),
      v.rawCheck(({ dataset, addIssue }) => {
        const value = dataset.value;
        if (value === null || typeof value !== "object" || Array.isArray(value)) return;
        for (const key of Object.keys(value)) {
          if (fields.has(key)) continue;
          const item = (value as Record<string, unknown>)[key];
          addIssue({
            message: "unknown field", expected: UNKNOWN_FIELD, received: key,
            path: [{ type: "object", origin: "value", input: value as Record<string, unknown>, key, value: item }],
          });
        }
      }),
    ) as AnySchema;
  };

  const fieldSchema = (spec: FieldSpec): AnySchema => forExpr(spec.type);

  const forType = (key: string): AnySchema => {
    const hit = cache.get(key);
    if (hit) return hit;
    const t = registry.type(key);
    const schema = t.kind === "object" ? objectSchema(t) : v.array(v.nullable(forExpr(t.items)), "expected array");
    cache.set(key, schema);
    return schema;
  };

  return { forType, forExpr };
}
