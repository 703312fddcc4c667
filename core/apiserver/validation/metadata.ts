/** Generic ObjectMeta validation (apimachinery `ValidateObjectMeta` and its update variant). */
import { fieldErrors, type FieldError } from "../errors/index.ts";
import type { ObjectMeta } from "../resources/types.ts";
import { checkLabelValue, checkName, checkQualifiedName, type NameRule } from "./names.ts";

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const m of checkQualifiedName(k)) errs.push(fieldErrors.invalid(path, k, m));
    if (typeof v !== "string") errs.push(fieldErrors.invalid(`${path}`, v, "label values must be strings"));
    else for (const m of checkLabelValue(v)) errs.push(fieldErrors.invalid(path, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const m of checkQualifiedName(k.toLowerCase())) errs.push(fieldErrors.invalid(path, k, m));
    size += k.length + (typeof v === "string" ? v.length : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldErrors.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** Create-time checks: name (or generateName) per the kind's rule, namespace presence, labels, annotations. */
export function validateObjectMeta(meta: ObjectMeta, namespaced: boolean, rule: NameRule): FieldError[] {
  const errs: FieldError[] = [];
  if (!meta.name && !meta.generateName) {
    errs.push(fieldErrors.required("metadata.name", "name or generateName is required"));
  } else if (meta.name) {
    for (const m of checkName(rule, meta.name)) errs.push(fieldErrors.invalid("metadata.name", meta.name, m));
  }
  if (namespaced && !meta.namespace) errs.push(fieldErrors.required("metadata.namespace", ""));
  if (!namespaced && meta.namespace) errs.push(fieldErrors.forbidden("metadata.namespace", "not allowed on this type"));
  errs.push(...validateLabels(meta.labels, "metadata.labels"));
  errs.push(...validateAnnotations(meta.annotations, "metadata.annotations"));
  for (const [i, f] of (meta.finalizers ?? []).entries()) {
    for (const m of checkQualifiedName(f)) errs.push(fieldErrors.invalid(`metadata.finalizers[${i}]`, f, m));
  }
  for (const [i, ref] of (meta.ownerReferences ?? []).entries()) {
    const p = `metadata.ownerReferences[${i}]`;
    if (!ref.apiVersion) errs.push(fieldErrors.invalid(`${p}.apiVersion`, ref.apiVersion ?? "", "version must not be empty"));
    if (!ref.kind) errs.push(fieldErrors.invalid(`${p}.kind`, ref.kind ?? "", "kind must not be empty"));
    if (!ref.name) errs.push(fieldErrors.invalid(`${p}.name`, ref.name ?? "", "name must not be empty"));
    if (!ref.uid) errs.push(fieldErrors.invalid(`${p}.uid`, ref.uid ?? "", "uid must not be empty"));
  }
  return errs;
}

/** Update-time checks: immutable metadata fields, then the create checks on labels etc. */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  const immutable = "field is immutable";
  if (meta.name !== old.name) errs.push(fieldErrors.invalid("metadata.name", meta.name ?? "", immutable));
  if ((meta.namespace ?? "") !== (old.namespace ?? "")) errs.push(fieldErrors.invalid("metadata.namespace", meta.namespace ?? "", immutable));
  if (meta.uid !== old.uid) errs.push(fieldErrors.invalid("metadata.uid", meta.uid ?? "", immutable));
  if (meta.creationTimestamp !== old.creationTimestamp) errs.push(fieldErrors.invalid("metadata.creationTimestamp", meta.creationTimestamp ?? "", immutable));
  errs.push(...validateLabels(meta.labels, "metadata.labels"));
  errs.push(...validateAnnotations(meta.annotations, "metadata.annotations"));
  return errs;
}
