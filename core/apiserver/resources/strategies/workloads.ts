/** apps/v1 workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet) and ReplicationControllers. */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import { jsonEqual } from "../../machinery/json-value.ts";
import type { KObject, Strategy } from "../types.ts";
import { defaultPodSpec, validatePodSpec } from "./pod-spec.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

function selectorMatches(selector: Json | undefined, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries((selector?.matchLabels ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  for (const e of (selector?.matchExpressions ?? []) as Json[]) {
    const has = Object.hasOwn(labels, e.key);
    const val = labels[e.key];
    const values: string[] = e.values ?? [];
    if (e.operator === "In" && !(has && values.includes(val as string))) return false;
    if (e.operator === "NotIn" && has && values.includes(val as string)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

function formatMap(m: Record<string, string>): string {
  const entries = Object.entries(m).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `map[string]string{${entries.join(", ")}}`;
}

/** Selector present, non-empty, and matching the template labels (apps/v1 rules). */
function validateSelectorAndTemplate(obj: KObject, requireSelector: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const spec: Json = obj.spec ?? {};
  const sel = spec.selector;
  const empty = !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
  if (requireSelector && empty) {
    errs.push(fieldErrors.required("spec.selector", ""));
    errs.push(fieldErrors.invalid("spec.selector", sel ?? null, "empty selector is invalid for deployment"));
  }
  const labels: Record<string, string> = spec.template?.metadata?.labels ?? {};
  if (!empty && !selectorMatches(sel, labels)) {
    errs.push({ type: "FieldValueInvalid", field: "spec.template.metadata.labels", body: `Invalid value: ${formatMap(labels)}: \`selector\` does not match template \`labels\`` });
  }
  errs.push(...validatePodSpec(spec.template?.spec, "spec.template.spec"));
  if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0)) {
    errs.push(fieldErrors.invalid("spec.replicas", spec.replicas, "must be greater than or equal to 0"));
  }
  return errs;
}

function immutableSelector(obj: KObject, old: KObject): FieldError[] {
  if (jsonEqual(obj.spec?.selector ?? null, old.spec?.selector ?? null)) return [];
  return [fieldErrors.invalid("spec.selector", obj.spec?.selector ?? null, "field is immutable")];
}

function defaultTemplate(spec: Json): void {
  spec.template ??= {};
  spec.template.metadata ??= {};
  spec.template.metadata.creationTimestamp ??= null;
  spec.template.spec ??= {};
  defaultPodSpec(spec.template.spec);
}

/** Status starts empty for every workload (controllers fill it). */
function clearStatus(obj: KObject): void {
  obj.status = {};
}

function workloadStrategy(defaults: (spec: Json) => void, requireSelector = true): Strategy {
  return {
    defaults(obj) {
      obj.spec ??= {};
      defaults(obj.spec);
      defaultTemplate(obj.spec);
    },
    prepareForCreate: clearStatus,
    validate: (obj) => validateSelectorAndTemplate(obj, requireSelector),
    validateUpdate: (obj, old) => [...validateSelectorAndTemplate(obj, requireSelector), ...immutableSelector(obj, old)],
  };
}

export const deploymentStrategy: Strategy = { ...workloadStrategy((spec) => {
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ??= "RollingUpdate";
  if (spec.strategy.type === "RollingUpdate") {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= "25%";
    spec.strategy.rollingUpdate.maxSurge ??= "25%";
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
}), statusMetadata: { reset: ["labels"] } }; // upstream deploymentStatusStrategy keeps the labels

export const replicaSetStrategy: Strategy = {
  ...workloadStrategy((spec) => { spec.replicas ??= 1; }),
  selectableFields: (obj) => ({ "status.replicas": String(obj.status?.replicas ?? 0) }),
};

export const statefulSetStrategy = workloadStrategy((spec) => {
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= "OrderedReady";
  spec.updateStrategy ??= { type: "RollingUpdate" };
  if (spec.updateStrategy.type === "RollingUpdate") spec.updateStrategy.rollingUpdate ??= { partition: 0 };
  spec.revisionHistoryLimit ??= 10;
  spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: "Retain", whenScaled: "Retain" };
});

export const daemonSetStrategy = workloadStrategy((spec) => {
  spec.updateStrategy ??= { type: "RollingUpdate" };
  if (spec.updateStrategy.type === "RollingUpdate") {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
});

/** ReplicationControllers: selector is a plain map, defaulted from the template labels. */
export const replicationControllerStrategy: Strategy = {
  defaults(obj) {
    const spec: Json = (obj.spec ??= {});
    spec.replicas ??= 1;
    defaultTemplate(spec);
    if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...(spec.template.metadata.labels ?? {}) };
  },
  prepareForCreate: clearStatus,
  validate(obj) {
    const errs = validatePodSpec(obj.spec?.template?.spec, "spec.template.spec");
    if (Object.keys(obj.spec?.selector ?? {}).length === 0) errs.push(fieldErrors.required("spec.selector", ""));
    return errs;
  },
  selectableFields: (obj) => ({ "status.replicas": String(obj.status?.replicas ?? 0) }),
};
