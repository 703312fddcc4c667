/** batch/v1 Job as the job controller reads it (JSON). */
import type { KubeObject } from "@lite/sdk";
import type { Condition, LabelSelectorJson, PodTemplate } from "../workload-pods/types.ts";

export interface PodFailurePolicyRule {
  action: "FailJob" | "FailIndex" | "Ignore" | "Count";
  onExitCodes?: { containerName?: string; operator: "In" | "NotIn"; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}

export interface Job extends KubeObject {
  spec?: {
    parallelism?: number;
    completions?: number | null;
    activeDeadlineSeconds?: number;
    backoffLimit?: number;
    completionMode?: "NonIndexed" | "Indexed";
    suspend?: boolean;
    selector?: LabelSelectorJson;
    template?: PodTemplate;
    ttlSecondsAfterFinished?: number;
    podFailurePolicy?: { rules?: PodFailurePolicyRule[] };
    podReplacementPolicy?: "TerminatingOrFailed" | "Failed";
  };
  status?: JobStatus;
}

export interface JobStatus {
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  ready?: number;
  completedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}

export const JOB_KIND = "Job";
export const JOB_API_VERSION = "batch/v1";
export const JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
export const JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";

/** A finished job has Complete or Failed True (upstream IsJobFinished). */
export function finishedCondition(job: Job): Condition | undefined {
  return job.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}
