/**
 * A SchemaProvider that serves the schemas resources bring themselves (`ResourceDef.openapi`,
 * custom resources) and asks `inner` for every other resource.
 */
import type { ResourceDef } from "../resources/index.ts";
import type { SchemaProvider } from "./schema-provider.ts";

export function withDefSchemas(inner: SchemaProvider): SchemaProvider {
  return {
    schemasFor(defs) {
      const own = defs.filter((d) => d.openapi);
      const others = defs.filter((d) => !d.openapi);
      const out: Record<string, unknown> = others.length > 0 || own.length === 0 ? { ...inner.schemasFor(others) } : {};
      for (const d of own) Object.assign(out, d.openapi?.components);
      return out;
    },
    refFor: (def: ResourceDef) => def.openapi?.ref ?? inner.refFor(def),
  };
}
