/**
 * Schema-typed CEL values for CRD validation rules (upstream apiserver/pkg/cel/common/values.go,
 * UnstructuredToVal): the value at a rule's schema node as CEL sees it.
 *
 * - `type: string`: `format: date-time` / `date` → timestamp, `duration` → duration, `byte` → bytes
 *   (a value that does not parse stays a string: schema validation has refused it already).
 * - `type: number` → double (even when whole: `1` is `1.0`); `type: integer` → int; boolean → bool.
 * - `x-kubernetes-int-or-string` → an int or a string (dynamic).
 * - objects with `properties` (and `x-kubernetes-embedded-resource` objects, which always have
 *   `apiVersion`, `kind` and `metadata.name`/`generateName`; the resource root likewise): only
 *   declared properties are visible, and a null property is absent (`has()` false, selecting it is
 *   "no such key"). With `x-kubernetes-preserve-unknown-fields` the undeclared fields stay visible
 *   as plain JSON (upstream's checker would refuse selecting them; lite does not, see rule-compile.ts).
 * - objects with `additionalProperties` → maps whose values are typed by that schema.
 * - arrays → lists typed by `items`; anything else (preserve-unknown-fields, no schema) → plain
 *   JSON, read as the evaluator reads JSON (integral numbers are ints).
 *
 * The result is built eagerly for the value at the rule's node, with every container marked native
 * (values.ts); conversions are memoized per (JSON object, schema node), so rules at several nodes of
 * one object convert each node once. Pass the result in a `markNative` bindings object.
 */
import { CelError, fromJson, markNative, type CelValue } from "../../cel/values.ts";
import { Duration, NANOS_PER_SECOND, parseTimestamp, Timestamp } from "../../cel/library/time-values.ts";
import type { JSONSchemaProps } from "./types.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

const memo = new WeakMap<object, WeakMap<JSONSchemaProps, CelValue>>();
const withMeta = new WeakMap<JSONSchemaProps, JSONSchemaProps>();

const STRING: JSONSchemaProps = { type: "string" };
const META: JSONSchemaProps = { type: "object", properties: { name: STRING, generateName: STRING } };

const isType = (s: JSONSchemaProps | undefined, t: string) => s?.type === t;

/** upstream WithTypeAndObjectMeta: apiVersion, kind and metadata.name/generateName are always declared at a resource root. */
export function withTypeAndObjectMeta(s: JSONSchemaProps): JSONSchemaProps {
  const p = s.properties;
  const meta = p?.metadata;
  if (p && isType(p.kind, "string") && isType(p.apiVersion, "string") && isType(meta, "object") && isType(meta?.properties?.name, "string") && isType(meta?.properties?.generateName, "string")) return s;
  let out = withMeta.get(s);
  if (!out) {
    out = { ...s, properties: { ...p, kind: STRING, apiVersion: STRING, metadata: META } };
    withMeta.set(s, out);
  }
  return out;
}

/** A JSON value as the evaluator reads JSON (for untyped parts): integral numbers are ints, containers stay JSON. */
const untyped = (v: unknown): CelValue => fromJson(v);

const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n, us: 1000n, "µs": 1000n, "μs": 1000n, ms: 1_000_000n, s: NANOS_PER_SECOND,
  m: 60n * NANOS_PER_SECOND, h: 3600n * NANOS_PER_SECOND, d: 86400n * NANOS_PER_SECOND, w: 7n * 86400n * NANOS_PER_SECOND,
};

/** strfmt's duration: Go durations plus `d` and `w` units. */
function parseSchemaDuration(text: string): Duration | undefined {
  const m = /^([+-]?)((?:\d+(?:\.\d+)?(?:ns|us|µs|μs|ms|s|m|h|d|w))+)$/.exec(text);
  if (!m) return undefined;
  let total = 0n;
  for (const [, whole, frac = "", unit] of m[2]!.matchAll(/(\d+)(?:\.(\d+))?(ns|us|µs|μs|ms|s|m|h|d|w)/g)) {
    const scale = DURATION_UNITS[unit!]!;
    total += BigInt(whole!) * scale + (frac ? (BigInt(frac) * scale) / 10n ** BigInt(frac.length) : 0n);
  }
  return new Duration(m[1] === "-" ? -total : total);
}

/** strfmt's date-time forms: `T`, `t` or space between date and time, `z`, offsets with or without a colon, no zone (UTC). */
function parseSchemaDateTime(text: string): Timestamp | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!m) return undefined;
  const zone = m[4] === undefined || m[4] === "z" ? "Z" : m[4].length === 5 ? `${m[4].slice(0, 3)}:${m[4].slice(3)}` : m[4];
  try {
    return parseTimestamp(`${m[1]}T${m[2]}${m[3] ?? ":00"}${zone}`);
  } catch (err) {
    if (err instanceof CelError) return undefined;
    throw err;
  }
}

function stringValue(v: string, format: string | undefined): CelValue {
  switch (format) {
    case "date-time": return parseSchemaDateTime(v) ?? v;
    case "date": return /^\d{4}-\d{2}-\d{2}$/.test(v) ? (parseSchemaDateTime(`${v}T00:00:00Z`) ?? v) : v;
    case "duration": return parseSchemaDuration(v) ?? v;
    case "byte": return v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v) ? new Uint8Array(Buffer.from(v, "base64")) : v;
    default: return v;
  }
}

/**
 * The CEL value of `value` under `schema`; `resourceRoot` for the root of a custom resource (where
 * `apiVersion`, `kind` and `metadata.name`/`generateName` are declared whatever the schema says).
 */
export function schemaValue(value: unknown, schema: JSONSchemaProps | undefined, resourceRoot = false): CelValue {
  if (value === null || value === undefined) return null;
  if (!schema || schema["x-kubernetes-int-or-string"]) return untyped(value);
  if (typeof value !== "object") {
    switch (schema.type) {
      case "string": return typeof value === "string" ? stringValue(value, schema.format) : untyped(value);
      case "number": return typeof value === "number" ? value : untyped(value);
      case "integer": return typeof value === "number" && Number.isInteger(value) ? BigInt(value) : untyped(value);
      default: return untyped(value);
    }
  }
  const s = resourceRoot || schema["x-kubernetes-embedded-resource"] ? withTypeAndObjectMeta(schema) : schema;
  let bySchema = memo.get(value);
  const hit = bySchema?.get(s);
  if (hit !== undefined) return hit;
  const out = convertContainer(value as Json, s);
  if (!bySchema) memo.set(value, (bySchema = new WeakMap()));
  bySchema.set(s, out);
  return out;
}

function convertContainer(value: Json, s: JSONSchemaProps): CelValue {
  if (Array.isArray(value)) {
    const items = Array.isArray(s.items) ? undefined : s.items;
    if (s.type !== "array" || !items) return value;
    return markNative(value.map((v) => schemaValue(v, items)));
  }
  if (s.type !== "object") return value;
  if (s.properties) {
    const preserve = !!s["x-kubernetes-preserve-unknown-fields"];
    const out: Record<string, CelValue> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue; // a null property reads as absent
      const sub = Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
      if (sub) out[k] = schemaValue(v, sub);
      else if (preserve) out[k] = untyped(v);
    }
    return markNative(out);
  }
  const ap = s.additionalProperties;
  if (ap && typeof ap === "object") {
    const out: Record<string, CelValue> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = schemaValue(v, ap);
    return markNative(out);
  }
  return value;
}
