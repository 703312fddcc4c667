/**
 * Parsed CEL expressions, remembered by source text (at most ~2,000; the cache is simply emptied
 * when it grows past that). An expression this subset cannot parse, for whatever reason, comes back
 * as its UnsupportedCel error, so callers treat it as "not understood here" and never as false.
 */
import { parseCel, UnsupportedCel, type Expr } from "./parse.ts";

const MAX_ENTRIES = 2000;
const cache = new Map<string, Expr | UnsupportedCel>();

export function compileCel(source: string): Expr | UnsupportedCel {
  let e = cache.get(source);
  if (!e) {
    try { e = parseCel(source); } catch (err) { e = err instanceof UnsupportedCel ? err : new UnsupportedCel(String(err)); }
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(source, e);
  }
  return e;
}
