/**
 * JSON forms of apimachinery's special protobuf messages: Time, MicroTime, Duration,
 * IntOrString, Quantity, RawExtension-like raw JSON, and bytes.
 */
import { ProtobufWireError, WIRE_LEN, WIRE_VARINT, WireReader } from "./wire-reader.ts";

/** Reads `{1: seconds, 2: nanos}`; undefined for the zero time (Go omits it as null). */
export function decodeTimestamp(bytes: Uint8Array, micro: boolean): string | undefined {
  let seconds = 0n, nanos = 0;
  const r = new WireReader(bytes);
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE_VARINT) seconds = BigInt.asIntN(64, r.varint());
    else if (field === 2 && wire === WIRE_VARINT) nanos = Number(BigInt.asIntN(32, r.varint()));
    else r.skip(wire);
  }
  if (seconds === 0n && nanos === 0) return undefined;
  const iso = new Date(Number(seconds) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const base = iso.slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z` : `${base}Z`;
}

/** IntOrString `{1: type, 2: intVal, 3: strVal}` → number or string. */
export function decodeIntOrString(bytes: Uint8Array): number | string {
  let type = 0, intVal = 0, strVal = "";
  const r = new WireReader(bytes);
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE_VARINT) type = Number(BigInt.asIntN(64, r.varint()));
    else if (field === 2 && wire === WIRE_VARINT) intVal = Number(BigInt.asIntN(32, r.varint()));
    else if (field === 3 && wire === WIRE_LEN) strVal = utf8(r.bytes());
    else r.skip(wire);
  }
  return type === 1 ? strVal : intVal;
}

/** A message whose field 1 is a string (Quantity) or bytes (RawExtension, FieldsV1, JSON). */
export function decodeField1Bytes(bytes: Uint8Array): Uint8Array {
  let out: Uint8Array = new Uint8Array(0);
  const r = new WireReader(bytes);
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE_LEN) out = r.bytes();
    else r.skip(wire);
  }
  return out;
}

/** Raw JSON bytes → value; undefined when empty. */
export function decodeRawJson(bytes: Uint8Array): unknown {
  const raw = decodeField1Bytes(bytes);
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(utf8(raw));
  } catch {
    throw new ProtobufWireError("embedded raw object is not JSON");
  }
}

/** metav1.Duration `{1: nanoseconds}` → Go duration text such as `1h0m0s` or `1.5s`. */
export function decodeDuration(bytes: Uint8Array): string {
  let ns = 0n;
  const r = new WireReader(bytes);
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE_VARINT) ns = BigInt.asIntN(64, r.varint());
    else r.skip(wire);
  }
  return goDuration(ns);
}

function goDuration(ns: bigint): string {
  if (ns === 0n) return "0s";
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    const [unit, div] = u < 1000n ? ["ns", 1n] : u < 1_000_000n ? ["µs", 1000n] : ["ms", 1_000_000n];
    out = fraction(u, div as bigint) + unit;
  } else {
    const h = u / 3_600_000_000_000n; u %= 3_600_000_000_000n;
    const m = u / 60_000_000_000n; u %= 60_000_000_000n;
    out = `${fraction(u, 1_000_000_000n)}s`;
    if (h > 0n || m > 0n) out = `${m}m${out}`;
    if (h > 0n) out = `${h}h${out}`;
  }
  return neg ? `-${out}` : out;
}

function fraction(v: bigint, div: bigint): string {
  const whole = v / div, rest = v % div;
  if (rest === 0n) return `${whole}`;
  const digits = String(div).length - 1;
  return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

export function utf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ProtobufWireError("invalid UTF-8 in string field");
  }
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
