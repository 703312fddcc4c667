/**
 * CEL maps. Keys are int, uint, bool or string. A map whose keys are all strings (every JSON
 * object, and most literals) is a plain object (values.ts); any other map is a `CelMap`, which
 * keeps its entries in insertion order. Key lookup follows CEL's heterogeneous equality: `1`,
 * `1u` and `1.0` find the same int/uint key; a key of another type is simply absent.
 */
import { celEquals } from "./equality.ts";
import { CelError, CelObject, CelUint, celTypeName, element, isCelMap, markNative, type CelValue } from "./values.ts";

/** The lookup form of a key value, or undefined when no map key can equal it. */
function keyId(k: CelValue): string | undefined {
  if (typeof k === "string") return `s${k}`;
  if (typeof k === "bigint") return `n${k}`;
  if (k instanceof CelUint) return `n${k.value}`;
  if (typeof k === "boolean") return `b${k}`;
  if (typeof k === "number" && Number.isInteger(k)) return `n${BigInt(k)}`;
  return undefined;
}

export class CelMap extends CelObject {
  readonly celType = "map";
  private readonly index = new Map<string, number>();
  constructor(readonly entries: readonly (readonly [CelValue, CelValue])[]) {
    super();
    entries.forEach(([k], i) => this.index.set(keyId(k)!, i));
  }
  get(key: CelValue): CelValue | undefined {
    const id = keyId(key);
    const i = id === undefined ? undefined : this.index.get(id);
    return i === undefined ? undefined : this.entries[i]![1];
  }
  equals(other: CelValue): boolean {
    return mapEquals(this, other);
  }
}

export type MapValue = CelMap | Readonly<Record<string, CelValue>>;

export const isMapValue = (v: unknown): v is MapValue => v instanceof CelMap || isCelMap(v);

/** The value at `key`, undefined when absent. */
export function mapGet(m: MapValue, key: CelValue): CelValue | undefined {
  if (m instanceof CelMap) return m.get(key);
  if (typeof key !== "string" || !Object.hasOwn(m, key) || m[key] === undefined) return undefined;
  return element(m, m[key]);
}

export function mapKeys(m: MapValue): CelValue[] {
  return m instanceof CelMap ? m.entries.map(([k]) => k) : Object.keys(m).filter((k) => m[k] !== undefined);
}

export function mapEntries(m: MapValue): [CelValue, CelValue][] {
  return m instanceof CelMap ? m.entries.map(([k, v]) => [k, v]) : mapKeys(m).map((k) => [k, element(m, m[k as string])]);
}

export function mapSize(m: MapValue): number {
  return mapKeys(m).length;
}

function mapEquals(a: MapValue, b: CelValue): boolean {
  if (!isMapValue(b)) return false;
  const keys = mapKeys(a);
  if (keys.length !== mapSize(b)) return false;
  return keys.every((k) => {
    const other = mapGet(b, k);
    return other !== undefined && celEquals(mapGet(a, k)!, other);
  });
}

export { mapEquals };

/** A map from entries (a literal, `transformMap`): string keys make a plain object. Bad key types and repeated keys are errors. */
export function buildMap(entries: readonly (readonly [CelValue, CelValue])[]): MapValue {
  const seen = new Set<string>();
  for (const [k] of entries) {
    const id = typeof k === "number" ? undefined : keyId(k);
    if (id === undefined) throw new CelError(`unsupported key type: ${celTypeName(k)}`);
    if (seen.has(id)) throw new CelError(`Failed with repeated key: ${typeof k === "string" ? k : String(k instanceof CelUint ? `${k.value}u` : k)}`);
    seen.add(id);
  }
  if (entries.every(([k]) => typeof k === "string")) return markNative(Object.fromEntries(entries));
  return new CelMap(entries);
}
