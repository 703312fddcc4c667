/** apps/v1 StatefulSet as the controller reads it (JSON). */
import type { KubeObject, ObjectMeta } from "@lite/sdk";
import type { Condition, LabelSelectorJson, PodTemplate } from "../workload-pods/types.ts";

export interface PersistentVolumeClaim extends KubeObject {
  // biome-ignore lint: JSON.
  spec?: Record<string, any>;
}

export interface StatefulSet extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelectorJson;
    template?: PodTemplate;
    serviceName?: string;
    podManagementPolicy?: "OrderedReady" | "Parallel";
    updateStrategy?: { type?: "RollingUpdate" | "OnDelete"; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
    revisionHistoryLimit?: number;
    minReadySeconds?: number;
    volumeClaimTemplates?: { metadata?: ObjectMeta; spec?: Record<string, unknown> }[];
    persistentVolumeClaimRetentionPolicy?: { whenDeleted?: "Retain" | "Delete"; whenScaled?: "Retain" | "Delete" };
    ordinals?: { start?: number };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    collisionCount?: number;
    conditions?: Condition[];
  };
}

export const STATEFULSET_KIND = "StatefulSet";
export const STATEFULSET_API_VERSION = "apps/v1";
export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
