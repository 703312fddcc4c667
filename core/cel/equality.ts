/**
 * CEL equality and ordering, as cel-go evaluates them with heterogeneous equality and
 * cross-type numeric comparisons (both on in Kubernetes):
 * - int, uint and double compare by numeric value (`1 == 1u`, `1 == 1.0`, `1u < 1.5`); an int or
 *   uint is compared with a double as a double, as cel-go does; NaN equals nothing, and ordering
 *   it is unordered (celCompare gives NaN; the `<` family makes that cel-go's error).
 * - values of other different types are unequal (never an error); ordering them is an error.
 * - lists are equal element-wise, maps when they have equal keys with equal values. A list that
 *   carries its own equality under `LIST_EQUALS` (set by whoever built it) is compared by that
 *   when it is the left operand, as cel-go asks the left value's `Equal`: CRD values use it for
 *   `x-kubernetes-list-type: map` and `set` lists, whose equality ignores order
 *   (crd/cel-values.ts). Plain lists carry nothing and cost one property miss.
 * - strings order by code point, bytes by octet, bools with false < true; timestamps, durations
 *   and library types order through `CelObject.compare`. Lists, maps and null have no order.
 */
import { CelMap, mapEquals } from "./map.ts";
import { CelObject, CelUint, element, isCelMap, type CelValue } from "./values.ts";

const INT_MIN = -(2 ** 63);
const INT_MAX = 2 ** 63;
const UINT_MAX = 2 ** 64;

const isNumeric = (v: CelValue): v is bigint | number | CelUint => typeof v === "bigint" || typeof v === "number" || v instanceof CelUint;

/** An integer (int or uint) against a double, cel-go style: out-of-range doubles first, then as doubles. */
function compareIntegerDouble(i: bigint, d: number, unsigned: boolean): number {
  if (Number.isNaN(d)) return Number.NaN;
  if (d < (unsigned ? 0 : INT_MIN)) return 1;
  if (d > (unsigned ? UINT_MAX : INT_MAX)) return -1;
  return Math.sign(Number(i) - d);
}

/** Numeric order of two CEL numbers; NaN when either is NaN. */
function compareNumbers(a: bigint | number | CelUint, b: bigint | number | CelUint): number {
  const x = a instanceof CelUint ? a.value : a;
  const y = b instanceof CelUint ? b.value : b;
  if (typeof x === "bigint" && typeof y === "bigint") return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === "number" && typeof y === "number") return x < y ? -1 : x > y ? 1 : x === y ? 0 : Number.NaN;
  if (typeof x === "bigint") return compareIntegerDouble(x, y as number, a instanceof CelUint);
  return -compareIntegerDouble(y as bigint, x, b instanceof CelUint);
}

/** Strings in code point order (JavaScript's `<` is UTF-16 order, which differs above U+FFFF). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x < y ? -1 : 1;
  }
  return Math.sign(a.length - b.length);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return Math.sign(a.length - b.length);
}

/**
 * The equality hook for lists: a list with a function under this symbol is compared by it when it
 * is the left operand of CEL equality (`==`, `!=`, and every library function using celEquals).
 * The property is a symbol, so it is invisible to iteration, JSON and CEL itself.
 */
export const LIST_EQUALS: unique symbol = Symbol("cel.listEquals");

/** `self` (the list carrying it) against any value `other`. */
export type ListEquals = (self: readonly CelValue[], other: CelValue) => boolean;

/** Gives `list` its own equality (see LIST_EQUALS); returns it. */
export function withListEquality<T extends CelValue[]>(list: T, equals: ListEquals): T {
  (list as T & { [LIST_EQUALS]?: ListEquals })[LIST_EQUALS] = equals;
  return list;
}

export function celEquals(a: CelValue, b: CelValue): boolean {
  if (isNumeric(a) && isNumeric(b)) return compareNumbers(a, b) === 0;
  if (a instanceof CelMap) return mapEquals(a, b);
  if (b instanceof CelMap) return mapEquals(b, a);
  if (a instanceof CelObject) return a.equals(b);
  if (b instanceof CelObject) return b.equals(a);
  if (Array.isArray(a)) {
    const own = (a as CelValue[] & { [LIST_EQUALS]?: ListEquals })[LIST_EQUALS];
    if (own !== undefined) return own(a, b);
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => celEquals(element(a, x), element(b, b[i])));
  }
  if (a instanceof Uint8Array) return b instanceof Uint8Array && compareBytes(a, b) === 0;
  if (isCelMap(a)) return mapEquals(a, b);
  return a === b;
}

/**
 * The order of `a` and `b`: negative, zero or positive; NaN when they are unordered numbers; and
 * undefined when the two types have no order between them (a `no such overload` error).
 */
export function celCompare(a: CelValue, b: CelValue): number | undefined {
  if (isNumeric(a) && isNumeric(b)) return compareNumbers(a, b);
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  if (a instanceof CelObject && !(a instanceof CelUint)) return a.compare(b);
  return undefined;
}
