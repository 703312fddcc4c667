/** Nodes and core/v1 Events: selectable fields and small defaults. */
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
  selectableFields(obj) {
    const io = obj.involvedObject ?? {};
    const source = obj.reportingComponent || obj.source?.component || "";
    return {
      "involvedObject.kind": io.kind ?? "", "involvedObject.namespace": io.namespace ?? "", "involvedObject.name": io.name ?? "",
      "involvedObject.uid": io.uid ?? "", "involvedObject.apiVersion": io.apiVersion ?? "",
      "involvedObject.resourceVersion": io.resourceVersion ?? "", "involvedObject.fieldPath": io.fieldPath ?? "",
      reason: obj.reason ?? "", reportingComponent: obj.reportingComponent ?? "", source, type: obj.type ?? "",
    };
  },
};

export const csrStrategy: Strategy = {
  prepareForCreate(obj) { obj.status = {}; },
  selectableFields: (obj) => ({ "spec.signerName": obj.spec?.signerName ?? "" }),
};
