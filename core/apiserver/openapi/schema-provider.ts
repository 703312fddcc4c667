/**
 * Where per-kind schemas come from. The default provides none: kubectl then computes strategic
 * merge patches from its built-in types, which is correct for built-in kinds. A later provider
 * (generated from the SDK's valibot schemas) drops in here; it must tag each kind's schema with
 * `x-kubernetes-group-version-kind` and carry patch strategies/merge keys, or kubectl apply
 * would compute wrong patches.
 */
import type { ResourceDef } from "../resources/index.ts";

export interface SchemaProvider {
  /** Component schemas (name → schema) for one group-version's document. */
  schemasFor(defs: readonly ResourceDef[]): Record<string, unknown>;
  /** `$ref` of a kind's schema, if the provider has one (used for request/response bodies). */
  refFor(def: ResourceDef): string | undefined;
}

export const emptySchemaProvider: SchemaProvider = {
  schemasFor: () => ({}),
  refFor: () => undefined,
};
