/**
 * Strategic-merge-patch metadata derived from declarations. Structurally identical to the API
 * server's PatchMeta (core/apiserver/machinery/patch-meta.ts), so it can be passed there.
 */
import { BUILTIN_API } from "./builtin.ts";
import type { ListType, PatchStrategy } from "./dsl.ts";
import type { ApiRegistry, FieldSpec, ObjectTypeSpec } from "./registry.ts";
import type { TypeExpr } from "./type-expr.ts";

export interface FieldPatchInfo {
  strategy?: PatchStrategy;
  mergeKey?: string;
  listType?: ListType;
  mapKeys?: string[];
}

export interface PatchMetaLookup {
  /**
   * Metadata of the field at `path` (JSON field names from the object root; list and map
   * elements add no path element). undefined when the path is unknown or carries no metadata.
   */
  lookup(path: readonly string[]): FieldPatchInfo | undefined;
}

/** Patch metadata of a kind; undefined if the registry does not declare it. */
export function patchMetaFor(group: string, version: string, kind: string, registry: ApiRegistry = BUILTIN_API): PatchMetaLookup | undefined {
  const root = registry.kindType(group, version, kind);
  return root ? patchMetaForType(registry, root) : undefined;
}

export function patchMetaForType(registry: ApiRegistry, root: ObjectTypeSpec): PatchMetaLookup {
  return {
    lookup(path) {
      let current: ObjectTypeSpec | undefined = root;
      let field: FieldSpec | undefined;
      for (const name of path) {
        if (!current) return undefined;
        field = registry.jsonFields(current).get(name);
        if (!field) return undefined;
        current = elementObject(registry, field.type);
      }
      if (!field) return undefined;
      const out: FieldPatchInfo = {};
      if (field.patch) out.strategy = field.patch;
      if (field.mergeKey) out.mergeKey = field.mergeKey;
      if (field.listType) out.listType = field.listType;
      if (field.mapKeys) out.mapKeys = [...field.mapKeys];
      return Object.keys(out).length ? out : undefined;
    },
  };
}

/** The object type reached through lists and maps of `t`, if any. */
function elementObject(registry: ApiRegistry, t: TypeExpr): ObjectTypeSpec | undefined {
  while (t.k === "list" || t.k === "map") t = t.of;
  if (t.k !== "ref") return undefined;
  const spec = registry.type(t.key);
  return spec.kind === "object" ? spec : undefined;
}
