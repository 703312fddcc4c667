/** batch/v1 CronJob as the cronjob controller reads it (JSON). */
import type { KubeObject, ObjectMeta } from "@lite/sdk";
import type { Job } from "../job/types.ts";

export interface CronJob extends KubeObject {
  spec?: {
    schedule?: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: "Allow" | "Forbid" | "Replace";
    suspend?: boolean;
    jobTemplate?: { metadata?: ObjectMeta; spec?: Job["spec"] };
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
  };
  status?: {
    active?: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string; resourceVersion?: string }[];
    lastScheduleTime?: string;
    lastSuccessfulTime?: string;
  };
}

export const CRONJOB_KIND = "CronJob";
export const CRONJOB_API_VERSION = "batch/v1";
export const SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp";
