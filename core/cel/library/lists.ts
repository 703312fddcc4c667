/**
 * Kubernetes library.Lists (k8s.io/apiserver/pkg/cel/library/lists.go) as Kubernetes 1.32 enables
 * it (unversioned: no `includes`). Receiver functions on lists:
 *
 *   isSorted() -> bool     true unless some element is greater than the next
 *   sum() -> T             int, uint, double or duration; [].sum() is 0 (int); added by the
 *                          core's `+` (operators.ts), so int and uint sums error on overflow
 *   min() / max() -> T     the first least / greatest element; on [] an error
 *                          ("min called on empty list")
 *   indexOf(x) / lastIndexOf(x) -> int   first / last position of an element == x (CEL equality,
 *                          so [1, 2].indexOf(2.0) is 1), -1 when absent
 *
 * Orderable element types (isSorted, min, max): int, uint, double, bool, string, bytes, duration,
 * timestamp; an element of another type (null, list, map, ...) is an error, as cel-go's missing
 * Comparer. Like cel-go's runtime, two elements of different orderable types that CEL cannot
 * compare (a string and an int) are treated as "not greater" rather than as an error; Kubernetes'
 * type checker rejects such lists before they get here. ext.Lists (cel-go) is not enabled by
 * Kubernetes 1.32 and is not provided.
 */
import { celCompare, celEquals } from "../equality.ts";
import { arithmetic } from "../operators.ts";
import { CelError, CelObject, CelUint, celTypeName, element, noSuchOverload, type CelValue } from "../values.ts";
import type { CelFunction, CelLibrary } from "./registry.ts";

/** The object types with an order (cel-go's traits.Comparer) besides the primitives. */
const ORDERED_OBJECTS = new Set(["uint", "google.protobuf.Duration", "google.protobuf.Timestamp"]);

/** Whether a value is of a type CEL orders (what `isSorted`, `min` and `max` take). */
const isComparable = (v: CelValue) =>
  ["bigint", "number", "string", "boolean"].includes(typeof v) || v instanceof Uint8Array || (v instanceof CelObject && ORDERED_OBJECTS.has(v.celType));

/** A receiver function on a list taking `arity` arguments; other calls are NoSuchOverload. */
function onList(name: string, arity: number, fn: (list: readonly CelValue[], args: readonly CelValue[]) => CelValue): CelFunction {
  return (target, args) => {
    if (!Array.isArray(target) || args.length !== arity) throw noSuchOverload(name, target, args);
    return fn(target.map((v) => element(target, v)), args);
  };
}

function comparable(v: CelValue): CelValue {
  if (!isComparable(v)) throw new CelError(`no such overload: ${celTypeName(v)} is not comparable`);
  return v;
}

/** min (keep the first least) or max (keep the first greatest). */
function extreme(name: "min" | "max", list: readonly CelValue[]): CelValue {
  if (list.length === 0) throw new CelError(`${name} called on empty list`);
  let best = comparable(list[0]!);
  for (const v of list.slice(1)) {
    const order = celCompare(best, comparable(v)) ?? 0; // incomparable or NaN: keep, as cel-go
    if (name === "min" ? order > 0 : order < 0) best = v;
  }
  return best;
}

/** The sum through the core's `+` (overflow and type errors are its); [] is int 0. */
function sum(list: readonly CelValue[]): CelValue {
  if (list.length === 0) return 0n;
  const first = list[0]!;
  const summable = typeof first === "bigint" || typeof first === "number" || first instanceof CelUint || (first instanceof CelObject && first.celType === "google.protobuf.Duration");
  if (!summable) throw new CelError(`no such overload: sum of list(${celTypeName(first)})`);
  return list.slice(1).reduce<CelValue>((acc, v) => arithmetic("+", acc, v), first);
}

export const LISTS_LIBRARY: CelLibrary = {
  isSorted: onList("isSorted", 0, (list) => {
    for (let i = 1; i < list.length; i++) {
      if ((celCompare(comparable(list[i - 1]!), comparable(list[i]!)) ?? 0) > 0) return false;
    }
    if (list.length === 1) comparable(list[0]!);
    return true;
  }),
  sum: onList("sum", 0, sum),
  min: onList("min", 0, (list) => extreme("min", list)),
  max: onList("max", 0, (list) => extreme("max", list)),
  indexOf: onList("indexOf", 1, (list, [x]) => BigInt(list.findIndex((v) => celEquals(v, x!)))),
  lastIndexOf: onList("lastIndexOf", 1, (list, [x]) => BigInt(list.findLastIndex((v) => celEquals(v, x!)))),
};
