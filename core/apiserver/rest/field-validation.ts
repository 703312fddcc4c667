/**
 * fieldValidation for built-in kinds: unknown top-level and metadata fields are found, then
 * rejected (Strict, 400), reported as warnings (Warn), or dropped (always dropped when allowed:
 * upstream decodes into typed structs, which prunes them).
 */
import { apiErrors } from "../errors/index.ts";
import type { ResourceDef } from "../resources/index.ts";
import type { FieldValidation } from "./options.ts";

const METADATA_FIELDS = new Set([
  "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
  "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
]);

/** Returns warnings to send (Warn), throws 400 (Strict); mutates `obj` to drop unknown fields. */
export function checkUnknownFields(def: ResourceDef, obj: Record<string, unknown>, mode: FieldValidation): string[] {
  const unknown: string[] = [];
  if (def.strategy.pruneUnknownFields) {
    unknown.push(...def.strategy.pruneUnknownFields(obj as Parameters<typeof def.strategy.pruneUnknownFields>[0]));
  } else {
    const known = new Set(["apiVersion", "kind", "metadata", ...def.topLevelFields]);
    for (const k of Object.keys(obj)) {
      if (!known.has(k)) { unknown.push(k); delete obj[k]; }
    }
  }
  const meta = obj.metadata;
  if (meta && typeof meta === "object" && !Array.isArray(meta)) {
    for (const k of Object.keys(meta)) {
      if (!METADATA_FIELDS.has(k)) { unknown.push(`metadata.${k}`); delete (meta as Record<string, unknown>)[k]; }
    }
  }
  if (unknown.length === 0 || mode === "Ignore") return [];
  const texts = unknown.map((f) => `unknown field "${f}"`);
  if (mode === "Strict") throw apiErrors.badRequest(`strict decoding error: ${texts.join(", ")}`);
  return texts;
}
