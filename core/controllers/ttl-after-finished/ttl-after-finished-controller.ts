/**
 * The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): a finished Job
 * with spec.ttlSecondsAfterFinished is deleted (foreground propagation, conditional on the
 * resourceVersion it checked) once that many seconds have passed since it finished; until then
 * it is requeued for its expiry.
 */
import { builtinResources, defineController, isConflict, isNotFound, type ControllerDefinition } from "@lite/sdk";
import { finishedCondition, type Job } from "../job/types.ts";

export interface TtlAfterFinishedControllerOptions {
  /** Current time in ms (tests inject a fake clock). */
  now?: () => number;
  workers?: number;
}

const JOBS = builtinResources.jobs;

/** When the job expires (ms), or undefined when it is not finished or has no TTL. */
export function expiresAt(job: Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  const finished = finishedCondition(job);
  if (ttl === undefined || ttl === null || !finished) return undefined;
  const at = Date.parse((finished.type === "Complete" ? job.status?.completionTime : undefined) ?? finished.lastTransitionTime ?? "");
  return Number.isNaN(at) ? undefined : at + ttl * 1000;
}

export function ttlAfterFinishedController(options: TtlAfterFinishedControllerOptions = {}): ControllerDefinition {
  const now = options.now ?? (() => Date.now());
  return defineController({
    name: "ttl-after-finished",
    workers: options.workers ?? 5,
    watches: [{ target: JOBS, events: ["add", "update"] }],
    async reconcile(key, ctx) {
      const cached = ctx.informer<Job>(JOBS).get(key);
      if (!cached || cached.metadata.deletionTimestamp) return;
      const cachedExpiry = expiresAt(cached);
      if (cachedExpiry === undefined) return;
      if (cachedExpiry > now()) return { requeueAfterMs: cachedExpiry - now() };
      // Check the latest version before deleting: the TTL may have been changed.
      const slash = key.indexOf("/");
      let fresh: Job;
      try {
        fresh = await ctx.client.get<Job>({ ...JOBS, namespace: key.slice(0, slash), name: key.slice(slash + 1) }, { signal: ctx.signal });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      const expiry = expiresAt(fresh);
      if (expiry === undefined || fresh.metadata.deletionTimestamp) return;
      if (expiry > now()) return { requeueAfterMs: expiry - now() };
      try {
        await ctx.client.delete({ ...JOBS, namespace: fresh.metadata.namespace, name: fresh.metadata.name ?? "" }, {
          propagationPolicy: "Foreground", preconditions: { resourceVersion: fresh.metadata.resourceVersion }, signal: ctx.signal,
        });
      } catch (err) {
        if (isNotFound(err)) return;
        if (isConflict(err)) return { requeueAfterMs: 0 };
        throw err;
      }
    },
  });
}
