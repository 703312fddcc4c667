// Patch metadata: how strategic merge patch treats a field, i.e. the
// `patchStrategy` / `patchMergeKey` Go struct tags of k8s.io/api (or the
// x-kubernetes-patch-* OpenAPI extensions), looked up by field path.

export type PatchStrategy = "merge" | "replace" | "retainKeys" | "merge,retainKeys";

export interface FieldPatchMeta {
  strategy?: PatchStrategy;
  mergeKey?: string;
  /** x-kubernetes-list-type; informational for SMP, used by server-side apply. */
  listType?: "atomic" | "set" | "map";
  /** x-kubernetes-list-map-keys. */
  mapKeys?: string[];
}

export interface PatchMeta {
  /**
   * Metadata of the field at `path`: field names from the object root; list
   * items add no element (so `spec.containers.ports` is containers[*].ports).
   * undefined = no strategy: maps merge, lists are replaced whole.
   */
  lookup(path: readonly string[]): FieldPatchMeta | undefined;
}

/** A PatchMeta from a table keyed by dotted path, e.g. `spec.template.spec.containers`. */
export function createPatchMetaFromTable(table: Record<string, FieldPatchMeta>): PatchMeta {
  const entries = new Map(Object.entries(table));
  return { lookup: (path) => entries.get(path.join(".")) };
}

/** A PatchMeta that knows no field (every list is replaced). */
export const EMPTY_PATCH_META: PatchMeta = { lookup: () => undefined };
