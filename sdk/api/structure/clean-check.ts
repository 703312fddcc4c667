/**
 * A fast "nothing to report" test for structural validation: `isClean(value)` is true only when the
 * valibot schemas of valibot-schemas.ts would report no issue at all for `value` (no unknown field,
 * no value of the wrong type), so the caller may skip them. Anything it is not sure of (arrays
 * where objects belong, `__proto__` keys, a type error, an unknown field) answers false, and the
 * caller runs valibot for the exact issues and messages. Most writes are clean; this walk costs a
 * fraction of `safeParse`'s (no issue objects, no pipes, one closure per declared type).
 */
import type { ApiRegistry, ObjectTypeSpec } from "../registry.ts";
import type { ScalarName, TypeExpr } from "../type-expr.ts";
import { BASE64, INT32_MAX, INT32_MIN } from "./valibot-schemas.ts";

export type CleanCheck = (value: unknown) => boolean;


const isPlainObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === "object" && !Array.isArray(x);

/** Mirrors scalarSchema of valibot-schemas.ts for non-null values. */
function scalarCheck(name: ScalarName): CleanCheck {
  switch (name) {
    case "string": case "Duration": return (x) => typeof x === "string";
    case "int32": return (x) => Number.isInteger(x) && (x as number) >= INT32_MIN && (x as number) <= INT32_MAX;
    case "int64": return (x) => Number.isInteger(x);
    case "bool": return (x) => typeof x === "boolean";
    case "double": return (x) => typeof x === "number" && !Number.isNaN(x);
    case "bytes": return (x) => typeof x === "string" && BASE64.test(x);
    case "IntOrString": return (x) => typeof x === "string" || Number.isInteger(x);
    case "Quantity": return (x) => typeof x === "string" || (typeof x === "number" && !Number.isNaN(x));
    case "Time": case "MicroTime": return (x) => typeof x === "string" && !Number.isNaN(Date.parse(x));
    case "FieldsV1": return isPlainObject;
    case "RawExtension": case "JSON": return () => true;
  }
}

export interface CleanChecks {
  /** The check of a declared type, by registry key (e.g. `apps/v1.Deployment`). */
  forType(key: string): CleanCheck;
}

export function createCleanChecks(registry: ApiRegistry): CleanChecks {
  const cache = new Map<string, CleanCheck>();

  /** Checks a non-null value of type `t`; null and undefined are accepted by the callers. */
  const forExpr = (t: TypeExpr): CleanCheck => {
    switch (t.k) {
      case "scalar": return scalarCheck(t.name);
      case "list": {
        const item = forExpr(t.of);
        return (x) => {
          if (!Array.isArray(x)) return false;
          for (const e of x) if (e !== null && !item(e)) return false;
          return true;
        };
      }
      case "map": {
        const item = forExpr(t.of);
        return (x) => {
          if (!isPlainObject(x)) return false;
          for (const k in x) {
            if (k === "__proto__") return false;
            const e = x[k];
            if (e !== null && !item(e)) return false;
          }
          return true;
        };
      }
      case "ref": {
        let resolved: CleanCheck | undefined; // resolved on first use: types refer to each other
        return (x) => (resolved ??= forType(t.key))(x);
      }
    }
  };

  const objectCheck = (t: ObjectTypeSpec): CleanCheck => {
    const fields = new Map<string, CleanCheck>();
    for (const [name, spec] of registry.jsonFields(t)) fields.set(name, forExpr(spec.type));
    return (x) => {
      if (!isPlainObject(x)) return false;
      for (const k in x) {
        const check = fields.get(k);
        if (check === undefined || k === "__proto__") return false;
        const e = x[k];
        if (e !== null && e !== undefined && !check(e)) return false;
      }
      return true;
    };
  };

  // Refs resolve on first use (forExpr), so building a type's check never builds another's.
  const forType = (key: string): CleanCheck => {
    const hit = cache.get(key);
    if (hit) return hit;
    const t = registry.type(key);
    const built = t.kind === "object" ? objectCheck(t) : forExpr({ k: "list", of: t.items });
    cache.set(key, built);
    return built;
  };

  return { forType };
}
