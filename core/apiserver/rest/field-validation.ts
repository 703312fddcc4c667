/**
 * fieldValidation: unknown fields at any depth (found from the SDK's declared types for built-in
 * kinds, from the schema for custom resources) are rejected (Strict, 400), reported as warnings
 * (Warn), or dropped (always dropped when allowed: upstream decodes into typed structs, which
 * prunes them). Values of the wrong type are a 400 in every mode, as upstream's decoder does.
 */
import { validateStructure } from "@lite/sdk";
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
  const structure = def.strategy.pruneUnknownFields ? undefined : validateStructure({ group: def.group, version: def.version, kind: def.kind }, obj, mode);
  if (structure?.known) {
    const typeErrors = structure.errors.filter((e) => !e.message.startsWith("unknown field"));
    if (typeErrors.length > 0) {
      const first = typeErrors[0]!;
      throw apiErrors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${first.path}: ${first.message}`);
    }
    for (const e of structure.errors) unknown.push(e.path);
    for (const w of structure.warnings) unknown.push(w.replace(/^unknown field "(.*)"$/, "$1"));
    const pruned = structure.value as Record<string, unknown>;
    for (const k of Object.keys(obj)) if (!(k in pruned)) delete obj[k];
    Object.assign(obj, pruned);
  } else if (def.strategy.pruneUnknownFields) {
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
