/** The PersistentVolume, PersistentVolumeClaim and StorageClass fields the PV controllers read and write. */
import type { KubeObject, NodeSelectorTerm } from "@lite/sdk";
import type { LabelSelector } from "../replicaset/types.ts";

export interface ObjectReference {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export type VolumePhase = "Pending" | "Available" | "Bound" | "Released" | "Failed";
export type ClaimPhase = "Pending" | "Bound" | "Lost";

export interface PersistentVolume extends KubeObject {
  spec?: {
    capacity?: Record<string, string>;
    accessModes?: string[];
    claimRef?: ObjectReference;
    persistentVolumeReclaimPolicy?: "Retain" | "Delete" | "Recycle";
    storageClassName?: string;
    volumeMode?: "Filesystem" | "Block";
    nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } };
    hostPath?: { path: string; type?: string };
    local?: { path: string };
    [k: string]: unknown;
  };
  status?: { phase?: VolumePhase; message?: string; reason?: string; lastPhaseTransitionTime?: string };
}

export interface PersistentVolumeClaim extends KubeObject {
  spec?: {
    accessModes?: string[];
    selector?: LabelSelector;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    volumeName?: string;
    storageClassName?: string | null;
    volumeMode?: "Filesystem" | "Block";
    [k: string]: unknown;
  };
  status?: {
    phase?: ClaimPhase;
    accessModes?: string[];
    capacity?: Record<string, string>;
    conditions?: unknown[];
    [k: string]: unknown;
  };
}

export interface StorageClass extends KubeObject {
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: "Retain" | "Delete";
  volumeBindingMode?: "Immediate" | "WaitForFirstConsumer";
  allowVolumeExpansion?: boolean;
}

/** Annotations upstream's PV controller and provisioners use (k8s.io/component-helpers/storage/volume). */
export const ANN = {
  /** On a claim: the binding is complete (set by the controller; its absence means "not bound yet"). */
  bindCompleted: "pv.kubernetes.io/bind-completed",
  /** On a claim or volume: the controller (not the user) set volumeName / claimRef. */
  boundByController: "pv.kubernetes.io/bound-by-controller",
  /** On a volume: the provisioner that created it (and should delete it). */
  provisionedBy: "pv.kubernetes.io/provisioned-by",
  /** On a claim: the provisioner expected to create its volume. */
  storageProvisioner: "volume.kubernetes.io/storage-provisioner",
  betaStorageProvisioner: "volume.beta.kubernetes.io/storage-provisioner",
  /** On a claim: the node the scheduler chose (WaitForFirstConsumer). */
  selectedNode: "volume.kubernetes.io/selected-node",
  /** On a StorageClass: the default class. */
  isDefaultClass: "storageclass.kubernetes.io/is-default-class",
  betaIsDefaultClass: "storageclass.beta.kubernetes.io/is-default-class",
  /** Deprecated class annotation, still honoured over spec.storageClassName. */
  betaStorageClass: "volume.beta.kubernetes.io/storage-class",
} as const;

export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection";

/** Upstream storagehelpers.GetPersistentVolumeClaimClass: the beta annotation wins, then the spec field. */
export function claimClass(claim: PersistentVolumeClaim): string {
  const ann = claim.metadata.annotations?.[ANN.betaStorageClass];
  if (ann !== undefined) return ann;
  return claim.spec?.storageClassName ?? "";
}

/** Upstream storagehelpers.GetPersistentVolumeClass. */
export function volumeClass(volume: PersistentVolume): string {
  const ann = volume.metadata.annotations?.[ANN.betaStorageClass];
  if (ann !== undefined) return ann;
  return volume.spec?.storageClassName ?? "";
}

export function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[ANN.isDefaultClass] === "true" || a[ANN.betaIsDefaultClass] === "true";
}

export function claimKey(claim: { metadata: { namespace?: string; name?: string } }): string {
  return `${claim.metadata.namespace ?? ""}/${claim.metadata.name ?? ""}`;
}

/** Upstream IsVolumeBoundToClaim: claimRef names the claim, and its uid (if any) is the claim's. */
export function isVolumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}
