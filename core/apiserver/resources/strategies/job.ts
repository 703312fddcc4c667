/** batch/v1 Jobs and CronJobs: defaults, the generated controller-uid selector, restartPolicy rules. */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import { jsonEqual } from "../../machinery/json-value.ts";
import type { KObject, Strategy } from "../types.ts";
import { defaultPodSpec, validatePodSpec } from "./pod-spec.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

function defaultJobSpec(spec: Json): void {
  if (spec.completions === undefined && spec.parallelism === undefined) { spec.completions = 1; spec.parallelism = 1; }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= "NonIndexed";
  spec.suspend ??= false;
  spec.manualSelector ??= undefined;
  spec.podReplacementPolicy ??= "TerminatingOrFailed";
  spec.template ??= {};
  spec.template.metadata ??= {};
  spec.template.metadata.creationTimestamp ??= null;
  spec.template.spec ??= {};
  defaultPodSpec(spec.template.spec);
  if (spec.manualSelector === undefined) delete spec.manualSelector;
}

function validateJobTemplate(spec: Json | undefined, path: string): FieldError[] {
  const errs = validatePodSpec(spec?.template?.spec, `${path}.template.spec`);
  const rp = spec?.template?.spec?.restartPolicy;
  if (rp !== "OnFailure" && rp !== "Never") {
    errs.push(fieldErrors.notSupported(`${path}.template.spec.restartPolicy`, rp, ["OnFailure", "Never"]));
  }
  return errs;
}

export const jobStrategy: Strategy = {
  defaults(obj) { obj.spec ??= {}; defaultJobSpec(obj.spec); },
  prepareForCreate(obj: KObject) {
    obj.status = {};
    const spec: Json = obj.spec;
    if (spec.manualSelector === true) return;
    const uid = obj.metadata.uid ?? "";
    const name = obj.metadata.name ?? "";
    spec.selector = { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
    spec.template.metadata.labels = {
      ...(spec.template.metadata.labels ?? {}),
      "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name, "controller-uid": uid, "job-name": name,
    };
  },
  validate: (obj) => validateJobTemplate(obj.spec, "spec"),
  validateUpdate(obj, old) {
    const errs = validateJobTemplate(obj.spec, "spec");
    if (!jsonEqual(obj.spec?.selector, old.spec?.selector)) errs.push(fieldErrors.invalid("spec.selector", obj.spec?.selector ?? null, "field is immutable"));
    if (obj.spec?.completions !== old.spec?.completions) errs.push(fieldErrors.invalid("spec.completions", obj.spec?.completions ?? null, "field is immutable"));
    return errs;
  },
  selectableFields: (obj) => ({ "status.successful": String(obj.status?.succeeded ?? 0) }),
};

export const cronJobStrategy: Strategy = {
  defaults(obj) {
    const spec: Json = (obj.spec ??= {});
    spec.concurrencyPolicy ??= "Allow";
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    spec.jobTemplate ??= {};
    spec.jobTemplate.metadata ??= {};
    spec.jobTemplate.metadata.creationTimestamp ??= null;
    spec.jobTemplate.spec ??= {};
    defaultJobSpec(spec.jobTemplate.spec);
  },
  prepareForCreate(obj) { obj.status = {}; },
  validate(obj) {
    const errs = validateJobTemplate(obj.spec?.jobTemplate?.spec, "spec.jobTemplate.spec");
    if (!obj.spec?.schedule) errs.push(fieldErrors.required("spec.schedule", ""));
    return errs;
  },
};
