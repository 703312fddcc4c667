/**
 * crictl's output conventions, re-implemented: Go tabwriter tables (minwidth 20, padding 3),
 * go-units human durations and sizes, truncated IDs, and protojson-style / sorted JSON and YAML.
 */
import protobuf from "protobufjs";
import { criProtoRoot } from "../../agent/cri/codec.ts";
import type { CrictlContext } from "./client.ts";

/**
 * Go's text/tabwriter as crictl configures it (minwidth 20, tabwidth 1, padding 3, ' '): every cell
 * but a row's last is padded to max(20, widest cell in its column + 3); the last cell is as is.
 */
export function tabwriter(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "";
  const columns = Math.max(...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let i = 0; i < columns - 1; i++) {
    const cells = rows.filter((r) => i < r.length - 1).map((r) => r[i]!.length);
    widths.push(Math.max(20, ...cells.map((w) => w + 3)));
  }
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("")).join("\n") + "\n";
}

/** go-units HumanDuration, as crictl prints "CREATED" (plus " ago"). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** "<duration> ago" for a CRI nanosecond timestamp. */
export function ago(ns: number, now = Date.now()): string {
  return `${humanDuration(now - ns / 1e6)} ago`;
}

const DECIMAL_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/** go-units HumanSizeWithPrecision (decimal units, Go's %.<precision>g); HumanSize is precision 4. */
export function humanSize(size: number, precision = 4): string {
  let i = 0;
  while (size >= 1000 && i < DECIMAL_UNITS.length - 1) { size /= 1000; i++; }
  return `${goG(size, precision)}${DECIMAL_UNITS[i]}`;
}

/** Go's %.<p>g for values below 1000 (no exponent form needed). */
function goG(value: number, precision: number): string {
  if (value === 0) return "0";
  return String(Number(value.toPrecision(precision)));
}

/** crictl's getTruncatedID: drop `prefix`, keep 13 characters. */
export function truncatedId(id: string, prefix = ""): string {
  const rest = prefix && id.startsWith(prefix) ? id.slice(prefix.length) : id;
  return rest.length > 13 ? rest.slice(0, 13) : rest;
}

/** RFC3339Nano of a nanosecond timestamp as Go formats it (trailing zeros of the fraction dropped). */
export function rfc3339Nano(ns: number): string {
  const ms = Math.floor(ns / 1e6);
  const iso = new Date(ms).toISOString(); // 2026-11-29T05:47:16.123Z
  const frac = String(Math.round(ns - ms * 1e6) + (ms % 1000) * 1e6).padStart(9, "0").replace(/0+$/, "");
  return `${iso.slice(0, 19)}${frac ? `.${frac}` : ""}Z`;
}

/** The response type of a CRI method, e.g. ("RuntimeService", "ListContainers") → runtime.v1.ListContainersResponse. */
export function responseType(service: string, method: string): string {
  const svc = criProtoRoot().lookupService(`runtime.v1.${service}`);
  return `runtime.v1.${svc.methods[method]!.responseType}`;
}

const LONG_TYPES = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);

/**
 * A decoded CRI message (codec.ts shapes) as Go's protojson renders it with EmitDefaultValues:
 * fields in proto order, 64-bit integers as strings, bytes as base64, unset messages left out,
 * map keys sorted.
 */
export function protoJson(typeName: string, value: unknown): unknown {
  const type = criProtoRoot().lookupType(typeName);
  const obj = (value ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    field.resolve();
    const v = obj[field.name];
    const one = (x: unknown): unknown => {
      if (field.resolvedType instanceof protobuf.Type) return protoJson(field.resolvedType.fullName.slice(1), x);
      if (field.resolvedType instanceof protobuf.Enum) return typeof x === "number" ? field.resolvedType.valuesById[x] : x ?? Object.keys(field.resolvedType.values)[0];
      if (LONG_TYPES.has(field.type)) return String(x ?? 0);
      if (field.type === "bytes") return Buffer.from((x as Uint8Array | undefined) ?? []).toString("base64");
      if (x === undefined) return field.type === "string" ? "" : field.type === "bool" ? false : 0;
      return x;
    };
    if (field instanceof protobuf.MapField) {
      const m = (v ?? {}) as Record<string, unknown>;
      out[field.name] = Object.fromEntries(Object.keys(m).sort().map((k) => [k, one(m[k])]));
    } else if (field.repeated) out[field.name] = ((v as unknown[] | undefined) ?? []).map(one);
    else if (field.resolvedType instanceof protobuf.Type) { if (v !== undefined) out[field.name] = one(v); }
    else out[field.name] = one(v);
  }
  return out;
}

/** Keys sorted at every level: what Go's json.Marshal of a map[string]any gives (crictl's inspect*, info). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, sortKeysDeep(obj[k])]));
}

export const json = (value: unknown): string => JSON.stringify(value, null, 2) + "\n";

/** A list response printed as `-o json` / `-o yaml` show it (protojson of the CRI response type). */
export function printResponse(ctx: Pick<CrictlContext, "out">, output: string, service: string, method: string, response: unknown): void {
  const body = protoJson(responseType(service, method), response);
  ctx.out(output === "json" ? json(body) : yaml(body) + "\n");
}

/** YAML of a JSON value as sigs.k8s.io/yaml's JSONToYAML prints it (keys sorted, lists not indented under their key). */
export function yaml(value: unknown): string {
  const v = sortKeysDeep(value);
  if (!isCollection(v)) return `${scalar(v)}\n`;
  return lines(v, 0).join("\n") + "\n";
}

const isCollection = (v: unknown): v is object =>
  v !== null && typeof v === "object" && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

function scalar(v: unknown): string {
  if (Array.isArray(v)) return "[]";
  if (v !== null && typeof v === "object") return "{}";
  if (v === null || v === undefined) return "null";
  if (typeof v !== "string") return String(v);
  // Plain unless YAML 1.1 would read it as something else (number, bool, null) or it has syntax in it.
  const plain = /^[A-Za-z0-9_/.]([A-Za-z0-9_./@+:=, -]*[A-Za-z0-9_./@+=-])?$/.test(v) && !v.includes(": ") && !v.includes(" #")
    && !/^(true|false|yes|no|on|off|null|y|n|~)$/i.test(v)
    && !/^([-+]?(\d[\d_]*(\.\d*)?([eE][-+]?\d+)?|\.\d+)|0x[0-9a-fA-F]+|\.(inf|nan))$/i.test(v);
  return plain ? v : JSON.stringify(v);
}

function lines(v: object, indent: number): string[] {
  const pad = " ".repeat(indent);
  const out: string[] = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      if (!isCollection(item)) { out.push(`${pad}- ${scalar(item)}`); continue; }
      const inner = lines(item, indent + 2);
      out.push(`${pad}- ${inner[0]!.trimStart()}`, ...inner.slice(1));
    }
    return out;
  }
  for (const [k, x] of Object.entries(v)) {
    if (!isCollection(x)) out.push(`${pad}${scalar(k)}: ${scalar(x)}`);
    else out.push(`${pad}${scalar(k)}:`, ...lines(x, Array.isArray(x) ? indent : indent + 2));
  }
  return out;
}
