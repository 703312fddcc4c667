/** PriorityClass (scheduling.k8s.io/v1): `value` and `preemptionPolicy` are fixed once created (upstream ValidatePriorityClassUpdate). */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import { jsonEqual } from "../../machinery/json-value.ts";
import type { KObject, Strategy } from "../types.ts";

export const priorityClassStrategy: Strategy = {
  defaults(obj: KObject) {
    obj.preemptionPolicy ??= "PreemptLowerPriority";
  },
  validateUpdate(obj: KObject, old: KObject): FieldError[] {
    const errs: FieldError[] = [];
    if (obj.value !== old.value) errs.push(fieldErrors.forbidden("value", "may not be changed in an update."));
    if (!jsonEqual(obj.preemptionPolicy ?? null, old.preemptionPolicy ?? null)) errs.push(fieldErrors.invalid("preemptionPolicy", obj.preemptionPolicy ?? null, "field is immutable"));
    return errs;
  },
};
