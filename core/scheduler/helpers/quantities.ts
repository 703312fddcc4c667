/** Resource quantities as numbers for scheduling arithmetic (memoised; strings repeat a lot). */
import { parseQuantity, quantityScaledValue } from "../../apiserver/machinery/quantity.ts";

export interface QuantityCache {
  /** Milli-units (cpu): "100m" -> 100, "2" -> 2000. Malformed: 0. */
  milli(q: string | number | undefined): number;
  /** Whole units (memory, pods, storage): "1Gi" -> 1073741824. Malformed: 0. */
  value(q: string | number | undefined): number;
}

export function createQuantityCache(limit = 4096): QuantityCache {
  const milli = new Map<string, number>();
  const value = new Map<string, number>();
  const convert = (map: Map<string, number>, q: string | number | undefined, scale: number): number => {
    if (q === undefined || q === null) return 0;
    if (typeof q === "number") return scale === -3 ? q * 1000 : q;
    let v = map.get(q);
    if (v !== undefined) return v;
    try { v = Number(quantityScaledValue(parseQuantity(q), scale)); } catch { v = 0; }
    if (map.size >= limit) map.clear();
    map.set(q, v);
    return v;
  };
  return { milli: (q) => convert(milli, q, -3), value: (q) => convert(value, q, 0) };
}
