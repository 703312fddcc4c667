/**
 * CEL runtime values as lite represents them. This is the contract between the evaluator
 * (evaluate.ts) and every function library (library/*.ts):
 *
 * | CEL type        | JavaScript value                                             |
 * |-----------------|--------------------------------------------------------------|
 * | null_type       | `null` (an absent JSON value reads as `null`)                |
 * | bool            | `boolean`                                                    |
 * | int             | `bigint` (JSON integers from objects are read as int)        |
 * | uint            | `CelUint`                                                    |
 * | double          | `number` (JSON numbers with a fraction or exponent)          |
 * | string          | `string`                                                     |
 * | bytes           | `Uint8Array`                                                 |
 * | list            | `readonly CelValue[]` (may hold JSON values; read elements with `element(list, x)`, which is `fromJson` for JSON lists) |
 * | map             | a plain object when every key is a string (JSON objects); a map literal with int, uint or bool keys is a `CelMap` (map.ts) |
 * | type            | `CelType` (below): `type(x)`, and the type identifiers `int`, `string`, ...   |
 * | everything else | a `CelObject` subclass: timestamp, duration (library/time-values.ts), optional (library/optional.ts), and the Kubernetes library types (Quantity, URL, IP, CIDR, format, ...) |
 *
 * Errors: `CelError` is an evaluation error (CEL's error value: no such key, division by zero,
 * overflow, bad argument text); `NoSuchOverload` is the CelError a function throws when it does
 * not take the argument types it was given, so the evaluator can try another function of the
 * same name (strings and lists both have `indexOf`). Libraries never return `undefined`.
 *
 * Lists and maps the evaluator builds hold CEL values already (a double `2.0` stays a double);
 * they are marked with `markNative`, and `element` reads them without `fromJson`. Containers from
 * bindings are JSON: their integral numbers are ints.
 */

export class CelError extends Error {}

/** A function was called with argument types it does not take. */
export class NoSuchOverload extends CelError {}

/** A CEL value that is not a JSON value. */
export abstract class CelObject {
  /** The CEL type name, as `type(x)` prints it (e.g. `google.protobuf.Timestamp`, `kubernetes.Quantity`). */
  abstract readonly celType: string;
  /** CEL `==` with any other value (false for values of other types). */
  abstract equals(other: CelValue): boolean;
  /** Order with a value of the same type (<0, 0, >0), or undefined when the type has no order. */
  compare(_other: CelValue): number | undefined {
    return undefined;
  }
}

// biome-ignore lint: a recursive value type.
export type CelValue = null | boolean | bigint | number | string | Uint8Array | CelObject | readonly CelValue[] | { readonly [key: string]: any };

/** CEL's unsigned integer (literals with a `u` suffix, `uint()`). */
export class CelUint extends CelObject {
  readonly celType = "uint";
  constructor(readonly value: bigint) {
    super();
    if (value < 0n || value > 0xffffffffffffffffn) throw new CelError("unsigned integer overflow");
  }
  equals(other: CelValue): boolean {
    if (other instanceof CelUint) return other.value === this.value;
    if (typeof other === "bigint") return other === this.value;
    if (typeof other === "number") return Number(this.value) === other;
    return false;
  }
  override compare(other: CelValue): number | undefined {
    const o = other instanceof CelUint ? other.value : typeof other === "bigint" ? other : typeof other === "number" ? other : undefined;
    if (o === undefined) return undefined;
    return typeof o === "number" ? Math.sign(Number(this.value) - o) : this.value < o ? -1 : this.value > o ? 1 : 0;
  }
}

/** A value read out of a JSON document: integral numbers are CEL ints. */
export const fromJson = (v: unknown): CelValue => (typeof v === "number" && Number.isInteger(v) ? BigInt(v) : (v ?? null) as CelValue);

const native = new WeakSet<object>();

/** Marks a list or map built from CEL values (not JSON), so its doubles are read back as doubles. */
export function markNative<T extends object>(container: T): T {
  native.add(container);
  return container;
}

/** An element `v` read out of `container`: as is when the evaluator built it, else `fromJson`. */
export const element = (container: object, v: unknown): CelValue => (native.has(container) ? ((v ?? null) as CelValue) : fromJson(v));

/** A CEL type as a value: what `type(x)` returns and what `int`, `string`, `map`, ... name. */
export class CelType extends CelObject {
  readonly celType = "type";
  constructor(readonly name: string) {
    super();
  }
  equals(other: CelValue): boolean {
    return other instanceof CelType && other.name === this.name;
  }
}

export const isCelMap = (v: unknown): v is Record<string, CelValue> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof CelObject) && !(v instanceof Uint8Array);

/** The CEL type name of a value (as `type()` and error messages name it). */
export function celTypeName(v: unknown): string {
  if (v === null || v === undefined) return "null_type";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "double";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof CelObject) return v.celType;
  if (Array.isArray(v)) return "list";
  return "map";
}

/** The error a function throws for argument types it does not take. */
export function noSuchOverload(fn: string, target: CelValue | undefined, args: readonly CelValue[]): NoSuchOverload {
  const list = args.map(celTypeName).join(", ");
  return new NoSuchOverload(`no such overload: ${target === undefined ? `${fn}(${list})` : `${celTypeName(target)}.${fn}(${list})`}`);
}
