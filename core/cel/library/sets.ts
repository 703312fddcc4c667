/**
 * cel-go's ext.Sets (enabled by Kubernetes from 1.29), global functions on two lists treated as sets:
 *
 *   sets.contains(a, b) -> bool     every element of b is in a ([] is contained in anything)
 *   sets.equivalent(a, b) -> bool   each contains the other (duplicates and order do not matter)
 *   sets.intersects(a, b) -> bool   some element is in both
 *
 * Membership is CEL equality (../equality.ts), so `sets.contains([1], [1.0, 1u])` is true.
 * Anything but two lists is NoSuchOverload.
 */
import { celEquals } from "../equality.ts";
import { element, noSuchOverload, type CelValue } from "../values.ts";
import type { CelFunction, CelLibrary } from "./registry.ts";

const has = (list: readonly CelValue[], x: CelValue) => list.some((v) => celEquals(v, x));
const contains = (a: readonly CelValue[], b: readonly CelValue[]) => b.every((x) => has(a, x));

function onTwoLists(name: string, fn: (a: readonly CelValue[], b: readonly CelValue[]) => boolean): CelFunction {
  return (target, args) => {
    const [a, b] = args;
    if (target !== undefined || args.length !== 2 || !Array.isArray(a) || !Array.isArray(b)) throw noSuchOverload(name, target, args);
    return fn(a.map((v) => element(a, v)), b.map((v) => element(b, v)));
  };
}

export const SETS_LIBRARY: CelLibrary = {
  "sets.contains": onTwoLists("sets.contains", contains),
  "sets.equivalent": onTwoLists("sets.equivalent", (a, b) => contains(a, b) && contains(b, a)),
  "sets.intersects": onTwoLists("sets.intersects", (a, b) => a.some((x) => has(b, x))),
};
