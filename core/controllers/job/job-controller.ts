/**
 * The Job controller (upstream pkg/controller/job, 1.32 behaviour): runs pods until `completions`
 * succeed (NonIndexed) or every index in [0, completions) succeeded once (Indexed), at most
 * `parallelism` at a time; tracks finished pods with the `batch.kubernetes.io/job-tracking`
 * finalizer through status.uncountedTerminatedPods; fails on backoffLimit (with exponential
 * back-off between failures), activeDeadlineSeconds or a podFailurePolicy FailJob rule; suspends.
 * Terminal conditions come after the interim ones as upstream: FailureTarget then Failed,
 * SuccessCriteriaMet then Complete, once no pod is left running or terminating.
 */
import { builtinResources, defineController, isNotFound, type ControllerDefinition, type KubeObject, type ReconcileContext, type SharedInformerFactory } from "@lite/sdk";
import { createExpectations } from "../workload-pods/expectations.ts";
import { claimObjects, controllerRefOf, controllerRefTo, ownerKeyOf } from "../workload-pods/owner.ts";
import { isPodReady, isTerminal } from "../workload-pods/pod-state.ts";
import { selectorMatcher } from "../workload-pods/selector.ts";
import { semanticEqual } from "../workload-pods/semantic-equal.ts";
import type { Pod } from "../workload-pods/types.ts";
import { recordFinished, remainingBackoffMs, type BackoffRecord } from "./backoff.ts";
import { getCondition, hasCondition, setCondition } from "./conditions.ts";
import { formatIndexes, indexOf, parseIndexes } from "./indexes.ts";
import { newJobPod } from "./job-pod.ts";
import { matchPodFailurePolicy } from "./pod-failure-policy.ts";
import { hasTrackingFinalizer, removeTrackingFinalizer } from "./tracking.ts";
import { finishedCondition, JOB_API_VERSION, JOB_COMPLETION_INDEX, JOB_KIND, type Job, type JobStatus } from "./types.ts";
import { formatTime } from "../../kube-time.ts";

export interface JobControllerOptions {
  /** Current time in ms (tests inject a fake clock). */
  now?: () => number;
  workers?: number;
}

const { pods: PODS, jobs: JOBS } = builtinResources;
const COMPLETE_MESSAGE = "Reached expected number of succeeded pods";

export function jobController(options: JobControllerOptions = {}): ControllerDefinition {
  const now = options.now ?? (() => Date.now());
  const expectations = createExpectations(now);
  const backoffs = new Map<string, BackoffRecord>();
  let informers: SharedInformerFactory | undefined;
  const orphanKeys = (pod: KubeObject): string[] => {
    if (controllerRefOf(pod) || !informers) return [];
    return informers.informerFor<Job>(JOBS).list(pod.metadata.namespace)
      .filter((j) => selectorMatcher(j.spec?.selector)(pod.metadata.labels)).map((j) => `${j.metadata.namespace}/${j.metadata.name}`);
  };
  return defineController({
    name: "job",
    workers: options.workers ?? 5,
    watches: [
      { target: JOBS },
      { target: PODS, map: (pod) => [...ownerKeyOf(pod, JOB_KIND), ...orphanKeys(pod)] },
    ],
    async reconcile(key, ctx) {
      informers = ctx.informers;
      const job = ctx.informer<Job>(JOBS).get(key);
      if (!job) {
        expectations.forget(key);
        backoffs.delete(key);
        await releaseOrphanedPods(ctx, key);
        return;
      }
      return syncJob(job, key, ctx);
    },
  });

  async function syncJob(job: Job, key: string, ctx: ReconcileContext): Promise<{ requeueAfterMs: number } | void> {
    const ns = job.metadata.namespace ?? "";
    const nowMs = now();
    const stamp = formatTime(nowMs);
    const podInformer = ctx.informer<Pod>(PODS);
    const matches = selectorMatcher(job.spec?.selector);
    const pods = await claimObjects<Pod>({
      client: ctx.client, resource: PODS, owner: job, ownerRef: controllerRefTo(job, JOB_API_VERSION, JOB_KIND),
      candidates: podInformer.list(ns), matches: (p) => matches(p.metadata.labels), signal: ctx.signal,
    });

    // A finished (or deleted) job only lets go of its pods.
    if (finishedCondition(job) || job.metadata.deletionTimestamp) {
      for (const p of pods) if (hasTrackingFinalizer(p) && (isTerminal(p) || job.metadata.deletionTimestamp || p.metadata.deletionTimestamp)) await removeTrackingFinalizer(ctx.client, p, ctx.signal);
      return;
    }

    const spec = job.spec ?? {};
    const indexed = spec.completionMode === "Indexed";
    const completions = spec.completions ?? undefined;
    const hasPolicy = (spec.podFailurePolicy?.rules ?? []).length > 0;
    let status: JobStatus = structuredClone(job.status ?? {});
    const uncountedSucceeded = new Set(status.uncountedTerminatedPods?.succeeded ?? []);
    const uncountedFailed = new Set(status.uncountedTerminatedPods?.failed ?? []);
    const completed = indexed ? parseIndexes(status.completedIndexes, completions ?? 0) : new Set<number>();

    // 1. Finished pods not yet recorded: record their uids in uncountedTerminatedPods.
    let failJobMessage: string | undefined;
    const finishedNow: { failed: boolean; atMs: number }[] = [];
    const ignored: Pod[] = [];
    for (const p of pods) {
      if (!hasTrackingFinalizer(p)) continue;
      const uid = p.metadata.uid ?? "";
      if (uncountedSucceeded.has(uid) || uncountedFailed.has(uid)) continue;
      const phase = p.status?.phase;
      const failed = phase === "Failed" || (!hasPolicy && phase !== "Succeeded" && !!p.metadata.deletionTimestamp);
      if (phase !== "Succeeded" && !failed) continue;
      const atMs = finishTime(p) ?? nowMs;
      if (failed) {
        const match = phase === "Failed" ? matchPodFailurePolicy(job, p) : undefined;
        if (match?.action === "Ignore") { ignored.push(p); continue; }
        if (match?.action === "FailJob") failJobMessage ??= match.message;
        uncountedFailed.add(uid);
      } else {
        const idx = indexed ? indexOf(p, JOB_COMPLETION_INDEX) : undefined;
        if (indexed && (idx === undefined || idx >= (completions ?? 0))) { ignored.push(p); continue; }
        if (idx !== undefined) completed.add(idx);
        uncountedSucceeded.add(uid);
      }
      finishedNow.push({ failed, atMs });
    }
    if (finishedNow.length) {
      backoffs.set(key, recordFinished(backoffs.get(key), finishedNow));
      status = { ...status, uncountedTerminatedPods: { succeeded: [...uncountedSucceeded], failed: [...uncountedFailed] }, ...(indexed ? { completedIndexes: formatIndexes(completed) } : {}) };
      job = await writeStatus(ctx, job, status);
    }

    // 2. Remove finalizers of recorded (and ignored) pods, then 3. move them into the counters.
    const byUid = new Map(pods.map((p) => [p.metadata.uid ?? "", p]));
    for (const p of ignored) await removeTrackingFinalizer(ctx.client, p, ctx.signal);
    let succeeded = status.succeeded ?? 0;
    let failedCount = status.failed ?? 0;
    const stillSucceeded: string[] = [];
    const stillFailed: string[] = [];
    for (const [set, keep, add] of [[uncountedSucceeded, stillSucceeded, (n: number) => { succeeded += n; }], [uncountedFailed, stillFailed, (n: number) => { failedCount += n; }]] as const) {
      for (const uid of set) {
        const p = byUid.get(uid);
        if (!p || (await removeTrackingFinalizer(ctx.client, p, ctx.signal))) add(1);
        else keep.push(uid);
      }
    }
    status = { ...status, succeeded, failed: failedCount, uncountedTerminatedPods: { succeeded: stillSucceeded, failed: stillFailed } };
    if (indexed) status.succeeded = completed.size;

    const active = pods.filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp);
    const terminating = pods.filter((p) => !isTerminal(p) && !!p.metadata.deletionTimestamp);
    const suspended = spec.suspend === true;
    let conditions = status.conditions ?? [];
    const cond = (type: string, s: "True" | "False", reason: string, message: string, onlyIfPresent = false) => {
      const r = setCondition(conditions, { type, status: s, reason, message }, stamp, onlyIfPresent);
      conditions = r.conditions;
      return r.changed;
    };

    // Start time and suspension.
    if (!suspended && !status.startTime) status.startTime = stamp;
    if (suspended) {
      if (cond("Suspended", "True", "JobSuspended", "Job suspended")) ctx.events.event(job, "Normal", "Suspended", "Job suspended");
    } else if (cond("Suspended", "False", "JobResumed", "Job resumed", true)) {
      ctx.events.event(job, "Normal", "Resumed", "Job resumed");
      status.startTime = stamp;
    }

    // 4. Has the job failed or succeeded?
    let failure = getCondition(conditions, "FailureTarget")?.status === "True" ? { reason: getCondition(conditions, "FailureTarget")!.reason ?? "", message: getCondition(conditions, "FailureTarget")!.message ?? "" } : undefined;
    const backoffLimit = spec.backoffLimit ?? 6;
    const restarts = active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, c) => m + (c.restartCount ?? 0), 0), 0);
    const onFailure = spec.template?.spec?.restartPolicy === "OnFailure";
    const deadlineMs = spec.activeDeadlineSeconds !== undefined && status.startTime && !suspended ? Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000 : undefined;
    if (!failure && failJobMessage) failure = { reason: "PodFailurePolicy", message: failJobMessage };
    if (!failure && (failedCount + stillFailed.length > backoffLimit || (onFailure && backoffLimit >= 0 && restarts > 0 && restarts >= backoffLimit))) {
      failure = { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
    }
    if (!failure && deadlineMs !== undefined && nowMs >= deadlineMs) failure = { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };
    const succeededTotal = indexed ? completed.size : succeeded + stillSucceeded.length;
    const success = !failure && (hasCondition(conditions, "SuccessCriteriaMet") || (completions !== undefined && completions !== null
      ? succeededTotal >= completions
      : succeededTotal > 0 && active.length === 0));

    let requeueAfterMs: number | undefined;
    if (failure || success) {
      if (failure) cond("FailureTarget", "True", failure.reason, failure.message);
      else cond("SuccessCriteriaMet", "True", "CompletionsReached", COMPLETE_MESSAGE);
      await deletePods(ctx, job, key, active);
      const settled = active.length === 0 && terminating.length === 0 && stillSucceeded.length + stillFailed.length === 0;
      if (settled) {
        if (failure) {
          cond("Failed", "True", failure.reason, failure.message);
          ctx.events.event(job, "Warning", failure.reason, failure.message);
        } else {
          cond("Complete", "True", "CompletionsReached", COMPLETE_MESSAGE);
          status.completionTime = stamp;
          ctx.events.event(job, "Normal", "Completed", "Job completed");
        }
      }
    } else if (suspended) {
      await deletePods(ctx, job, key, active);
    } else if (expectations.satisfied(key, (name) => podInformer.get(ns, name))) {
      requeueAfterMs = await managePods(ctx, job, key, active, completed, succeeded + stillSucceeded.length, nowMs);
    }
    if (deadlineMs !== undefined && !failure && !success) requeueAfterMs = Math.min(requeueAfterMs ?? Number.POSITIVE_INFINITY, Math.max(0, deadlineMs - nowMs) + 1);

    status = {
      ...status, conditions,
      active: failure || success || suspended ? 0 : active.length,
      ready: active.filter(isPodReady).length,
      terminating: terminating.length + (failure || success || suspended ? active.length : 0),
    };
    if (!status.conditions?.length) delete status.conditions;
    if (!semanticEqual(status, job.status)) await writeStatus(ctx, job, status);
    return requeueAfterMs !== undefined && Number.isFinite(requeueAfterMs) ? { requeueAfterMs } : undefined;
  }

  /** Creates or deletes pods toward the wanted number of active pods; returns a back-off wait. */
  async function managePods(ctx: ReconcileContext, job: Job, key: string, active: Pod[], completed: Set<number>, succeeded: number, nowMs: number): Promise<number | undefined> {
    const spec = job.spec ?? {};
    const parallelism = spec.parallelism ?? 1;
    const completions = spec.completions ?? undefined;
    const indexed = spec.completionMode === "Indexed";
    let toCreate: (number | undefined)[] = [];
    if (indexed) {
      const seen = new Set<number>();
      const extra: Pod[] = [];
      for (const p of active) {
        const idx = indexOf(p, JOB_COMPLETION_INDEX);
        if (idx === undefined || idx >= (completions ?? 0) || completed.has(idx) || seen.has(idx)) extra.push(p);
        else seen.add(idx);
      }
      const running = active.length - extra.length;
      const over = Math.max(0, running - parallelism);
      const surplus = [...extra, ...active.filter((p) => !extra.includes(p)).sort(deletionOrder).slice(0, over)];
      if (surplus.length) await deletePods(ctx, job, key, surplus);
      const free = Math.max(0, parallelism - running);
      for (let i = 0; i < (completions ?? 0) && toCreate.length < free; i++) if (!completed.has(i) && !seen.has(i)) toCreate.push(i);
    } else {
      const want = completions === undefined || completions === null
        ? (succeeded > 0 ? active.length : parallelism)
        : Math.min(parallelism, Math.max(0, completions - succeeded));
      if (active.length > want) await deletePods(ctx, job, key, [...active].sort(deletionOrder).slice(0, active.length - want));
      toCreate = Array.from({ length: Math.max(0, want - active.length) }, () => undefined);
    }
    if (!toCreate.length) return undefined;
    const wait = remainingBackoffMs(backoffs.get(key), nowMs);
    if (wait > 0) return wait;
    const ns = job.metadata.namespace ?? "";
    await Promise.all(toCreate.map(async (idx) => {
      try {
        const pod = await ctx.client.create<Pod>({ ...PODS, namespace: ns }, newJobPod(job, idx), { signal: ctx.signal });
        expectations.expectCreated(key, pod.metadata.name ?? "");
        ctx.events.event(job, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
      } catch (err) {
        if (isNotFound(err)) return; // namespace going away
        ctx.events.event(job, "Warning", "FailedCreate", `Error creating: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    }));
    return undefined;
  }

  async function deletePods(ctx: ReconcileContext, job: Job, key: string, pods: readonly Pod[]): Promise<void> {
    await Promise.all(pods.filter((p) => !p.metadata.deletionTimestamp).map(async (p) => {
      try {
        await ctx.client.delete({ ...PODS, namespace: p.metadata.namespace, name: p.metadata.name ?? "" }, { preconditions: { uid: p.metadata.uid }, signal: ctx.signal });
        expectations.expectDeleted(key, p.metadata.name ?? "");
        ctx.events.event(job, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }));
  }

  /** The job is gone: its pods keep no tracking finalizer (the garbage collector deletes them). */
  async function releaseOrphanedPods(ctx: ReconcileContext, key: string): Promise<void> {
    const slash = key.indexOf("/");
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    for (const p of ctx.informer<Pod>(PODS).list(ns)) {
      const ref = controllerRefOf(p);
      if (ref?.kind === JOB_KIND && ref.name === name && hasTrackingFinalizer(p)) await removeTrackingFinalizer(ctx.client, p, ctx.signal);
    }
  }
}

async function writeStatus(ctx: ReconcileContext, job: Job, status: JobStatus): Promise<Job> {
  return ctx.client.updateStatus<Job>(JOBS, { ...job, status }, { signal: ctx.signal });
}

/** When a pod finished: the latest container finishedAt, if any. */
function finishTime(p: Pod): number | undefined {
  const times = (p.status?.containerStatuses ?? []).map((c) => c.state?.terminated?.finishedAt).filter((t): t is string => !!t).map(Date.parse);
  return times.length ? Math.max(...times) : undefined;
}

/** Upstream ActivePods ordering: unscheduled, pending, not ready, then newest first. */
function deletionOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod) => (!p.spec?.nodeName ? 0 : p.status?.phase === "Pending" ? 1 : !isPodReady(p) ? 2 : 3);
  return rank(a) - rank(b) || (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "");
}
