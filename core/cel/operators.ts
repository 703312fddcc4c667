/**
 * CEL's arithmetic operators over CEL values (values.ts), as cel-go evaluates them:
 * - int: 64-bit signed; a result out of range is an error (`integer overflow`), including
 *   `-(-2^63)`, `-2^63 / -1` and `-2^63 % -1`. `/` truncates toward zero; `%` takes the sign of
 *   the dividend; `/` and `%` by zero are errors.
 * - uint: 64-bit unsigned; results below 0 or above 2^64-1 are errors; no unary minus.
 * - duration: unary minus (out of range is an error).
 * - double: IEEE 754 (`1.0 / 0.0` is +Inf); `%` is not defined for doubles.
 * - `+` concatenates strings, bytes and lists; timestamps and durations add and subtract
 *   (ts - ts is a duration, ts ± dur a timestamp, dur ± dur a duration). A list that carries its
 *   own `+` under `LIST_ADD` (set by whoever built it) adds by that when it is the left operand
 *   and the right one is a list, as cel-go asks the left value's `Add`: CRD values use it for
 *   `x-kubernetes-list-type: map` lists (merged by key) and `set` lists (unioned), whose results
 *   stay typed (crd/cel-values.ts). Plain lists carry nothing and cost one property miss.
 * - there is no arithmetic between different types (`1 + 1.0` is `no such overload`).
 */
import { Duration, Timestamp } from "./library/time-values.ts";
import { CelError, CelUint, celTypeName, element, markNative, type CelValue } from "./values.ts";

/**
 * The `+` hook for lists: a list with a function under this symbol is added by it when it is the
 * left operand of `+` and the right operand is a list. The property is a symbol, so it is
 * invisible to iteration, JSON and CEL itself.
 */
export const LIST_ADD: unique symbol = Symbol("cel.listAdd");

/** `self` (the list carrying it) plus the list `other`; the result is a new list. */
export type ListAdd = (self: readonly CelValue[], other: readonly CelValue[]) => CelValue[];

/** Gives `list` its own `+` (see LIST_ADD); returns it. */
export function withListAdd<T extends CelValue[]>(list: T, add: ListAdd): T {
  (list as T & { [LIST_ADD]?: ListAdd })[LIST_ADD] = add;
  return list;
}

const INT_MIN = -(2n ** 63n);
const INT_MAX = 2n ** 63n - 1n;

const noOverload = (op: string, a: CelValue, b?: CelValue) =>
  new CelError(`no such overload: ${b === undefined ? `${op}${celTypeName(a)}` : `${celTypeName(a)} ${op} ${celTypeName(b)}`}`);

export function checkedInt(v: bigint): bigint {
  if (v < INT_MIN || v > INT_MAX) throw new CelError("integer overflow");
  return v;
}

function integerOp(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case "+": return a + b;
    case "-": return a - b;
    case "*": return a * b;
  }
  if (b === 0n) throw new CelError(op === "/" ? "division by zero" : "modulus by zero");
  return op === "/" ? a / b : a % b;
}

function timeOp(op: string, a: CelValue, b: CelValue): CelValue | undefined {
  if (op === "+") {
    if (a instanceof Duration && b instanceof Duration) return new Duration(a.nanos + b.nanos);
    if (a instanceof Timestamp && b instanceof Duration) return new Timestamp(a.nanos + b.nanos, a.offset);
    if (a instanceof Duration && b instanceof Timestamp) return new Timestamp(b.nanos + a.nanos, b.offset);
  }
  if (op === "-") {
    if (a instanceof Duration && b instanceof Duration) return new Duration(a.nanos - b.nanos);
    if (a instanceof Timestamp && b instanceof Duration) return new Timestamp(a.nanos - b.nanos, a.offset);
    if (a instanceof Timestamp && b instanceof Timestamp) return new Duration(a.nanos - b.nanos);
  }
  return undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** `a op b` for op in `+ - * / %`. */
export function arithmetic(op: string, a: CelValue, b: CelValue): CelValue {
  if (typeof a === "bigint" && typeof b === "bigint") {
    if (op !== "+" && op !== "-" && op !== "*" && b === -1n && a === INT_MIN) throw new CelError("integer overflow");
    return checkedInt(integerOp(op, a, b));
  }
  if (a instanceof CelUint && b instanceof CelUint) {
    const r = integerOp(op, a.value, b.value);
    if (r < 0n || r > 0xffffffffffffffffn) throw new CelError("unsigned integer overflow");
    return new CelUint(r);
  }
  if (typeof a === "number" && typeof b === "number" && op !== "%") {
    switch (op) {
      case "+": return a + b;
      case "-": return a - b;
      case "*": return a * b;
      default: return a / b;
    }
  }
  if (op === "+") {
    if (typeof a === "string" && typeof b === "string") return a + b;
    if (a instanceof Uint8Array && b instanceof Uint8Array) return concat(a, b);
    if (Array.isArray(a) && Array.isArray(b)) {
      const own = (a as CelValue[] & { [LIST_ADD]?: ListAdd })[LIST_ADD];
      if (own !== undefined) return own(a, b);
      return markNative([...a.map((x) => element(a, x)), ...b.map((x) => element(b, x))]);
    }
  }
  const t = timeOp(op, a, b);
  if (t !== undefined) return t;
  throw noOverload(op, a, b);
}

/** Unary `-` (ints, doubles and durations). */
export function negate(v: CelValue): CelValue {
  if (typeof v === "bigint") return checkedInt(-v);
  if (typeof v === "number") return -v;
  if (v instanceof Duration) return new Duration(-v.nanos);
  throw noOverload("-", v);
}
