/** Pods: defaults, validation, status split, immutable spec, graceful deletion, selectable fields. */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import { jsonEqual } from "../../machinery/json-value.ts";
import { computePodQos } from "../../machinery/pod-qos.ts";
import type { KObject, Strategy } from "../types.ts";
import { defaultPodAdmission, defaultPodSpec, validatePodSpec } from "./pod-spec.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

/**
 * Upstream SetDefaults_Pod: a container (or init container) that limits a resource without
 * requesting it requests the limit. Applied when a pod is created (stored pods already carry it;
 * defaulting an older stored pod on update would trip the immutable-spec rule).
 */
function defaultRequestsFromLimits(spec: Json): void {
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])] as Json[]) {
    const limits = c.resources?.limits;
    if (!limits || typeof limits !== "object") continue;
    const requests = (c.resources.requests ??= {});
    for (const [name, value] of Object.entries(limits)) if (requests[name] === undefined) requests[name] = value;
  }
}

/** Strips image fields so two specs can be compared for the "only images may change" rule. */
function mutableStripped(spec: Json): Json {
  const copy = structuredClone(spec);
  for (const list of [copy.containers, copy.initContainers]) for (const c of list ?? []) delete c.image;
  delete copy.activeDeadlineSeconds;
  delete copy.tolerations;
  delete copy.terminationGracePeriodSeconds;
  delete copy.ephemeralContainers;
  return copy;
}

export const podStrategy: Strategy = {
  // Upstream podStatusStrategy: old kubelets corrupted ownerReferences through /status.
  statusMetadata: { reset: ["ownerReferences"] },
  defaults(obj) {
    obj.spec ??= {};
    defaultPodSpec(obj.spec);
  },
  prepareForCreate(obj) {
    defaultPodAdmission(obj.spec);
    defaultRequestsFromLimits(obj.spec);
    obj.status = { phase: "Pending", qosClass: computePodQos(obj.spec) };
  },
  validate(obj) {
    return validatePodSpec(obj.spec, "spec");
  },
  validateUpdate(obj, old) {
    const errs: FieldError[] = validatePodSpec(obj.spec, "spec");
    // Key order is not meaningful (kubectl replace sends keys sorted).
    if (!jsonEqual(mutableStripped(obj.spec ?? {}), mutableStripped(old.spec ?? {}))) {
      errs.push(fieldErrors.forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"));
    }
    return errs;
  },
  selectableFields(obj: KObject) {
    return {
      "spec.nodeName": obj.spec?.nodeName ?? "",
      "spec.restartPolicy": obj.spec?.restartPolicy ?? "",
      "spec.schedulerName": obj.spec?.schedulerName ?? "",
      "spec.serviceAccountName": obj.spec?.serviceAccountName ?? "",
      "spec.hostNetwork": String(obj.spec?.hostNetwork === true),
      "status.phase": obj.status?.phase ?? "",
      "status.podIP": obj.status?.podIP ?? "",
      "status.nominatedNodeName": obj.status?.nominatedNodeName ?? "",
    };
  },
  gracePeriod(obj, requested) {
    const phase = obj.status?.phase;
    if (!obj.spec?.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
    const grace = requested ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  },
};
