/**
 * Component schemas for the built-in kinds, generated from the SDK's API declarations
 * (sdk/api): every schema carries the GVK and patch extensions kubectl needs for apply and
 * field docs for explain.
 */
import type { ResourceDef } from "../resources/index.ts";
import { openapiSchemaNameOf, openapiSchemasFor } from "./schemas.ts";
import type { SchemaProvider } from "./schema-provider.ts";

export function createBuiltinSchemaProvider(): SchemaProvider {
  return {
    schemasFor(defs: readonly ResourceDef[]) {
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      for (const def of defs) {
        const gv = `${def.group}/${def.version}`;
        if (seen.has(gv)) continue;
        seen.add(gv);
        Object.assign(out, openapiSchemasFor(def.group, def.version));
      }
      return out;
    },
    refFor(def: ResourceDef) {
      const name = openapiSchemaNameOf(def.group, def.version, def.kind);
      return name ? `#/components/schemas/${name}` : undefined;
    },
  };
}
