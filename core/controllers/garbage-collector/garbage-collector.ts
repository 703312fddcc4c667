/**
 * The garbage collector (upstream pkg/controller/garbagecollector): deletes objects whose owners
 * are gone (background propagation), finishes `foregroundDeletion` once blocking dependents are
 * gone, and orphans dependents of objects deleted with the `orphan` finalizer.
 *
 * Its inputs are dynamic (every resource discovery reports, CRDs included), so the declared
 * watches only trigger the `~resources` key, whose pass (re)discovers resources. The first pass of
 * a run starts the graph: monitors (shared informers indexed by owner uid), a uid set of every
 * object seen (the graph's nodes; owners outside it are verified live), and an internal work
 * queue of object keys with its own workers, all ending with the controller's signal.
 */
import { builtinResources, defineController, resourceId, type ApiClient, type ControllerDefinition, type KubeObject, type Logger, type WorkQueue } from "@lite/sdk";
import { realClock, type Clock } from "../runtime/clock.ts";
import { createWorkQueue } from "../runtime/workqueue.ts";
import { dependentsOf, processItem, type ItemDeps } from "./item.ts";
import { createMonitors, type Monitor, type Monitors } from "./monitors.ts";
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from "./owner-state.ts";

export const RESOURCES_KEY = "~resources";
/** Upstream rediscovers resources every 30 s. */
const REDISCOVERY_MS = 30_000;

export interface GarbageCollectorOptions {
  clock?: Clock;
  /** Workers over object keys (upstream --concurrent-gc-syncs, default 20). */
  workers?: number;
}

interface Run {
  monitors: Monitors;
  queue: WorkQueue<string>;
  uids: Set<string>;
  startWorkers(): void;
  started?: boolean;
}

function itemKey(m: Monitor, obj: KubeObject): string {
  return `${resourceId(m.resource)}|${obj.metadata.namespace ?? ""}|${obj.metadata.name ?? ""}`;
}

function needsAttention(obj: KubeObject, uids: Set<string>, monitors: Monitors): boolean {
  const meta = obj.metadata;
  const fin = meta.finalizers ?? [];
  if (meta.deletionTimestamp && (fin.includes(ORPHAN_FINALIZER) || fin.includes(FOREGROUND_FINALIZER))) return true;
  for (const ref of meta.ownerReferences ?? []) {
    if (!uids.has(ref.uid)) return true; // absent (or not yet seen) owner: verify
    const m = monitors.forKind(ref.apiVersion, ref.kind);
    const owner = m?.informer.get(m.resource.namespaced ? meta.namespace ?? "" : "", ref.name);
    if (owner && owner.metadata.deletionTimestamp && (owner.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER)) return true;
  }
  return false;
}

export function garbageCollector(options: GarbageCollectorOptions = {}): ControllerDefinition {
  const clock = options.clock ?? realClock();
  const runs = new WeakMap<AbortSignal, Run>();

  const start = (client: ApiClient, informers: Parameters<typeof createMonitors>[1], log: Logger, signal: AbortSignal): Run => {
    const monitors = createMonitors(client, informers);
    const queue = createWorkQueue<string>({ clock });
    const uids = new Set<string>();
    signal.addEventListener("abort", () => queue.shutDown(), { once: true });
    const enqueue = (m: Monitor, obj: KubeObject) => queue.add(itemKey(m, obj));
    const deps: ItemDeps = { client, monitors, signal, enqueue };
    const worker = async () => {
      for (;;) {
        const key = await queue.get(signal);
        if (key === undefined) return;
        try {
          const [id, namespace, name] = key.split("|") as [string, string, string];
          const m = monitors.byId(id);
          const obj = m?.informer.get(namespace, name);
          if (m && obj) await processItem(deps, m, obj);
          queue.forget(key);
        } catch (err) {
          if (!signal.aborted) {
            log.warn("garbage collection of an object failed; will retry", { key, error: err instanceof Error ? err.message : String(err) });
            queue.addRateLimited(key);
          }
        } finally {
          queue.done(key);
        }
      }
    };
    // Workers start once the first monitors have synced (a partial graph would remove finalizers early).
    return { monitors, queue, uids, startWorkers: () => { for (let i = 0; i < (options.workers ?? 20); i++) void worker(); } };
  };

  const watch = (run: Run, m: Monitor) => {
    const { uids, queue, monitors } = run;
    const enqueue = (mon: Monitor, obj: KubeObject) => queue.add(itemKey(mon, obj));
    const ownersToRecheck = (obj: KubeObject) => {
      for (const ref of obj.metadata.ownerReferences ?? []) {
        const om = monitors.forKind(ref.apiVersion, ref.kind);
        const owner = om?.informer.get(om.resource.namespaced ? obj.metadata.namespace ?? "" : "", ref.name);
        if (om && owner && owner.metadata.uid === ref.uid && owner.metadata.deletionTimestamp) enqueue(om, owner);
      }
    };
    m.informer.on({
      add(obj) {
        if (obj.metadata.uid) uids.add(obj.metadata.uid);
        if (needsAttention(obj, uids, monitors)) enqueue(m, obj);
        // Dependents seen before their owner were queued for verification; nothing else to do.
      },
      update(old, obj) {
        if (obj.metadata.uid) uids.add(obj.metadata.uid);
        if (needsAttention(obj, uids, monitors)) enqueue(m, obj);
        // Changed references (e.g. unblocked or removed) may release an owner waiting in the foreground.
        if (JSON.stringify(old.metadata.ownerReferences) !== JSON.stringify(obj.metadata.ownerReferences) || obj.metadata.deletionTimestamp) {
          ownersToRecheck(old);
        }
      },
      delete(obj) {
        if (obj.metadata.uid) uids.delete(obj.metadata.uid);
        for (const d of dependentsOf(monitors, obj.metadata.uid ?? "")) enqueue(d.monitor, d.obj);
        ownersToRecheck(obj);
      },
    });
  };

  return defineController({
    name: "garbage-collector",
    watches: [
      { target: builtinResources.namespaces, events: ["add"], map: () => [RESOURCES_KEY] },
      { target: builtinResources.customResourceDefinitions, map: () => [RESOURCES_KEY] },
    ],
    async reconcile(_key, ctx) {
      let run = runs.get(ctx.signal);
      if (!run) {
        run = start(ctx.client, ctx.informers, ctx.log, ctx.signal);
        runs.set(ctx.signal, run);
      }
      const added = await run.monitors.sync(ctx.signal);
      for (const m of added) watch(run, m);
      if (!run.started && (await ctx.informers.waitForSync(ctx.signal))) {
        run.started = true;
        run.startWorkers();
      }
      return { requeueAfterMs: REDISCOVERY_MS };
    },
  });
}
