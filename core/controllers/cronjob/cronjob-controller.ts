/**
 * The CronJob controller (upstream pkg/controller/cronjob, ControllerV2): at each scheduled time it
 * creates the Job `<cronjob>-<scheduled time in minutes>` from spec.jobTemplate, honouring suspend,
 * startingDeadlineSeconds, concurrencyPolicy (Allow, Forbid, Replace) and the time zone; keeps
 * status.active, lastScheduleTime and lastSuccessfulTime; removes finished Jobs beyond the
 * history limits; and requeues itself for the next scheduled time.
 */
import { builtinResources, defineController, isAlreadyExists, isNotFound, type ControllerDefinition, type ReconcileContext } from "@lite/sdk";
import { finishedCondition, type Job } from "../job/types.ts";
import { controllerRefTo, ownerKeyOf } from "../workload-pods/owner.ts";
import { semanticEqual } from "../workload-pods/semantic-equal.ts";
import { parseCronSchedule, type CronSchedule } from "./cron-schedule.ts";
import { scheduleTimes } from "./schedule-times.ts";
import { CRONJOB_API_VERSION, CRONJOB_KIND, SCHEDULED_TIMESTAMP_ANNOTATION, type CronJob } from "./types.ts";
import { formatTime } from "../../kube-time.ts";

export interface CronJobControllerOptions {
  /** Current time in ms (tests inject a fake clock). */
  now?: () => number;
  workers?: number;
}

const { jobs: JOBS, cronJobs: CRONJOBS } = builtinResources;
/** Upstream requeues a little after the next schedule time. */
const NEXT_SCHEDULE_DELTA_MS = 100;

export function cronJobController(options: CronJobControllerOptions = {}): ControllerDefinition {
  const now = options.now ?? (() => Date.now());
  return defineController({
    name: "cronjob",
    workers: options.workers ?? 5,
    watches: [
      { target: CRONJOBS },
      { target: JOBS, map: (job) => ownerKeyOf(job, CRONJOB_KIND) },
    ],
    async reconcile(key, ctx) {
      const cj = ctx.informer<CronJob>(CRONJOBS).get(key);
      if (!cj) return;
      return syncCronJob(cj, ctx);
    },
  });

  async function syncCronJob(cj: CronJob, ctx: ReconcileContext): Promise<{ requeueAfterMs: number } | void> {
    const ns = cj.metadata.namespace ?? "";
    const nowMs = now();
    const jobs = ctx.informer<Job>(JOBS).list(ns).filter((j) => ownerKeyOf(j, CRONJOB_KIND)[0] === `${ns}/${cj.metadata.name}` && j.metadata.ownerReferences?.some((r) => r.uid === cj.metadata.uid));
    const status: NonNullable<CronJob["status"]> = structuredClone(cj.status ?? {});
    let active = [...(status.active ?? [])];
    const inActive = (uid: string | undefined) => active.some((a) => a.uid === uid);

    // Reconcile status.active with the jobs that exist.
    for (const j of jobs) {
      const finished = finishedCondition(j);
      if (!inActive(j.metadata.uid) && !finished) {
        ctx.events.event(cj, "Warning", "UnexpectedJob", `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
      } else if (finished && inActive(j.metadata.uid)) {
        active = active.filter((a) => a.uid !== j.metadata.uid);
        ctx.events.event(cj, "Normal", "SawCompletedJob", `Saw completed job: ${j.metadata.name}, condition: ${finished.type}`);
      }
      if (finished?.type === "Complete" && j.status?.completionTime && (!status.lastSuccessfulTime || Date.parse(j.status.completionTime) > Date.parse(status.lastSuccessfulTime))) {
        status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    const jobUids = new Set(jobs.map((j) => j.metadata.uid));
    for (const a of [...active]) {
      if (jobUids.has(a.uid)) continue;
      try {
        const fresh = await ctx.client.get<Job>({ ...JOBS, namespace: ns, name: a.name ?? "" }, { signal: ctx.signal });
        if (fresh.metadata.uid === a.uid) continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      active = active.filter((x) => x.uid !== a.uid);
    }
    status.active = active;

    const result = cj.metadata.deletionTimestamp ? undefined : await schedule(cj, ctx, status, jobs, nowMs);
    if (!status.active?.length) delete status.active;
    if (!semanticEqual(status, cj.status)) await ctx.client.updateStatus<CronJob>(CRONJOBS, { ...cj, status }, { signal: ctx.signal });
    await cleanupFinishedJobs(cj, ctx, jobs);
    return result;
  }

  /** Creates the job for the most recent scheduled time when due; returns the wait for the next one. */
  async function schedule(cj: CronJob, ctx: ReconcileContext, status: NonNullable<CronJob["status"]>, jobs: readonly Job[], nowMs: number): Promise<{ requeueAfterMs: number } | undefined> {
    const spec = cj.spec ?? {};
    let sched: CronSchedule;
    try {
      sched = parseCronSchedule(spec.schedule ?? "", spec.timeZone);
    } catch (err) {
      if (err instanceof RangeError) ctx.events.event(cj, "Warning", "UnknownTimeZone", `invalid timeZone: ${JSON.stringify(spec.timeZone ?? "")}: unknown time zone ${spec.timeZone ?? ""}`);
      else ctx.events.event(cj, "Warning", "UnparseableSchedule", `unparseable schedule: ${JSON.stringify(spec.schedule ?? "")} : ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    if (spec.suspend) return undefined;
    const earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? "") || nowMs;
    const times = scheduleTimes(sched, earliest, nowMs, spec.startingDeadlineSeconds);
    const requeue = times.next !== undefined ? { requeueAfterMs: times.next - nowMs + NEXT_SCHEDULE_DELTA_MS } : undefined;
    if (times.mostRecent === undefined) return requeue;
    if (times.missed > 100) {
      ctx.events.event(cj, "Warning", "TooManyMissedTimes", `too many missed start times: ${times.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    }
    const scheduled = times.mostRecent;
    if (spec.startingDeadlineSeconds !== undefined && scheduled + spec.startingDeadlineSeconds * 1000 < nowMs) {
      ctx.events.event(cj, "Warning", "MissSchedule", `Missed scheduled time to start a job: ${new Date(scheduled).toUTCString()}`);
      return requeue;
    }
    const name = `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`;
    if (jobs.some((j) => j.metadata.name === name) || (status.active ?? []).some((a) => a.name === name)) return requeue;
    if (spec.concurrencyPolicy === "Forbid" && (status.active ?? []).length > 0) {
      ctx.events.event(cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
      return requeue;
    }
    if (spec.concurrencyPolicy === "Replace") {
      for (const a of status.active ?? []) {
        try {
          await ctx.client.delete({ ...JOBS, namespace: cj.metadata.namespace, name: a.name ?? "" }, { propagationPolicy: "Background", signal: ctx.signal });
          ctx.events.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${a.name}`);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      status.active = [];
    }
    const template = structuredClone(spec.jobTemplate ?? {});
    const job: Job = {
      apiVersion: "batch/v1", kind: "Job",
      metadata: {
        name, namespace: cj.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatTime(scheduled) },
        ownerReferences: [controllerRefTo(cj, CRONJOB_API_VERSION, CRONJOB_KIND)],
      },
      spec: template.spec,
    };
    let created: Job;
    try {
      created = await ctx.client.create<Job>({ ...JOBS, namespace: cj.metadata.namespace }, job, { signal: ctx.signal });
      ctx.events.event(cj, "Normal", "SuccessfulCreate", `Created job ${name}`);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        ctx.events.event(cj, "Warning", "FailedCreate", `Error creating job: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
      created = await ctx.client.get<Job>({ ...JOBS, namespace: cj.metadata.namespace, name }, { signal: ctx.signal });
      if (!created.metadata.ownerReferences?.some((r) => r.uid === cj.metadata.uid)) return requeue;
      if (finishedCondition(created)) { status.lastScheduleTime = formatTime(scheduled); return requeue; }
    }
    status.active = [...(status.active ?? []).filter((a) => a.uid !== created.metadata.uid), {
      apiVersion: "batch/v1", kind: "Job", name: created.metadata.name, namespace: created.metadata.namespace, uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion,
    }];
    status.lastScheduleTime = formatTime(scheduled);
    return requeue;
  }

  /** Deletes the oldest finished jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
  async function cleanupFinishedJobs(cj: CronJob, ctx: ReconcileContext, jobs: readonly Job[]): Promise<void> {
    const byStart = (a: Job, b: Job) => (a.status?.startTime ?? a.metadata.creationTimestamp ?? "").localeCompare(b.status?.startTime ?? b.metadata.creationTimestamp ?? "");
    const groups: [string, number | undefined][] = [["Complete", cj.spec?.successfulJobsHistoryLimit], ["Failed", cj.spec?.failedJobsHistoryLimit]];
    for (const [type, limit] of groups) {
      if (limit === undefined || limit === null) continue;
      const finished = jobs.filter((j) => finishedCondition(j)?.type === type && !j.metadata.deletionTimestamp).sort(byStart);
      for (const j of finished.slice(0, Math.max(0, finished.length - limit))) {
        try {
          await ctx.client.delete({ ...JOBS, namespace: j.metadata.namespace, name: j.metadata.name ?? "" }, { propagationPolicy: "Background", signal: ctx.signal });
          ctx.events.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${j.metadata.name}`);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
  }
}
