/**
 * Decodes a protobuf message of a declared type into the JSON object Go's encoding/json would
 * produce for the same Go value (what kubectl would have sent as JSON):
 *  - non-pointer scalars that are zero are omitted (Go writes them to protobuf but `omitempty`
 *    drops them from JSON); pointer and required scalars keep an explicit zero;
 *  - nested messages present on the wire are kept, even empty (`"status": {}`), except a zero Time;
 *  - inline fields' contents are merged into the parent object;
 *  - output keys follow declaration order.
 * Unknown field numbers are skipped.
 */
import type { ApiRegistry, FieldSpec, ObjectTypeSpec, TypeExpr } from "@lite/sdk";
import {
  base64, decodeDuration, decodeField1Bytes, decodeIntOrString, decodeRawJson, decodeTimestamp, utf8,
} from "./well-known.ts";
import { ProtobufWireError, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, WireReader } from "./wire-reader.ts";

type Json = unknown;

export function decodeMessage(registry: ApiRegistry, typeKey: string, bytes: Uint8Array): Record<string, Json> {
  const spec = registry.type(typeKey);
  if (spec.kind !== "object") throw new Error(`${typeKey} is not an object type`);
  return decodeObject(registry, spec, bytes);
}

function decodeObject(registry: ApiRegistry, spec: ObjectTypeSpec, bytes: Uint8Array): Record<string, Json> {
  const byNumber = new Map<number, FieldSpec>();
  for (const fld of spec.fields) if (fld.proto > 0) byNumber.set(fld.proto, fld);
  const values = new Map<FieldSpec, Json>();
  const r = new WireReader(bytes);
  while (!r.done) {
    const { field, wire } = r.tag();
    const fld = byNumber.get(field);
    if (!fld) { r.skip(wire); continue; }
    const t = fld.type;
    if (t.k === "list") {
      const arr = (values.get(fld) as Json[] | undefined) ?? [];
      readRepeated(registry, t.of, r, wire, arr, `${spec.key}.${fld.name}`);
      values.set(fld, arr);
    } else if (t.k === "map") {
      const map = (values.get(fld) as Record<string, Json> | undefined) ?? {};
      expectWire(wire, WIRE_LEN, spec, fld);
      readMapEntry(registry, t.of, r.bytes(), map);
      values.set(fld, map);
    } else {
      values.set(fld, readSingle(registry, t, r, wire, `${spec.key}.${fld.name || "(inline)"}`));
    }
  }
  const out: Record<string, Json> = {};
  for (const fld of spec.fields) {
    if (!values.has(fld)) continue;
    const value = values.get(fld);
    if (value === undefined) continue;
    if (fld.inline) { Object.assign(out, value as Record<string, Json>); continue; }
    if (fld.type.k === "scalar" && !fld.pointer && !fld.required && isGoZero(value)) continue;
    out[fld.name] = value;
  }
  return out;
}

function isGoZero(v: Json): boolean {
  return v === "" || v === 0 || v === false;
}

function expectWire(wire: number, want: number, spec: ObjectTypeSpec, fld: FieldSpec): void {
  if (wire !== want) throw new ProtobufWireError(`${spec.key}.${fld.name}: wire type ${wire}, expected ${want}`);
}

/** Reads one value of a non-list, non-map type. undefined = omit (zero Time, empty raw JSON). */
function readSingle(registry: ApiRegistry, t: TypeExpr, r: WireReader, wire: number, where: string): Json {
  const need = (w: number) => { if (wire !== w) throw new ProtobufWireError(`${where}: wire type ${wire}, expected ${w}`); };
  if (t.k === "ref") {
    need(WIRE_LEN);
    const spec = registry.type(t.key);
    const bytes = r.bytes();
    if (spec.kind === "object") return decodeObject(registry, spec, bytes);
    const items: Json[] = [];
    const inner = new WireReader(bytes);
    while (!inner.done) {
      const tag = inner.tag();
      if (tag.field === 1) readRepeated(registry, spec.items, inner, tag.wire, items, spec.key);
      else inner.skip(tag.wire);
    }
    return items;
  }
  if (t.k !== "scalar") throw new ProtobufWireError(`${where}: nested collections are not supported`);
  switch (t.name) {
    case "string": need(WIRE_LEN); return utf8(r.bytes());
    case "bytes": need(WIRE_LEN); return base64(r.bytes());
    case "int32": need(WIRE_VARINT); return Number(BigInt.asIntN(32, r.varint()));
    case "int64": need(WIRE_VARINT); return Number(BigInt.asIntN(64, r.varint()));
    case "bool": need(WIRE_VARINT); return r.varint() !== 0n;
    case "double": need(WIRE_FIXED64); return r.fixed64().getFloat64(0, true);
    case "IntOrString": need(WIRE_LEN); return decodeIntOrString(r.bytes());
    case "Quantity": need(WIRE_LEN); return utf8(decodeField1Bytes(r.bytes()));
    case "Time": need(WIRE_LEN); return decodeTimestamp(r.bytes(), false);
    case "MicroTime": need(WIRE_LEN); return decodeTimestamp(r.bytes(), true);
    case "Duration": need(WIRE_LEN); return decodeDuration(r.bytes());
    case "RawExtension": case "FieldsV1": case "JSON": need(WIRE_LEN); return decodeRawJson(r.bytes());
  }
}

/** Appends one repeated element (or a packed run of numeric elements) to `out`. */
function readRepeated(registry: ApiRegistry, item: TypeExpr, r: WireReader, wire: number, out: Json[], where: string): void {
  const numeric = item.k === "scalar" && (item.name === "int32" || item.name === "int64" || item.name === "bool" || item.name === "double");
  if (numeric && wire === WIRE_LEN) {
    const packed = new WireReader(r.bytes());
    const elemWire = item.k === "scalar" && item.name === "double" ? WIRE_FIXED64 : WIRE_VARINT;
    while (!packed.done) out.push(readSingle(registry, item, packed, elemWire, where));
    return;
  }
  if (item.k === "list" || item.k === "map") throw new ProtobufWireError(`${where}: nested collections are not supported`);
  const v = readSingle(registry, item, r, wire, where);
  out.push(v === undefined ? null : v);
}

/** Map entry `{1: key, 2: value}`. A missing value is the value type's zero. */
function readMapEntry(registry: ApiRegistry, valueType: TypeExpr, bytes: Uint8Array, out: Record<string, Json>): void {
  let key = "";
  let value: Json = undefined;
  const r = new WireReader(bytes);
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE_LEN) key = utf8(r.bytes());
    else if (field === 2) value = readSingle(registry, valueType, r, wire, `map value`);
    else r.skip(wire);
  }
  out[key] = value === undefined ? zeroOf(valueType) : value;
}

function zeroOf(t: TypeExpr): Json {
  if (t.k === "scalar") {
    switch (t.name) {
      case "string": case "bytes": case "Quantity": return t.name === "Quantity" ? "0" : "";
      case "int32": case "int64": case "double": case "IntOrString": return 0;
      case "bool": return false;
      default: return null;
    }
  }
  return t.k === "ref" ? {} : null;
}

