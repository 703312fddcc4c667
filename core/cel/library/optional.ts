/**
 * CEL optional values (cel-go `cel.OptionalTypes()`, on in Kubernetes since 1.28): a value that
 * may be absent. `optional.of(x)`, `optional.none()`, `optional.ofNonZeroValue(x)` (none for a
 * zero value: null, false, 0, 0u, 0.0, '', b'', [], {}, a zero duration, the epoch timestamp),
 * `opt.hasValue()`, `opt.value()` (an error when none), `opt.orValue(x)`, `opt.or(opt2)` -- the
 * library as cel-go v0.22 (Kubernetes 1.32) has it: `first`, `last`, `optional.unwrap` and
 * `unwrapOpt` came later and are not defined here.
 *
 * The evaluator implements the optional syntax (`a.?b`, `a[?k]`, `[?x]`, `{?k: v}`), the
 * `optMap`/`optFlatMap` macros, and evaluates the argument of `or`/`orValue` only when needed.
 */
import { celEquals } from "../equality.ts";
import { isMapValue, mapSize } from "../map.ts";
import { CelError, CelObject, CelUint, noSuchOverload, type CelValue } from "../values.ts";
import type { CelLibrary } from "./registry.ts";
import { Duration, Timestamp } from "./time-values.ts";

export class CelOptional extends CelObject {
  readonly celType = "optional_type";
  /** `value` is undefined for optional.none(). */
  private constructor(readonly value: CelValue | undefined) {
    super();
  }
  static readonly NONE = new CelOptional(undefined);
  static of(v: CelValue): CelOptional {
    return new CelOptional(v);
  }
  get hasValue(): boolean {
    return this.value !== undefined;
  }
  equals(other: CelValue): boolean {
    if (!(other instanceof CelOptional)) return false;
    if (this.value === undefined || other.value === undefined) return this.value === other.value;
    return celEquals(this.value, other.value);
  }
}

function isZero(v: CelValue): boolean {
  if (v === null || v === false || v === 0n || v === 0 || v === "") return true;
  if (v instanceof CelUint) return v.value === 0n;
  if (v instanceof Uint8Array || Array.isArray(v)) return v.length === 0;
  if (v instanceof Duration || v instanceof Timestamp) return v.nanos === 0n;
  if (isMapValue(v)) return mapSize(v) === 0;
  return false;
}

const optionalTarget = (fn: string, target: CelValue | undefined, args: readonly CelValue[]): CelOptional => {
  if (!(target instanceof CelOptional)) throw noSuchOverload(fn, target, args);
  return target;
};

export const optionalLibrary: CelLibrary = {
  "optional.of": (target, args) => {
    if (target !== undefined || args.length !== 1) throw noSuchOverload("optional.of", target, args);
    return CelOptional.of(args[0]!);
  },
  "optional.none": (target, args) => {
    if (target !== undefined || args.length !== 0) throw noSuchOverload("optional.none", target, args);
    return CelOptional.NONE;
  },
  "optional.ofNonZeroValue": (target, args) => {
    if (target !== undefined || args.length !== 1) throw noSuchOverload("optional.ofNonZeroValue", target, args);
    return isZero(args[0]!) ? CelOptional.NONE : CelOptional.of(args[0]!);
  },
  hasValue: (target, args) => {
    if (args.length !== 0) throw noSuchOverload("hasValue", target, args);
    return optionalTarget("hasValue", target, args).hasValue;
  },
  value: (target, args) => {
    const o = optionalTarget("value", target, args);
    if (args.length !== 0) throw noSuchOverload("value", target, args);
    if (o.value === undefined) throw new CelError("optional.none() dereference");
    return o.value;
  },
  orValue: (target, args) => {
    const o = optionalTarget("orValue", target, args);
    if (args.length !== 1) throw noSuchOverload("orValue", target, args);
    return o.value ?? args[0]!;
  },
  or: (target, args) => {
    const o = optionalTarget("or", target, args);
    if (args.length !== 1 || !(args[0] instanceof CelOptional)) throw noSuchOverload("or", target, args);
    return o.hasValue ? o : args[0];
  },
};
