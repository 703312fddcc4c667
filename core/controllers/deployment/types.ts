/** The Deployment fields the deployment controller reads and writes, as JSON. */
import type { KubeObject } from "@lite/sdk";
import type { LabelSelector, PodTemplateSpec, ReplicaSet } from "../replicaset/types.ts";

export type IntOrString = number | string;

export interface DeploymentCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
  [k: string]: unknown;
}

export type Deployment = KubeObject & {
  spec: {
    replicas?: number;
    selector?: LabelSelector;
    template?: PodTemplateSpec;
    strategy?: { type?: "RollingUpdate" | "Recreate"; rollingUpdate?: { maxSurge?: IntOrString; maxUnavailable?: IntOrString } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: DeploymentStatus;
};

export type { ReplicaSet };

/** spec.replicas with the API default (1). */
export function desiredReplicas(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

export function replicasOf(rs: ReplicaSet): number {
  return rs.spec?.replicas ?? 1;
}
