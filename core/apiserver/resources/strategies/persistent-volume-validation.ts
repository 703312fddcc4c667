/**
 * PersistentVolume and PersistentVolumeClaim validation (upstream pkg/apis/core/validation:
 * ValidatePersistentVolumeSpec, ValidatePersistentVolumeUpdate, ValidatePersistentVolumeClaimSpec,
 * ValidatePersistentVolumeClaimUpdate, Kubernetes 1.32 defaults: ReadWriteOncePod supported,
 * RecoverVolumeExpansionFailure on), with upstream's field paths and messages. The volume source
 * (exactly one, each in-tree source's fields): pv-sources.ts.
 */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import { jsonEqual } from "../../machinery/json-value.ts";
import { compareQuantities, parseQuantity, quantityScaledValue, type Quantity } from "../../machinery/quantity.ts";
import type { KObject } from "../types.ts";
import { defaultPersistentVolumeSource, persistentVolumeSourceErrors, PV_SOURCES } from "./pv-sources.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
const VOLUME_MODES = ["Block", "Filesystem"];
const RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"];
const BETA_STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const quantityOf = (text: unknown): Quantity | undefined => {
  if (typeof text !== "string" && typeof text !== "number") return undefined;
  try {
    return parseQuantity(String(text));
  } catch {
    return undefined;
  }
};
const ZERO = parseQuantity("0");

function accessModeErrors(modes: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  let once = false, other = false;
  for (const mode of modes) {
    if (!ACCESS_MODES.includes(String(mode))) errs.push(fieldErrors.notSupported(path, mode, ACCESS_MODES));
    else if (mode === "ReadWriteOncePod") once = true;
    else other = true;
  }
  if (once && other) errs.push(fieldErrors.forbidden(path, "may not use ReadWriteOncePod with other access modes"));
  return errs;
}

/** ValidatePositiveQuantityValue (and that the text is a quantity at all). */
function positiveQuantityErrors(value: unknown, path: string): FieldError[] {
  const q = quantityOf(value);
  if (!q) return [fieldErrors.invalid(path, String(value), "must be a quantity")];
  if (compareQuantities(q, ZERO) <= 0) return [fieldErrors.invalid(path, String(value), "must be greater than zero")];
  return [];
}

function classNameErrors(name: string, path: string): FieldError[] {
  if (name.length > 253) return [fieldErrors.invalid(path, name, "must be no more than 253 characters")];
  if (!DNS1123_SUBDOMAIN.test(name)) {
    return [fieldErrors.invalid(path, name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")];
  }
  return [];
}

// ---- PersistentVolumeClaim ----

/** ValidatePersistentVolumeClaimSpec. */
export function validateClaimSpec(spec: Json | undefined, path = "spec"): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  const modes: unknown[] = Array.isArray(s.accessModes) ? s.accessModes : [];
  if (modes.length === 0) errs.push(fieldErrors.required(`${path}.accessModes`, "at least 1 access mode is required"));
  errs.push(...accessModeErrors(modes, `${path}.accessModes`));
  const requests: Json = s.resources?.requests ?? {};
  if (!("storage" in requests)) errs.push(fieldErrors.required(`${path}.resources[storage]`));
  else errs.push(...positiveQuantityErrors(requests.storage, `${path}.resources[storage]`));
  if (typeof s.storageClassName === "string" && s.storageClassName) errs.push(...classNameErrors(s.storageClassName, `${path}.storageClassName`));
  if (s.volumeMode != null && !VOLUME_MODES.includes(s.volumeMode)) errs.push(fieldErrors.notSupported(`${path}.volumeMode`, s.volumeMode, VOLUME_MODES));
  for (const [key, ref] of [["dataSource", s.dataSource], ["dataSourceRef", s.dataSourceRef]] as const) {
    if (!ref) continue;
    if (!ref.name) errs.push(fieldErrors.required(`${path}.${key}.name`));
    if (!ref.kind) errs.push(fieldErrors.required(`${path}.${key}.kind`));
    if (!ref.apiGroup && ref.kind !== "PersistentVolumeClaim") {
      errs.push(fieldErrors.invalid(`${path}.${key}`, ref.kind ?? "", "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
    }
  }
  return errs;
}

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is fixed after creation except volumeName (set
 * once, by the binder), a storageClassName given to a claim that had none, and, for bound claims,
 * the storage request (which may shrink only down to more than status.capacity).
 */
export function validateClaimUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs = validateClaimSpec(obj.spec as Json);
  const spec = structuredClone((obj.spec ?? {}) as Json);
  const oldSpec = structuredClone((old.spec ?? {}) as Json);
  if (!oldSpec.volumeName) setOrDelete(oldSpec, "volumeName", spec.volumeName);
  const oldAnnotation = old.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  const newAnnotation = obj.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  const upgradeFromAnnotation = oldAnnotation !== undefined && oldSpec.storageClassName == null &&
    spec.storageClassName != null && spec.storageClassName === oldAnnotation && (newAnnotation === undefined || newAnnotation === oldAnnotation);
  if (upgradeFromAnnotation) {
    delete spec.storageClassName;
  } else {
    if (newAnnotation !== oldAnnotation) {
      errs.push(fieldErrors.forbidden(`metadata.annotations[${BETA_STORAGE_CLASS_ANNOTATION}]`, "field is immutable"));
    }
    // validateStorageClassUpgradeFromNil: a class given to a claim that had none (retroactive default class).
    if (spec.storageClassName != null && oldSpec.storageClassName == null && (oldAnnotation === undefined || oldAnnotation === spec.storageClassName)) {
      setOrDelete(spec, "storageClassName", oldSpec.storageClassName);
    }
  }
  const bound = (obj.status as Json | undefined)?.phase === "Bound";
  if (bound && spec.resources?.requests) setOrDelete(spec.resources.requests, "storage", oldSpec.resources?.requests?.storage);
  setOrDelete(spec, "volumeAttributesClassName", oldSpec.volumeAttributesClassName);
  if (!jsonEqual(normalizeQuantities(spec), normalizeQuantities(oldSpec))) {
    errs.push(fieldErrors.forbidden("spec", `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${specDiff(oldSpec, spec)}`));
  }
  const newSize = quantityOf((obj.spec as Json | undefined)?.resources?.requests?.storage);
  const oldSize = quantityOf((old.spec as Json | undefined)?.resources?.requests?.storage);
  const statusSize = quantityOf((old.status as Json | undefined)?.capacity?.storage) ?? ZERO;
  if (newSize && oldSize && compareQuantities(newSize, oldSize) < 0 && compareQuantities(newSize, statusSize) <= 0) {
    errs.push(fieldErrors.forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"));
  }
  if (!jsonEqual((obj.spec as Json | undefined)?.volumeMode ?? null, (old.spec as Json | undefined)?.volumeMode ?? null)) {
    errs.push(fieldErrors.invalid("volumeMode", (obj.spec as Json | undefined)?.volumeMode ?? null, "field is immutable"));
  }
  return errs;
}

/** `obj[key] = value`, or no `key` at all when `value` is undefined (so that JSON comparisons see the same shape). */
function setOrDelete(obj: Json, key: string, value: unknown): void {
  if (value === undefined) delete obj[key];
  else obj[key] = value;
}

/** Quantities compared by value, as apiequality.Semantic does ("1Gi" equals "1024Mi"). */
function normalizeQuantities(spec: Json): Json {
  const requests = spec.resources?.requests;
  const limits = spec.resources?.limits;
  if (!requests && !limits) return spec;
  const canon = (list: Json | undefined) => list && Object.fromEntries(Object.entries(list).map(([k, v]) => {
    const q = quantityOf(v);
    return [k, q ? `${quantityScaledValue(q, -3)}m` : v];
  }));
  return { ...spec, resources: { ...spec.resources, ...(requests ? { requests: canon(requests) } : {}), ...(limits ? { limits: canon(limits) } : {}) } };
}

/** The changed top-level spec fields, `-` old and `+` new, as a short stand-in for upstream's cmp.Diff. */
function specDiff(old: Json, next: Json): string {
  const lines: string[] = [];
  for (const key of [...new Set([...Object.keys(old), ...Object.keys(next)])].sort()) {
    if (jsonEqual(old[key] ?? null, next[key] ?? null)) continue;
    if (key in old) lines.push(`-\t${key}: ${JSON.stringify(old[key])}`);
    if (key in next) lines.push(`+\t${key}: ${JSON.stringify(next[key])}`);
  }
  return lines.join("\n");
}

// ---- PersistentVolume ----

/** ValidatePersistentVolumeSpec (not inline); `name` is the volume's (iscsi checks its length). */
export function validateVolumeSpec(spec: Json | undefined, name = ""): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  const modes: unknown[] = Array.isArray(s.accessModes) ? s.accessModes : [];
  if (modes.length === 0) errs.push(fieldErrors.required("spec.accessModes"));
  errs.push(...accessModeErrors(modes, "spec.accessModes"));
  const capacity: Json = s.capacity ?? {};
  const names = Object.keys(capacity);
  if (names.length === 0) errs.push(fieldErrors.required("spec.capacity"));
  if (!("storage" in capacity) || names.length > 1) errs.push(fieldErrors.notSupported("spec.capacity", capacity, ["storage"]));
  for (const name of names) errs.push(...positiveQuantityErrors(capacity[name], `spec.capacity[${name}]`));
  if (s.persistentVolumeReclaimPolicy && !RECLAIM_POLICIES.includes(s.persistentVolumeReclaimPolicy)) {
    errs.push(fieldErrors.notSupported("spec.persistentVolumeReclaimPolicy", s.persistentVolumeReclaimPolicy, RECLAIM_POLICIES));
  }
  const nodeAffinityTerms = s.nodeAffinity?.required?.nodeSelectorTerms;
  if (s.nodeAffinity && s.nodeAffinity.required && (!Array.isArray(nodeAffinityTerms) || nodeAffinityTerms.length === 0)) {
    errs.push(fieldErrors.required("spec.nodeAffinity.required.nodeSelectorTerms", "must have at least one node selector term"));
  }
  const nodeAffinitySpecified = Array.isArray(nodeAffinityTerms) && nodeAffinityTerms.length > 0;
  errs.push(...persistentVolumeSourceErrors(s, name, nodeAffinitySpecified));
  if (s.hostPath?.path && s.hostPath.path.replace(/\/+$/, "") === "" && s.persistentVolumeReclaimPolicy === "Recycle") {
    errs.push(fieldErrors.forbidden("spec.persistentVolumeReclaimPolicy", "may not be 'recycle' for a hostPath mount of '/'"));
  }
  if (typeof s.storageClassName === "string" && s.storageClassName) errs.push(...classNameErrors(s.storageClassName, "spec.storageClassName"));
  if (s.volumeMode != null && !VOLUME_MODES.includes(s.volumeMode)) errs.push(fieldErrors.notSupported("spec.volumeMode", s.volumeMode, VOLUME_MODES));
  return errs;
}

/** ValidatePersistentVolumeUpdate: the volume source and volumeMode are fixed; node affinity may only be added. */
export function validateVolumeUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs = validateVolumeSpec(obj.spec as Json, obj.metadata.name);
  const sourceOf = (spec: Json | undefined) => Object.fromEntries(PV_SOURCES.filter((k) => spec?.[k] != null).map((k) => [k, spec![k]]));
  const spec = obj.spec as Json | undefined;
  // The stored volume may predate a default (hostPath.type, azureDisk.kind, ...): compare it defaulted.
  const oldSpec = structuredClone(old.spec) as Json | undefined;
  defaultPersistentVolumeSource(oldSpec);
  const next = sourceOf(spec);
  const before = sourceOf(oldSpec);
  // A CSI volume may gain a controllerExpandSecretRef.
  if (before.csi && next.csi && before.csi.controllerExpandSecretRef == null && next.csi.controllerExpandSecretRef != null) {
    next.csi = { ...next.csi };
    delete next.csi.controllerExpandSecretRef;
  }
  if (!jsonEqual(next, before)) {
    errs.push(fieldErrors.forbidden("spec.persistentvolumesource", `spec.persistentvolumesource is immutable after creation\n${specDiff(before, next)}`));
  }
  if (!jsonEqual(spec?.volumeMode ?? null, oldSpec?.volumeMode ?? null)) errs.push(fieldErrors.invalid("volumeMode", spec?.volumeMode ?? null, "field is immutable"));
  if (oldSpec?.nodeAffinity && !jsonEqual(spec?.nodeAffinity ?? null, oldSpec.nodeAffinity)) {
    errs.push(fieldErrors.invalid("nodeAffinity", spec?.nodeAffinity ?? null, "field is immutable"));
  }
  return errs;
}
