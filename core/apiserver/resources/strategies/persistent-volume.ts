/**
 * PersistentVolumes and PersistentVolumeClaims: a new object starts with an empty status in phase
 * Pending (upstream PrepareForCreate + SetDefaults; PVs also record lastPhaseTransitionTime). The
 * binder controller moves the phase on from there through the status subresource. Spec validation
 * on create and update: persistent-volume-validation.ts.
 */
import type { KObject, Strategy, StrategyContext } from "../types.ts";
import { validateClaimSpec, validateClaimUpdate, validateVolumeSpec, validateVolumeUpdate } from "./persistent-volume-validation.ts";
import { defaultPersistentVolumeSource } from "./pv-sources.ts";

const timestamp = (d: Date) => d.toISOString().replace(/\.\d+Z$/, "Z");

export const persistentVolumeStrategy: Strategy = {
  defaults(obj: KObject) {
    defaultPersistentVolumeSource(obj.spec as Record<string, unknown> | undefined);
  },
  prepareForCreate(obj: KObject, ctx: StrategyContext) {
    obj.status = { phase: "Pending", lastPhaseTransitionTime: timestamp(ctx.now) };
  },
  validate: (obj: KObject) => validateVolumeSpec(obj.spec as Record<string, unknown> | undefined, obj.metadata.name),
  validateUpdate: validateVolumeUpdate,
};

export const persistentVolumeClaimStrategy: Strategy = {
  prepareForCreate(obj: KObject) {
    obj.status = { phase: "Pending" };
  },
  validate: (obj: KObject) => validateClaimSpec(obj.spec as Record<string, unknown> | undefined),
  validateUpdate: validateClaimUpdate,
};
