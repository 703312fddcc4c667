/**
 * Drops fields a declared type does not know, as upstream's typed decoding does. Returns a new
 * value; the input is not mutated. Values of the wrong type are returned as they are.
 */
import type { ApiRegistry } from "../registry.ts";
import type { TypeExpr } from "../type-expr.ts";

export function pruneUnknownFields(registry: ApiRegistry, t: TypeExpr, value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  switch (t.k) {
    case "scalar": return value;
    case "list": return Array.isArray(value) ? value.map((x) => pruneUnknownFields(registry, t.of, x)) : value;
    case "map": {
      if (Array.isArray(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(value)) out[k] = pruneUnknownFields(registry, t.of, x);
      return out;
    }
    case "ref": {
      const spec = registry.type(t.key);
      if (spec.kind === "wrappedList") return Array.isArray(value) ? value.map((x) => pruneUnknownFields(registry, spec.items, x)) : value;
      if (Array.isArray(value)) return value;
      const fields = registry.jsonFields(spec);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(value)) {
        const field = fields.get(k);
        if (field) out[k] = pruneUnknownFields(registry, field.type, x);
      }
      return out;
    }
  }
}
