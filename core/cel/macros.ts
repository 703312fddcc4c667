/**
 * CEL's comprehension macros (the `comprehension` nodes parse.ts builds), with cel-go's semantics:
 * - over a list, one variable binds each element; two variables bind the index and the element.
 *   Over a map, one variable binds each key; two bind the key and its value.
 * - `all` / `exists` stop at the first false / true and otherwise absorb errors like `&&` / `||`:
 *   an element's error only surfaces when no other element decides the result.
 * - `exists_one` / `existsOne`, `map`, `filter` and the transforms propagate errors.
 * - `map(x, p, e)` maps the elements that satisfy `p`; `transformList(i, v, [p,] e)` builds a
 *   list, `transformMap(k, v, [p,] e)` a map with the same keys, and `transformMapEntry(k, v,
 *   [p,] e)` merges the single-entry maps `e` returns (a repeated key is an error).
 * - `opt.optMap(v, e)` is `optional.of(e)` with `v` bound to the value, `opt.optFlatMap(v, e)` is
 *   `e` (an optional); both are `optional.none()` for an empty optional.
 */
import { UnsupportedCel } from "./errors.ts";
import { CelOptional } from "./library/optional.ts";
import { buildMap, isMapValue, mapEntries, mapGet, mapKeys } from "./map.ts";
import type { Expr } from "./parse.ts";
import { CelError, celTypeName, element, markNative, type CelValue } from "./values.ts";

export type Bindings = Readonly<Record<string, unknown>>;

/** Variables in scope: the caller's bindings (JSON) and the macro variables bound around them. */
export type Scope = { readonly vars: Bindings; readonly locals?: ReadonlyMap<string, CelValue> };
export type Evaluator = (e: Expr, scope: Scope) => CelValue;

type Comprehension = Extract<Expr, { kind: "comprehension" }>;

function bind(scope: Scope, names: readonly string[], values: readonly CelValue[]): Scope {
  const locals = new Map(scope.locals);
  names.forEach((n, i) => locals.set(n, values[i]!));
  return { vars: scope.vars, locals };
}

function asBool(v: CelValue, macro: string): boolean {
  if (typeof v !== "boolean") throw new CelError(`no matching overload: ${macro} predicate returned ${celTypeName(v)}, not bool`);
  return v;
}

/** The (first, second) variable values per iteration. */
function iterations(target: CelValue, macro: string): [CelValue, CelValue][] {
  if (Array.isArray(target)) return target.map((x, i) => [BigInt(i), element(target, x)]);
  if (isMapValue(target)) return mapEntries(target);
  throw new CelError(`${macro}: expected a list or map, got ${celTypeName(target)}`);
}

export function evaluateComprehension(e: Comprehension, scope: Scope, ev: Evaluator): CelValue {
  const target = ev(e.target, scope);
  if (e.macro === "optMap" || e.macro === "optFlatMap") {
    if (!(target instanceof CelOptional)) throw new CelError(`no such overload: ${celTypeName(target)}.${e.macro}`);
    if (!target.hasValue) return CelOptional.NONE;
    const r = ev(e.body, bind(scope, e.variables, [target.value!]));
    if (e.macro === "optMap") return CelOptional.of(r);
    if (!(r instanceof CelOptional)) throw new CelError(`optFlatMap: expected an optional, got ${celTypeName(r)}`);
    return r;
  }
  const two = e.variables.length === 2;
  const steps = iterations(target, e.macro).map(([a, b]) => (two ? [a, b] : [Array.isArray(target) ? b : a]));
  const run = (body: Expr, values: CelValue[]) => ev(body, bind(scope, e.variables, values));
  const keep = (values: CelValue[]) => e.filter === undefined || asBool(run(e.filter, values), e.macro);

  switch (e.macro) {
    case "all":
    case "exists": {
      const decisive = e.macro === "exists";
      let error: unknown;
      for (const values of steps) {
        try {
          if (asBool(run(e.body, values), e.macro) === decisive) return decisive;
        } catch (err) {
          if (!(err instanceof CelError)) throw err;
          error ??= err;
        }
      }
      if (error) throw error;
      return !decisive;
    }
    case "exists_one":
    case "existsOne":
      return steps.filter((values) => asBool(run(e.body, values), e.macro)).length === 1;
    case "filter":
      return markNative(steps.filter((values) => asBool(run(e.body, values), e.macro)).map((values) => values[values.length - 1]!));
    case "map":
    case "transformList":
      return markNative(steps.filter(keep).map((values) => run(e.body, values)));
    case "transformMap":
      return buildMap(steps.filter(keep).map((values) => [values[0]!, run(e.body, values)] as const));
    case "transformMapEntry": {
      const entries: [CelValue, CelValue][] = [];
      for (const values of steps.filter(keep)) {
        const r = run(e.body, values);
        if (!isMapValue(r)) throw new CelError(`transformMapEntry: expected a map, got ${celTypeName(r)}`);
        for (const k of mapKeys(r)) entries.push([k, mapGet(r, k)!]);
      }
      return buildMap(entries);
    }
  }
  throw new UnsupportedCel(`macro ${e.macro} is not supported`);
}
