/** Namespaces: the `kubernetes` finalizer, phase Active/Terminating, the metadata.name label. */
import type { Strategy } from "../types.ts";

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export const namespaceStrategy: Strategy = {
  defaults(obj) {
    const name = obj.metadata.name;
    if (name) obj.metadata.labels = { ...(obj.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: name };
  },
  prepareForCreate(obj) {
    obj.spec = { ...(obj.spec ?? {}) };
    obj.spec.finalizers = ["kubernetes"];
    obj.status = { phase: "Active" };
  },
  prepareForUpdate(obj, old) {
    obj.spec = old.spec;
  },
  pendingFinalization: (obj) => Array.isArray(obj.spec?.finalizers) && obj.spec.finalizers.length > 0,
  markDeleting(obj) {
    obj.status = { ...(obj.status ?? {}), phase: "Terminating" };
  },
  selectableFields(obj) {
    return { "status.phase": obj.status?.phase ?? "" };
  },
};
