/** apps/v1 DaemonSet and core/v1 Node as the daemonset controller reads them (JSON). */
import type { KubeObject } from "@lite/sdk";
import type { Condition, LabelSelectorJson, PodTemplate, Taint } from "../workload-pods/types.ts";

export interface DaemonSet extends KubeObject {
  spec?: {
    selector?: LabelSelectorJson;
    template?: PodTemplate;
    updateStrategy?: { type?: "RollingUpdate" | "OnDelete"; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: {
    currentNumberScheduled?: number;
    numberMisscheduled?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    observedGeneration?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    numberUnavailable?: number;
    collisionCount?: number;
    conditions?: Condition[];
  };
}

export interface Node extends KubeObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean };
}

export const DAEMONSET_KIND = "DaemonSet";
export const DAEMONSET_API_VERSION = "apps/v1";
export const POD_TEMPLATE_GENERATION_LABEL = "pod-template-generation";
