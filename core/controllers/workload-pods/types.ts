/**
 * The slices of core/v1 and apps/batch objects the workload controllers read, as JSON.
 * Fields not named here pass through untouched.
 */
import type { KubeObject, ObjectMeta } from "@lite/sdk";

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string;
  lastUpdateTime?: string;
  lastHeartbeatTime?: string;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute" | "";
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: { terminated?: { exitCode: number; finishedAt?: string; reason?: string }; running?: unknown; waiting?: unknown };
  lastState?: { terminated?: { exitCode: number; finishedAt?: string } };
}

// biome-ignore lint: pod spec fields pass through as JSON.
export type PodSpec = Record<string, any> & {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  // biome-ignore lint: JSON.
  affinity?: Record<string, any>;
  restartPolicy?: string;
  hostname?: string;
  subdomain?: string;
  // biome-ignore lint: JSON.
  volumes?: Record<string, any>[];
};

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: {
    phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    startTime?: string;
    reason?: string;
  };
}

export interface LabelSelectorJson {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
