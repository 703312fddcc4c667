// batch/v1: declarations of the batch v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const batchV1 = defineApiPackage({
  id: "batch/v1",
  group: "batch",
  version: "v1",
  openapiPrefix: "io.k8s.api.batch.v1",
  kinds: { Job: {}, CronJob: {} },
  types: {
    Job: object("Runs pods until a number of them complete successfully.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "JobSpec"),
      status: f(3, "JobStatus"),
    }),
    CronJob: object("Creates jobs on a repeating schedule.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "CronJobSpec"),
      status: f(3, "CronJobStatus"),
    }),
    JobSpec: object("Desired behaviour of a job.", {
      parallelism: f(1, "*int32", "Pods that may run at once."),
      completions: f(2, "*int32", "Successful pods needed."),
      activeDeadlineSeconds: f(3, "*int64", "Seconds the job may run before it is failed."),
      podFailurePolicy: f(11, "*PodFailurePolicy"),
      successPolicy: f(16, "*SuccessPolicy"),
      backoffLimit: f(7, "*int32", "Retries before the job fails; defaults to 6."),
      backoffLimitPerIndex: f(12, "*int32"),
      maxFailedIndexes: f(13, "*int32"),
      selector: f(4, "*meta/v1.LabelSelector"),
      manualSelector: f(5, "*bool"),
      template: f(6, "core/v1.PodTemplateSpec", "Pod template of the job's pods.", { required: true }),
      ttlSecondsAfterFinished: f(8, "*int32", "Seconds after finishing before the job is deleted."),
      completionMode: f(9, "*string", { enum: ["NonIndexed","Indexed"] }),
      suspend: f(10, "*bool", "Stop creating pods (and remove running ones)."),
      podReplacementPolicy: f(14, "*string", { enum: ["TerminatingOrFailed","Failed"] }),
      managedBy: f(15, "*string"),
    }),
    JobStatus: object("Observed state of a job.", {
      conditions: f(1, "[]JobCondition", { patch: "merge", mergeKey: "type", listType: "atomic" }),
      startTime: f(2, "*Time"),
      completionTime: f(3, "*Time"),
      active: f(4, "int32"),
      succeeded: f(5, "int32"),
      failed: f(6, "int32"),
      terminating: f(11, "*int32"),
      completedIndexes: f(7, "string"),
      failedIndexes: f(10, "*string"),
      uncountedTerminatedPods: f(8, "*UncountedTerminatedPods"),
      ready: f(9, "*int32"),
    }),
    CronJobSpec: object("Schedule and job template.", {
      schedule: f(1, "string", "Schedule in cron format.", { required: true }),
      timeZone: f(8, "*string"),
      startingDeadlineSeconds: f(2, "*int64"),
      concurrencyPolicy: f(3, "string", "Allow, Forbid or Replace concurrent runs.", { enum: ["Allow","Forbid","Replace"] }),
      suspend: f(4, "*bool", "Stop creating new jobs."),
      jobTemplate: f(5, "JobTemplateSpec", "Job created at each scheduled time.", { required: true }),
      successfulJobsHistoryLimit: f(6, "*int32"),
      failedJobsHistoryLimit: f(7, "*int32"),
    }),
    CronJobStatus: object("Active jobs and last schedule times.", {
      active: f(1, "[]core/v1.ObjectReference", { listType: "atomic" }),
      lastScheduleTime: f(4, "*Time"),
      lastSuccessfulTime: f(5, "*Time"),
    }),
    PodFailurePolicy: object("Rules that decide how pod failures affect the job.", {
      rules: f(1, "[]PodFailurePolicyRule", { required: true, listType: "atomic" }),
    }),
    SuccessPolicy: object("When an indexed job counts as succeeded.", {
      rules: f(1, "[]SuccessPolicyRule", { required: true, listType: "atomic" }),
    }),
    JobCondition: object("A condition of a job, such as Complete or Failed.", {
      type: f(1, "string", { required: true }),
      status: f(2, "string", { required: true }),
      lastProbeTime: f(3, "Time"),
      lastTransitionTime: f(4, "Time"),
      reason: f(5, "string"),
      message: f(6, "string"),
    }),
    UncountedTerminatedPods: object("Finished pods not yet counted in the status.", {
      succeeded: f(1, "[]string", { listType: "set" }),
      failed: f(2, "[]string", { listType: "set" }),
    }),
    JobTemplateSpec: object("A job description used by a cron job.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "JobSpec"),
    }),
    PodFailurePolicyRule: object("Action for pod failures matching exit codes or conditions.", {
      action: f(1, "string", { required: true, enum: ["FailJob","FailIndex","Ignore","Count"] }),
      onExitCodes: f(2, "*PodFailurePolicyOnExitCodesRequirement"),
      onPodConditions: f(3, "[]PodFailurePolicyOnPodConditionsPattern", { listType: "atomic" }),
    }),
    SuccessPolicyRule: object("A set of indexes or a count that must succeed.", {
      succeededIndexes: f(1, "*string"),
      succeededCount: f(2, "*int32"),
    }),
    PodFailurePolicyOnExitCodesRequirement: object("Matches container exit codes.", {
      containerName: f(1, "*string"),
      operator: f(2, "string", { required: true, enum: ["In","NotIn"] }),
      values: f(3, "[]int32", { required: true, listType: "set" }),
    }),
    PodFailurePolicyOnPodConditionsPattern: object("Matches pod conditions.", {
      type: f(1, "string", { required: true }),
      status: f(2, "string", { required: true }),
    }),
  },
});
