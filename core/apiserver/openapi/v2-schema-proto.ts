/**
 * A v2 JSON schema as a gnostic `openapi.v2.Schema` message (field numbers from gnostic's
 * OpenAPIv2.proto). `Any` values (default, enum members, example, `x-` extensions) travel as
 * YAML text, for which JSON is valid. Keys gnostic has no field for (v3 leftovers in custom
 * resource schemas such as `nullable`) are left out, as kube-openapi's converter does.
 */
import type { ProtoWriter } from "./proto-writer.ts";

type Json = Record<string, unknown>;

const STRING_FIELDS: Record<string, number> = { $ref: 1, format: 2, title: 3, description: 4, pattern: 13, discriminator: 26 };
const DOUBLE_FIELDS: Record<string, number> = { multipleOf: 6, maximum: 7, minimum: 9 };
const BOOL_FIELDS: Record<string, number> = { exclusiveMaximum: 8, exclusiveMinimum: 10, uniqueItems: 16, readOnly: 27 };
const INT_FIELDS: Record<string, number> = { maxLength: 11, minLength: 12, maxItems: 14, minItems: 15, maxProperties: 17, minProperties: 18 };

/** Writes `schema`'s fields into `w` (the caller opens the enclosing message). */
export function writeV2Schema(w: ProtoWriter, schema: Json): void {
  for (const [key, value] of Object.entries(schema)) {
    if (value === undefined) continue;
    if (key in STRING_FIELDS && typeof value === "string") w.string(STRING_FIELDS[key]!, value);
    else if (key in DOUBLE_FIELDS && typeof value === "number") w.double(DOUBLE_FIELDS[key]!, value);
    else if (key in BOOL_FIELDS && typeof value === "boolean") { if (value) w.bool(BOOL_FIELDS[key]!, true); }
    else if (key in INT_FIELDS && typeof value === "number") w.int64(INT_FIELDS[key]!, value);
    else if (key === "default") w.message(5, (any) => writeAny(any, value));
    else if (key === "example") w.message(30, (any) => writeAny(any, value));
    else if (key === "required" && Array.isArray(value)) for (const r of value) w.string(19, String(r));
    else if (key === "enum" && Array.isArray(value)) for (const e of value) w.message(20, (any) => writeAny(any, e));
    else if (key === "type") w.message(22, (t) => { for (const v of Array.isArray(value) ? value : [value]) t.string(1, String(v)); });
    else if (key === "additionalProperties") {
      w.message(21, (item) => {
        if (typeof value === "boolean") item.bool(2, value);
        else item.message(1, (s) => writeV2Schema(s, value as Json));
      });
    } else if (key === "items") {
      w.message(23, (item) => { for (const s of Array.isArray(value) ? value : [value]) item.message(1, (sw) => writeV2Schema(sw, s as Json)); });
    } else if (key === "allOf" && Array.isArray(value)) {
      for (const s of value) w.message(24, (sw) => writeV2Schema(sw, s as Json));
    } else if (key === "properties") {
      w.message(25, (props) => {
        for (const [name, s] of Object.entries(value as Record<string, Json>)) {
          props.message(1, (named) => { named.string(1, name); named.message(2, (sw) => writeV2Schema(sw, s)); });
        }
      });
    } else if (key.startsWith("x-")) {
      w.message(31, (named) => { named.string(1, key); named.message(2, (any) => writeAny(any, value)); });
    }
  }
}

/** gnostic `Any{yaml}`. */
function writeAny(w: ProtoWriter, value: unknown): void {
  w.string(2, JSON.stringify(value));
}
