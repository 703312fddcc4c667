/**
 * Kubernetes' CEL quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go, as in 1.32):
 *
 *   quantity(string) -> kubernetes.Quantity   (CelError with apimachinery's parse message)
 *   isQuantity(string) -> bool
 *   sign(Quantity) -> int, also q.sign()       (upstream declares the global form only)
 *   q.isGreaterThan(Quantity) / q.isLessThan(Quantity) -> bool, q.compareTo(Quantity) -> int
 *   q.add(Quantity | int) / q.sub(Quantity | int) -> Quantity
 *   q.asInteger() -> int ("cannot convert value to integer"), q.isInteger() -> bool
 *   q.asApproximateFloat() -> double
 *   q1 == q2  is exact value equality (upstream Quantity.Equal: Cmp == 0, so 1 == 1000m)
 *
 * Arithmetic is exact (bigint × 10^exponent). A value keeps the internal form upstream's
 * resource.Quantity would have, because isInteger/asInteger depend on it: the int64 "fast path"
 * form (int64 value, scale ≥ -9) or the inf.Dec form. Only an int64 form with scale ≥ 0 that fits
 * int64 converts to an integer, so `quantity('1000m').isInteger()` and
 * `quantity('1.5Gi').isInteger()` are false, as upstream. Quantities have no `string()`
 * conversion and no `<` ordering upstream, so neither is offered here.
 */
import { parseQuantity, QuantityParseError } from "../../apiserver/machinery/quantity.ts";
import { CelError, CelObject, noSuchOverload, type CelValue } from "../values.ts";
import type { CelLibrary } from "./registry.ts";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const fitsInt64 = (v: bigint) => v >= INT64_MIN && v <= INT64_MAX;
const pow10 = (n: number) => 10n ** BigInt(n);

/** The value `unscaled × 10^exponent`; `int` when upstream holds it as an int64Amount. */
interface Amount {
  readonly int: boolean;
  readonly unscaled: bigint;
  readonly exponent: number;
}

export class CelQuantity extends CelObject {
  readonly celType = "kubernetes.Quantity";
  constructor(readonly amount: Amount) {
    super();
  }
  equals(other: CelValue): boolean {
    return other instanceof CelQuantity && compareAmounts(this.amount, other.amount) === 0;
  }
}

function compareAmounts(a: Amount, b: Amount): number {
  const e = Math.min(a.exponent, b.exponent);
  const x = a.unscaled * pow10(a.exponent - e);
  const y = b.unscaled * pow10(b.exponent - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

const DECIMAL_SUFFIXES: Record<string, number> = { "": 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** upstream ParseQuantity's int64 fast path, for text parseQuantity already accepted; undefined = inf.Dec form. */
function fastPath(text: string): Amount | undefined {
  const m = /^([+-]?)0*(\d*)(?:\.(\d*))?(.*)$/.exec(text);
  if (!m) return undefined;
  const negative = m[1] === "-";
  const num = m[2] || "0";
  const denom = m[3] ?? "";
  const suffix = m[4]!;
  let value: bigint;
  let scale: number;
  if (Object.hasOwn(BINARY_SUFFIXES, suffix)) {
    const exponent = BINARY_SUFFIXES[suffix]!;
    if (denom.length > 0 || 15 - num.length - Math.trunc((exponent * 3) / 10) - 1 < 0) return undefined;
    value = BigInt(num) * 2n ** BigInt(exponent);
    scale = 0;
  } else {
    const exponent = Object.hasOwn(DECIMAL_SUFFIXES, suffix) ? DECIMAL_SUFFIXES[suffix]! : Number(suffix.slice(1));
    if (18 - (num.length + denom.length) < 0) return undefined;
    scale = exponent - denom.length;
    if (scale < -9) return undefined;
    value = BigInt(num + denom);
  }
  if (!fitsInt64(value)) return undefined;
  return { int: true, unscaled: negative ? -value : value, exponent: scale };
}

/** Parses quantity text; throws CelError with upstream's message when it is not a quantity. */
export function quantityFromString(text: string): CelQuantity {
  let q: ReturnType<typeof parseQuantity>;
  try {
    q = parseQuantity(text);
  } catch (err) {
    if (err instanceof QuantityParseError) throw new CelError(err.message);
    throw err;
  }
  const fast = fastPath(text);
  if (fast) return new CelQuantity(fast);
  // inf.Dec form: non-zero values are rounded up to nano units (scale 9), except the BinarySI cap.
  const capped = q.exponent === 0 && (q.mantissa === INT64_MAX || q.mantissa === -INT64_MAX);
  if (q.mantissa === 0n || capped || q.exponent < -9) return new CelQuantity({ int: false, unscaled: q.mantissa, exponent: q.exponent });
  return new CelQuantity({ int: false, unscaled: q.mantissa * pow10(q.exponent + 9), exponent: -9 });
}

/** int64Amount.Add: undefined when the int64 form overflows (upstream then switches to inf.Dec). */
function addInt64(a: Amount, b: Amount): Amount | undefined {
  if (b.unscaled === 0n) return a;
  if (a.unscaled === 0n) return b;
  const scale = Math.min(a.exponent, b.exponent);
  const x = a.unscaled * pow10(a.exponent - scale);
  const y = b.unscaled * pow10(b.exponent - scale);
  if (!fitsInt64(x) || !fitsInt64(y) || !fitsInt64(x + y)) return undefined;
  return { int: true, unscaled: x + y, exponent: scale };
}

function addAmounts(a: Amount, b: Amount): Amount {
  const fast = a.int && b.int ? addInt64(a, b) : undefined;
  if (fast) return fast;
  const e = Math.min(a.exponent, b.exponent);
  return { int: false, unscaled: a.unscaled * pow10(a.exponent - e) + b.unscaled * pow10(b.exponent - e), exponent: e };
}

const negate = (a: Amount): Amount => ({ ...a, unscaled: -a.unscaled });

/** int64Amount.AsInt64 (the inf.Dec form never converts). */
function asInt64(a: Amount): bigint | undefined {
  if (!a.int || a.exponent < 0) return undefined;
  const v = a.unscaled * pow10(a.exponent);
  return fitsInt64(v) ? v : undefined;
}

// Go's math.Pow10: a product (or quotient) of two table entries, not always the nearest double.
const POW10_TAB = Array.from({ length: 32 }, (_, i) => Number(`1e${i}`));
const POW10_POS32 = Array.from({ length: 10 }, (_, i) => Number(`1e${32 * i}`));
const POW10_NEG32 = Array.from({ length: 11 }, (_, i) => Number(`1e-${32 * i}`));
function goPow10(n: number): number {
  if (n >= 0 && n <= 308) return POW10_POS32[Math.trunc(n / 32)]! * POW10_TAB[n % 32]!;
  if (n < 0 && n >= -323) return POW10_NEG32[Math.trunc(-n / 32)]! / POW10_TAB[-n % 32]!;
  return n > 0 ? Infinity : 0;
}

/** Quantity.AsApproximateFloat64. */
function approximateFloat(a: Amount): number {
  const base = Number(a.unscaled);
  return a.exponent === 0 ? base : base * goPow10(a.exponent);
}

/** The receiver as a Quantity with `n` arguments, else NoSuchOverload. */
function receiver(fn: string, target: CelValue | undefined, args: readonly CelValue[], n: number): CelQuantity {
  if (!(target instanceof CelQuantity) || args.length !== n) throw noSuchOverload(fn, target, args);
  return target;
}

/** The Quantity (or, where upstream takes it, int) operand of a binary method. */
function operand(fn: string, target: CelValue | undefined, args: readonly CelValue[], ints: boolean): Amount {
  receiver(fn, target, args, 1);
  const o = args[0];
  if (o instanceof CelQuantity) return o.amount;
  if (ints && typeof o === "bigint") return { int: true, unscaled: o, exponent: 0 }; // NewQuantity(int, DecimalExponent)
  throw noSuchOverload(fn, target, args);
}

export const quantityLibrary: CelLibrary = {
  quantity: (target, args) => {
    if (target !== undefined || args.length !== 1 || typeof args[0] !== "string") throw noSuchOverload("quantity", target, args);
    return quantityFromString(args[0]);
  },
  isQuantity: (target, args) => {
    if (target !== undefined || args.length !== 1 || typeof args[0] !== "string") throw noSuchOverload("isQuantity", target, args);
    try {
      parseQuantity(args[0]);
      return true;
    } catch {
      return false;
    }
  },
  sign: (target, args) => {
    const q = target === undefined && args.length === 1 ? args[0] : target;
    if (!(q instanceof CelQuantity) || args.length !== (target === undefined ? 1 : 0)) throw noSuchOverload("sign", target, args);
    return BigInt(q.amount.unscaled > 0n ? 1 : q.amount.unscaled < 0n ? -1 : 0);
  },
  isGreaterThan: (t, a) => compareAmounts(receiver("isGreaterThan", t, a, 1).amount, operand("isGreaterThan", t, a, false)) > 0,
  isLessThan: (t, a) => compareAmounts(receiver("isLessThan", t, a, 1).amount, operand("isLessThan", t, a, false)) < 0,
  compareTo: (t, a) => BigInt(compareAmounts(receiver("compareTo", t, a, 1).amount, operand("compareTo", t, a, false))),
  add: (t, a) => new CelQuantity(addAmounts(receiver("add", t, a, 1).amount, operand("add", t, a, true))),
  sub: (t, a) => new CelQuantity(addAmounts(receiver("sub", t, a, 1).amount, negate(operand("sub", t, a, true)))),
  asInteger: (t, a) => {
    const v = asInt64(receiver("asInteger", t, a, 0).amount);
    if (v === undefined) throw new CelError("cannot convert value to integer");
    return v;
  },
  isInteger: (t, a) => asInt64(receiver("isInteger", t, a, 0).amount) !== undefined,
  asApproximateFloat: (t, a) => approximateFloat(receiver("asApproximateFloat", t, a, 0).amount),
};
