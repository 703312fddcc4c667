/**
 * APIService (apiregistration.k8s.io/v1): kube-aggregator 1.32's v1 defaults
 * (`pkg/apis/apiregistration/v1/defaults.go`), registry strategies (`pkg/registry/apiservice/strategy.go`)
 * and validation (`pkg/apis/apiregistration/validation/validation.go`), with its field paths and messages.
 * Status writes (the availability checks) go through the status subresource; main writes keep the status.
 */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import { isDNS1123Subdomain } from "../../machinery/label-validation.ts";
import { formatTime } from "../../../kube-time.ts";
import { checkDns1035Label, checkPathSegmentName } from "../../validation/names.ts";
import type { KObject, Strategy } from "../types.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

/** The label that says how the autoregistration keeps an APIService: `onstart` (once per start) or `true` (always). */
export const AUTOMANAGED_LABEL = "kube-aggregator.kubernetes.io/automanaged";

const CONDITION_STATUSES = ["True", "False", "Unknown"];

/** upstream NewLocalAvailableAPIServiceCondition. */
export function localAvailableCondition(now: Date): Json {
  return { type: "Available", status: "True", lastTransitionTime: formatTime(now), reason: "Local", message: "Local APIServices are always available" };
}

/**
 * upstream SetAPIServiceCondition: replaces reason and message of the condition of the same type
 * (lastTransitionTime and status move only when the status changes), or appends it.
 */
export function setAPIServiceCondition(status: Json, condition: Json): void {
  const conditions: Json[] = Array.isArray(status.conditions) ? status.conditions : [];
  const existing = conditions.find((c) => c?.type === condition.type);
  if (!existing) {
    status.conditions = [...conditions, condition];
    return;
  }
  if (existing.status !== condition.status) {
    existing.status = condition.status;
    existing.lastTransitionTime = condition.lastTransitionTime;
  }
  existing.reason = condition.reason;
  existing.message = condition.message;
  status.conditions = conditions;
}

export const apiServiceStrategy: Strategy = {
  statusMetadata: "reset",
  defaults(obj) {
    const service = obj.spec?.service;
    if (service !== null && typeof service === "object") service.port ??= 443;
  },
  prepareForCreate(obj, ctx) {
    obj.status = {};
    // Local APIServices are available from their creation on.
    if (obj.spec?.service == null) setAPIServiceCondition(obj.status, localAvailableCondition(ctx.now));
  },
  validate: (obj) => validateAPIService(obj),
  validateUpdate: (obj) => validateAPIService(obj),
  validateStatusUpdate: (obj) => validateAPIServiceStatus(obj.status),
};

/** upstream ValidateAPIService (metadata itself is validated by the engine, with the path-segment name rule). */
export function validateAPIService(obj: KObject): FieldError[] {
  const spec: Json = obj.spec !== null && typeof obj.spec === "object" ? obj.spec : {};
  const group = typeof spec.group === "string" ? spec.group : "";
  const version = typeof spec.version === "string" ? spec.version : "";
  const errs: FieldError[] = [];

  const name = obj.metadata.name ?? "";
  const requiredName = `${version}.${group}`;
  if (name !== "" && checkPathSegmentName(name).length === 0 && name !== requiredName) {
    errs.push(fieldErrors.invalid("metadata.name", name, `must be \`spec.version+"."+spec.group\`: ${JSON.stringify(requiredName)}`));
  }

  // Only the legacy core API (v1.) may have an empty group.
  if (group === "" && version !== "v1") errs.push(fieldErrors.required("spec.group", "only v1 may have an empty group and it better be legacy kube"));
  if (group !== "") for (const m of isDNS1123Subdomain(group)) errs.push(fieldErrors.invalid("spec.group", group, m));
  for (const m of checkDns1035Label(version)) errs.push(fieldErrors.invalid("spec.version", version, m));

  const groupPriority = int32Of(spec.groupPriorityMinimum);
  if (groupPriority <= 0 || groupPriority > 20000) errs.push(fieldErrors.invalid("spec.groupPriorityMinimum", groupPriority, "must be positive and less than 20000"));
  const versionPriority = int32Of(spec.versionPriority);
  if (versionPriority <= 0 || versionPriority > 1000) errs.push(fieldErrors.invalid("spec.versionPriority", versionPriority, "must be positive and less than 1000"));

  const caBundleBytes = byteLength(spec.caBundle);
  const insecure = spec.insecureSkipTLSVerify === true;
  if (spec.service == null) {
    if (caBundleBytes !== 0) errs.push(fieldErrors.invalid("spec.caBundle", `${caBundleBytes} bytes`, "local APIServices may not have a caBundle"));
    if (insecure) errs.push(fieldErrors.invalid("spec.insecureSkipTLSVerify", true, "local APIServices may not have insecureSkipTLSVerify"));
    return errs;
  }

  const service: Json = typeof spec.service === "object" ? spec.service : {};
  if (typeof service.namespace !== "string" || service.namespace === "") errs.push(fieldErrors.required("spec.service.namespace"));
  if (typeof service.name !== "string" || service.name === "") errs.push(fieldErrors.required("spec.service.name"));
  const port = int32Of(service.port);
  if (port < 1 || port > 65535) errs.push(fieldErrors.invalid("spec.service.port", port, "port is not valid: must be between 1 and 65535, inclusive"));
  if (insecure && caBundleBytes > 0) errs.push(fieldErrors.invalid("spec.insecureSkipTLSVerify", true, "may not be true if caBundle is present"));
  return errs;
}

/** upstream ValidateAPIServiceStatus: every condition's status is True, False or Unknown. */
export function validateAPIServiceStatus(status: unknown): FieldError[] {
  const conditions: unknown[] = status !== null && typeof status === "object" && Array.isArray((status as Json).conditions) ? (status as Json).conditions : [];
  const errs: FieldError[] = [];
  conditions.forEach((c, i) => {
    const value = c !== null && typeof c === "object" ? (c as Json).status ?? "" : "";
    if (!CONDITION_STATUSES.includes(value)) errs.push(fieldErrors.notSupported(`status.conditions[${i}].status`, value, CONDITION_STATUSES));
  });
  return errs;
}

/** The Go int32 a JSON number decodes to (0 when absent). */
function int32Of(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** Decoded length of a base64 `[]byte` field. */
function byteLength(v: unknown): number {
  return typeof v === "string" && v !== "" ? Buffer.from(v, "base64").length : 0;
}
