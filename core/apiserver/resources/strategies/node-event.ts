/** Nodes and core/v1 Events: selectable fields and small defaults. */
import { coreEventFields } from "../../conversion/event/selectable-fields.ts";
import type { Strategy } from "../types.ts";

export const nodeStrategy: Strategy = {
  prepareForCreate(obj) { obj.status ??= {}; },
  selectableFields: (obj) => ({ "spec.unschedulable": String(obj.spec?.unschedulable === true) }),
};

export const eventStrategy: Strategy = {
  defaults(obj) {
    obj.count ??= 1;
    obj.source ??= {};
  },
  selectableFields: coreEventFields,
};

export const csrStrategy: Strategy = {
  prepareForCreate(obj) { obj.status = {}; },
  selectableFields: (obj) => ({ "spec.signerName": obj.spec?.signerName ?? "" }),
};
