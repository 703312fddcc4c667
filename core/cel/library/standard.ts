/**
 * CEL's standard functions (cel-spec langdef.md "Standard definitions"), as cel-go evaluates them:
 * - `size` of a string (code points), bytes, list or map, as `size(x)` or `x.size()`;
 * - `s.contains(t)`, `s.startsWith(t)`, `s.endsWith(t)`, and `matches` (`s.matches(re)` or
 *   `matches(s, re)`, an unanchored RE2 search; library/re2.ts translates RE2 to RegExp);
 * - conversions `int uint double string bytes bool` with cel-go's rules (integers from decimal
 *   text only, `int(double)` truncates and errors out of range, `string(double)` as Go's `%g`,
 *   `string(bytes)` requires valid UTF-8, `bool` takes `1 t T true TRUE True 0 f F false FALSE
 *   False`); timestamp and duration conversions are in time.ts;
 * - `dyn(x)` (x itself) and `type(x)` (x's type as a value, see CelType).
 */
import { isMapValue, mapSize } from "../map.ts";
import { CelError, CelType, CelUint, celTypeName, noSuchOverload, type CelValue } from "../values.ts";
import { compileRe2 } from "./re2.ts";
import type { CelFunction, CelLibrary } from "./registry.ts";

const INT_MIN = -(2n ** 63n);
const INT_MAX = 2n ** 63n - 1n;
const UINT_MAX = 2n ** 64n - 1n;

/** The single argument of a global one-argument function. */
function only(fn: string, target: CelValue | undefined, args: readonly CelValue[]): CelValue {
  if (target !== undefined || args.length !== 1) throw noSuchOverload(fn, target, args);
  return args[0]!;
}

const conversionError = (v: CelValue, to: string) => new CelError(`type conversion error from '${celTypeName(v)}' to '${to}'`);

/** `receiver.fn(arg)` where both are strings. */
const stringTest = (fn: string, test: (s: string, t: string) => boolean): CelFunction => (target, args) => {
  const [arg] = args;
  if (typeof target !== "string" || args.length !== 1 || typeof arg !== "string") throw noSuchOverload(fn, target, args);
  return test(target, arg);
};

/** A double as Go's `strconv.FormatFloat(x, 'g', -1, 64)` writes it (`1e+06`, `0.0001`, `1.5`, `+Inf`). */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mantissa, e] = Math.abs(x).toExponential().split("e") as [string, string];
  const exp = Number(e);
  const digits = mantissa.replace(".", "");
  const sign = x < 0 ? "-" : "";
  if (exp < -4 || exp >= 6) {
    return `${sign}${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  return `${sign}${digits.length > exp + 1 ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}` : digits.padEnd(exp + 1, "0")}`;
}

const FLOAT_TEXT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;
const TRUE_TEXT = new Set(["1", "t", "T", "true", "TRUE", "True"]);
const FALSE_TEXT = new Set(["0", "f", "F", "false", "FALSE", "False"]);
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

function toInt(v: CelValue): bigint {
  if (typeof v === "bigint") return v;
  if (v instanceof CelUint) {
    if (v.value > INT_MAX) throw new CelError("integer overflow");
    return v.value;
  }
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v <= -(2 ** 63) || v >= 2 ** 63) throw new CelError("integer overflow");
    return BigInt(Math.trunc(v));
  }
  if (typeof v === "string") {
    if (!/^[+-]?\d+$/.test(v)) throw conversionError(v, "int");
    const n = BigInt(v);
    if (n < INT_MIN || n > INT_MAX) throw conversionError(v, "int");
    return n;
  }
  throw new NoOverload();
}

function toUint(v: CelValue): CelUint {
  if (v instanceof CelUint) return v;
  if (typeof v === "bigint") {
    if (v < 0n) throw new CelError("unsigned integer overflow");
    return new CelUint(v);
  }
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v < 0 || v >= 2 ** 64) throw new CelError("unsigned integer overflow");
    return new CelUint(BigInt(Math.trunc(v)));
  }
  if (typeof v === "string") {
    if (!/^\d+$/.test(v) || BigInt(v) > UINT_MAX) throw conversionError(v, "uint");
    return new CelUint(BigInt(v));
  }
  throw new NoOverload();
}

function toDouble(v: CelValue): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof CelUint) return Number(v.value);
  if (typeof v === "string") {
    if (!FLOAT_TEXT.test(v)) throw conversionError(v, "double");
    const lower = v.toLowerCase().replace(/^\+/, "");
    if (/n/.test(lower)) return lower.includes("nan") ? Number.NaN : lower.startsWith("-") ? -Infinity : Infinity;
    const n = Number(v);
    if (!Number.isFinite(n)) throw conversionError(v, "double"); // Go's ParseFloat: out of range
    return n;
  }
  throw new NoOverload();
}

function toStringValue(v: CelValue): string {
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString();
  if (v instanceof CelUint) return v.value.toString();
  if (typeof v === "number") return formatDouble(v);
  if (typeof v === "boolean") return String(v);
  if (v instanceof Uint8Array) {
    try { return utf8Decoder.decode(v); } catch { throw new CelError("invalid UTF-8 in bytes, cannot convert to string"); }
  }
  throw new NoOverload();
}

/** Thrown by the converters for a type they do not take; becomes the call's NoSuchOverload. */
class NoOverload extends Error {}

const conversion = (fn: string, convert: (v: CelValue) => CelValue): CelFunction => (target, args) => {
  const v = only(fn, target, args);
  try {
    return convert(v);
  } catch (err) {
    if (err instanceof NoOverload) throw noSuchOverload(fn, target, args);
    throw err;
  }
};

function size(target: CelValue | undefined, args: readonly CelValue[]): CelValue {
  const v = target === undefined && args.length === 1 ? args[0]! : target !== undefined && args.length === 0 ? target : undefined;
  if (typeof v === "string") {
    let n = 0;
    for (const _ of v) n++;
    return BigInt(n);
  }
  if (v instanceof Uint8Array || Array.isArray(v)) return BigInt(v.length);
  if (v !== undefined && isMapValue(v)) return BigInt(mapSize(v));
  throw noSuchOverload("size", target, args);
}

export const standardLibrary: CelLibrary = {
  size,
  contains: stringTest("contains", (s, t) => s.includes(t)),
  startsWith: stringTest("startsWith", (s, t) => s.startsWith(t)),
  endsWith: stringTest("endsWith", (s, t) => s.endsWith(t)),
  matches: (target, args) => {
    const [s, re] = target === undefined ? [args[0], args[1]] : [target, args[0]];
    if (typeof s !== "string" || typeof re !== "string" || args.length !== (target === undefined ? 2 : 1)) throw noSuchOverload("matches", target, args);
    return s.search(compileRe2(re)) !== -1; // search: the RegExp may be global; it ignores lastIndex
  },
  int: conversion("int", toInt),
  uint: conversion("uint", toUint),
  double: conversion("double", toDouble),
  string: conversion("string", toStringValue),
  bytes: conversion("bytes", (v) => {
    if (v instanceof Uint8Array) return v;
    if (typeof v === "string") return new TextEncoder().encode(v);
    throw new NoOverload();
  }),
  bool: conversion("bool", (v) => {
    if (typeof v === "boolean") return v;
    if (typeof v === "string" && TRUE_TEXT.has(v)) return true;
    if (typeof v === "string" && FALSE_TEXT.has(v)) return false;
    if (typeof v === "string") throw conversionError(v, "bool");
    throw new NoOverload();
  }),
  dyn: (target, args) => only("dyn", target, args),
  type: (target, args) => new CelType(celTypeName(only("type", target, args))),
};
