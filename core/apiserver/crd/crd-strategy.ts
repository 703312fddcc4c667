/**
 * The registry strategy of CustomResourceDefinition objects (apiextensions' CRD strategy):
 * v1 defaults, a fresh status with the storage version recorded on create, the storage version
 * appended to status.storedVersions on update, and on the first delete request the
 * `customresourcecleanup` finalizer with the Terminating condition (the controller then removes
 * the custom objects and the finalizer).
 */
import type { KObject, Strategy, StrategyContext } from "../resources/index.ts";
import { formatTime } from "../../kube-time.ts";
import { setCondition } from "./conditions.ts";
import { validateCRD, validateCRDUpdate } from "./crd-validation.ts";
import { CLEANUP_FINALIZER, type CRDObject } from "./types.ts";

const asCRD = (obj: KObject) => obj as unknown as CRDObject;

function storageVersionOf(crd: CRDObject): string | undefined {
  return (crd.spec?.versions ?? []).find((v) => v.storage)?.name;
}

export const crdStrategy: Strategy = {
  defaults(obj) {
    const crd = asCRD(obj);
    if (!crd.spec || typeof crd.spec !== "object") return;
    const names = crd.spec.names;
    if (names && typeof names === "object" && names.kind) {
      if (!names.singular) names.singular = names.kind.toLowerCase();
      if (!names.listKind) names.listKind = `${names.kind}List`;
    }
    if (!crd.spec.conversion) crd.spec.conversion = { strategy: "None" };
  },
  prepareForCreate(obj) {
    const crd = asCRD(obj);
    const storage = storageVersionOf(crd);
    crd.status = { acceptedNames: { plural: "", kind: "" }, storedVersions: storage ? [storage] : [] };
  },
  prepareForUpdate(obj) {
    const crd = asCRD(obj);
    const storage = storageVersionOf(crd);
    if (!storage) return;
    const status = (crd.status ??= { acceptedNames: { plural: "", kind: "" } });
    const stored = status.storedVersions ?? [];
    if (!stored.includes(storage)) status.storedVersions = [...stored, storage];
  },
  validate: (obj) => validateCRD(asCRD(obj)),
  validateUpdate: (obj, old) => validateCRDUpdate(asCRD(obj), asCRD(old)),
  prepareForDelete(obj, ctx: StrategyContext) {
    const crd = asCRD(obj);
    const finalizers = crd.metadata.finalizers ?? [];
    if (!finalizers.includes(CLEANUP_FINALIZER)) crd.metadata.finalizers = [...finalizers, CLEANUP_FINALIZER];
    crd.status ??= { acceptedNames: { plural: "", kind: "" } };
    setCondition(crd.status, {
      type: "Terminating", status: "True", reason: "InstanceDeletionPending",
      message: "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
    }, formatTime(ctx.now));
  },
};
