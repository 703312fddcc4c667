/**
 * fieldValidation: unknown fields at any depth (found from the SDK's declared types for built-in
 * kinds, from the schema for custom resources) and fields the body's text repeats are rejected
 * (Strict, 400), reported as warnings (Warn), or dropped (always dropped when allowed: upstream
 * decodes into typed structs, which prunes them). Values of the wrong type are a 400 in every
 * mode, as upstream's decoder does.
 */
import { validateStructure } from "@lite/sdk";
import { ApiError, apiErrors } from "../errors/index.ts";
import { duplicateFieldsOf, scanYamlDuplicates, type DuplicateFields } from "../request/duplicate-fields.ts";
import type { ResourceDef } from "../resources/index.ts";
import type { FieldValidation } from "./options.ts";

const METADATA_FIELDS = new Set([
  "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
  "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
]);

/**
 * Returns warnings to send (Warn), throws 400 (Strict); mutates `obj` to drop unknown fields.
 * Duplicates are those of the text `obj` was decoded from (request/body.ts), if it was.
 */
export function checkUnknownFields(def: ResourceDef, obj: Record<string, unknown>, mode: FieldValidation): string[] {
  const unknown = dropUnknownFields(def, obj, mode);
  if (mode === "Ignore") return [];
  const duplicates = duplicateFieldsOf(obj);
  if (unknown.length === 0 && !duplicates) return [];
  const texts = strictErrors(unknown, duplicates);
  if (mode === "Strict") throw apiErrors.badRequest(`strict decoding error: ${texts.join(", ")}`);
  return duplicates?.format === "yaml" ? [...duplicates.lines, ...texts.slice(1)] : texts;
}

/**
 * The strict decoding errors, as upstream's decoders list them. JSON: unknown and duplicate fields
 * in document order (a repeated unknown field, or one inside an unknown field, counts as unknown
 * only). YAML: first the YAML decoder's duplicate keys as one error, then unknown fields by path
 * (YAML is converted to JSON with sorted keys before decoding).
 */
function strictErrors(unknown: string[], duplicates: DuplicateFields | undefined): string[] {
  const unknownText = (f: string) => `unknown field "${f}"`;
  if (!duplicates) return unknown.map(unknownText);
  if (duplicates.format === "yaml") {
    return [`yaml: unmarshal errors:\n  ${duplicates.lines.join("\n  ")}`, ...[...unknown].sort().map(unknownText)];
  }
  const { scan } = duplicates;
  const inUnknown = (path: string) => unknown.some((u) => path === u || path.startsWith(`${u}.`) || path.startsWith(`${u}[`));
  const errors = [
    ...unknown.map((f) => ({ text: unknownText(f), at: scan.offsets.get(f) ?? Number.MAX_SAFE_INTEGER })),
    ...scan.duplicates.filter((d) => !inUnknown(d.path)).map((d) => ({ text: `duplicate field "${d.path}"`, at: d.offset })),
  ];
  return errors.sort((a, b) => a.at - b.at).map((e) => e.text);
}

/** The paths of the fields of `obj` its kind does not declare; they are deleted from `obj`. */
function dropUnknownFields(def: ResourceDef, obj: Record<string, unknown>, mode: FieldValidation): string[] {
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
  return unknown;
}

/**
 * Server-side apply to a custom resource: the applied configuration must be typable by the CRD's
 * schema (upstream's structured-merge-diff), whatever fieldValidation says. Fields the schema does
 * not declare fail as upstream's apply does: a 500 "failed to create typed patch object" naming the
 * object and each field.
 */
export function checkApplyTypable(def: ResourceDef, applied: Record<string, unknown>): void {
  if (!def.strategy.pruneUnknownFields) return; // built-in kinds: fieldValidation decides (checkUnknownFields)
  const unknown = dropUnknownFields(def, structuredClone(applied), "Strict");
  if (unknown.length === 0) return;
  const meta = (applied.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const apiVersion = typeof applied.apiVersion === "string" ? applied.apiVersion : "";
  const gv = apiVersion.includes("/") ? apiVersion : `/${apiVersion}`;
  const errors = unknown.map((f) => `.${f}: field not declared in schema`);
  const detail = errors.length === 1 ? errors[0] : `errors:\n  ${errors.join("\n  ")}`;
  throw new ApiError(500, "", `failed to create typed patch object (${String(meta.namespace ?? "")}/${String(meta.name ?? "")}; ${gv}, Kind=${String(applied.kind ?? "")}): ${detail}`);
}

/**
 * After a server-side apply: keys the applied configuration's text repeats (upstream decodes it
 * again with yaml.UnmarshalStrict). Strict: 400; Warn: one warning per key; Ignore: nothing.
 */
export function checkApplyDuplicates(text: string, mode: FieldValidation): string[] {
  if (mode === "Ignore") return [];
  const lines = scanYamlDuplicates(text);
  if (lines.length === 0) return [];
  if (mode === "Strict") throw apiErrors.badRequest(`error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  ${lines.join("\n  ")}`);
  return lines;
}
