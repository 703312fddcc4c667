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
 * - lists with `x-kubernetes-list-type: map` or `set` compare without regard to order (upstream's
 *   unstructuredMapList / unstructuredSetList Equal), through equality.ts's LIST_EQUALS hook: a map
 *   list equals a list of the same length whose every element has an element here with equal key
 *   fields (`x-kubernetes-list-map-keys`) that equals it; a set list one whose every element is
 *   here. As upstream, the typed list decides when it is the left operand (`self == oldSelf`,
 *   `self == [...]`); `[...] == self` compares in order. `atomic` (or no list type) stays ordered.
 * - `+` with such a list on the left (operators.ts's LIST_ADD hook) is upstream's Add: a map list
 *   merges by key (each element keeps its place, replaced by the right list's element with the same
 *   key fields; elements with new keys are appended in order), a set list unions (its elements in
 *   order, then the right list's elements not yet in). The result is a list of the same kind, so
 *   `self + [...] == oldSelf` still ignores order. With a plain list on the left `+` concatenates.
 *
 * The result is built eagerly for the value at the rule's node, with every container marked native
 * (values.ts); conversions are memoized per (JSON object, schema node), so rules at several nodes of
 * one object convert each node once. Pass the result in a `markNative` bindings object.
 */
import { CelError, CelUint, element, fromJson, markNative, type CelValue } from "../../cel/values.ts";
import { celEquals, withListEquality, type ListEquals } from "../../cel/equality.ts";
import { isMapValue, mapGet } from "../../cel/map.ts";
import { withListAdd, type ListAdd } from "../../cel/operators.ts";
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
    const list = markNative(value.map((v) => schemaValue(v, items)));
    const kind = listKindOf(s);
    return kind ? typedList(list, kind) : list;
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

/**
 * A scalar's lookup form, equal exactly when CEL equality holds (ints, uints and whole doubles
 * share one form); undefined for values that need celEquals (NaN, bytes, timestamps, containers).
 */
function scalarId(v: CelValue): string | undefined {
  switch (typeof v) {
    case "string": return `s${v}`;
    case "boolean": return `b${v}`;
    case "bigint": return `n${v}`;
    case "number": return Number.isInteger(v) ? `n${BigInt(v)}` : Number.isNaN(v) ? undefined : `d${v}`;
  }
  if (v === null) return "z";
  if (v instanceof CelUint) return `n${v.value}`;
  return undefined;
}

/**
 * Membership in a growing collection of CEL values: scalars by lookup form, the rest (which can
 * only equal one another: scalarId's forms and the others are never CEL-equal) by celEquals.
 */
function valueSet(): { has(v: CelValue): boolean; add(v: CelValue): void } {
  const ids = new Set<string>();
  const loose: CelValue[] = [];
  return {
    has(v) {
      const id = scalarId(v);
      return id !== undefined ? ids.has(id) : loose.some((l) => celEquals(l, v));
    },
    add(v) {
      const id = scalarId(v);
      if (id !== undefined) ids.add(id);
      else loose.push(v);
    },
  };
}

/** Set lists: same length, and every element of `other` is one of `self`'s. */
const setListEquals: ListEquals = (self, other) => {
  if (!Array.isArray(other) || other.length !== self.length) return false;
  const mine = valueSet();
  for (const e of self) mine.add(element(self, e));
  return other.every((o) => mine.has(element(other, o)));
};

/** Set lists, upstream unstructuredSetList.Add: `self`'s elements in order, then those of `other` not yet in, in order. */
const setListAdd: ListAdd = (self, other) => {
  const out = self.map((e) => element(self, e));
  const seen = valueSet();
  for (const e of out) seen.add(e);
  for (const raw of other) {
    const o = element(other, raw);
    if (!seen.has(o)) {
      seen.add(o);
      out.push(o);
    }
  }
  return typedList(markNative(out), SET_LIST);
};

/** The key fields of a map list: a lookup form and, for keys without one, a comparison. */
function mapListKeys(keys: readonly string[]) {
  /** The key fields' lookup form; undefined when `e` is not a map or a key is not a plain scalar. */
  const keyId = (e: CelValue): string | undefined => {
    if (!isMapValue(e)) return undefined;
    let id = "";
    for (const k of keys) {
      const v = mapGet(e, k);
      const part = v === undefined ? "u" : scalarId(v);
      if (part === undefined) return undefined;
      id += `${part.length}:${part}`;
    }
    return id;
  };
  /** Equal key fields (a missing one matches only a missing one); elements with a keyId only match each other. */
  const sameKeys = (a: CelValue, b: CelValue): boolean => isMapValue(a) && isMapValue(b) && keys.every((k) => {
    const x = mapGet(a, k);
    const y = mapGet(b, k);
    return x === undefined || y === undefined ? x === y : celEquals(x, y);
  });
  return { keyId, sameKeys };
}

/** Map lists keyed by `keys`: same length, and every element of `other` equals `self`'s element with the same keys. */
function mapListEquals(keys: readonly string[]): ListEquals {
  const { keyId, sameKeys } = mapListKeys(keys);
  return (self, other) => {
    if (!Array.isArray(other) || other.length !== self.length) return false;
    const mine = self.map((e) => element(self, e));
    const byKey = new Map<string, CelValue>();
    let indexed = true;
    for (const e of mine) {
      const id = keyId(e);
      if (id === undefined) { indexed = false; break; }
      byKey.set(id, e);
    }
    return other.every((raw) => {
      const o = element(other, raw);
      const id = indexed ? keyId(o) : undefined;
      const match = id !== undefined ? byKey.get(id) : mine.find((e) => sameKeys(e, o));
      return match !== undefined && celEquals(match, o);
    });
  };
}

/**
 * Map lists, upstream unstructuredMapList.Add: `self`'s elements in place, each replaced by the
 * (last) element of `other` with the same keys; the elements of `other` whose keys `self` lacks
 * appended in order (as upstream, these are not merged with one another).
 */
function mapListAdd(keys: readonly string[], list: ListKind): ListAdd {
  const { keyId, sameKeys } = mapListKeys(keys);
  return (self, other) => {
    const out = self.map((e) => element(self, e));
    const n = out.length;
    const at = new Map<string, number>();
    const loose: number[] = []; // elements of self without a keyId
    for (let i = 0; i < n; i++) {
      const id = keyId(out[i]!);
      if (id !== undefined) at.set(id, i);
      else loose.push(i);
    }
    for (const raw of other) {
      const o = element(other, raw);
      const id = keyId(o);
      let i = id !== undefined ? at.get(id) : undefined;
      if (id === undefined) for (const j of loose) if (sameKeys(out[j]!, o)) i = j; // the last, as upstream's key index
      if (i !== undefined) out[i] = o;
      else out.push(o);
    }
    return typedList(markNative(out), list);
  };
}

/** The behaviour of a map or set list: its equality and its `+`. */
interface ListKind {
  equals: ListEquals;
  add: ListAdd;
}

const SET_LIST: ListKind = { equals: setListEquals, add: setListAdd };

function mapListKind(keys: readonly string[]): ListKind {
  const kind = { equals: mapListEquals(keys) } as ListKind;
  kind.add = mapListAdd(keys, kind); // its results are lists of this kind
  return kind;
}

/** Gives a (native) list its kind's equality and `+`; returns it. */
const typedList = (list: CelValue[], kind: ListKind): CelValue[] => withListAdd(withListEquality(list, kind.equals), kind.add);

const listKinds = new WeakMap<JSONSchemaProps, ListKind | null>();

/** The order-ignoring equality and merging `+` of a map or set list schema; undefined for atomic (or untyped) lists. */
function listKindOf(s: JSONSchemaProps): ListKind | undefined {
  let kind = listKinds.get(s);
  if (kind === undefined) {
    const type = s["x-kubernetes-list-type"];
    const keys = s["x-kubernetes-list-map-keys"];
    kind = type === "set" ? SET_LIST : type === "map" && keys?.length ? mapListKind(keys) : null;
    listKinds.set(s, kind);
  }
  return kind ?? undefined;
}
