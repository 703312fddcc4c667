/**
 * Runs one defineController controller: subscribes its watches to shared informers, waits for
 * them to sync, then runs its workers over a rate-limited queue until `signal` fires. Stopping
 * shuts the queue down, lets each worker finish its current key, and unsubscribes the handlers.
 */
import {
  keysFor, type ApiClient, type ControllerDefinition, type EventRecorder, type KubeObject, type Logger, type ReconcileContext,
  type SharedInformerFactory, type WorkQueue,
} from "@lite/sdk";
import type { Clock } from "./clock.ts";
import { createWorkQueue } from "./workqueue.ts";

export interface ControllerDeps {
  client: ApiClient;
  informers: SharedInformerFactory;
  events: EventRecorder;
  clock: Clock;
  log: Logger;
  /** Called with the queue once created (tests and metrics). */
  onQueue?(queue: WorkQueue<string>): void;
}

export async function runController(controller: ControllerDefinition, deps: ControllerDeps, signal: AbortSignal): Promise<void> {
  const { clock, informers } = deps;
  const log = deps.log;
  const queue = createWorkQueue<string>({ clock });
  deps.onQueue?.(queue);
  const offs: (() => void)[] = [];
  const watched = controller.watches.map((w) => {
    const inf = informers.informerFor<KubeObject>(w.target, { labelSelector: w.labelSelector, fieldSelector: w.fieldSelector, indexers: w.indexers });
    const wants = new Set(w.events ?? ["add", "update", "delete"]);
    const enqueue = (obj: KubeObject) => {
      try {
        for (const key of keysFor(w, obj)) queue.add(key);
      } catch (err) {
        log.error("mapping an object to keys failed", { error: err instanceof Error ? err.message : String(err) });
      }
    };
    offs.push(inf.on({
      add: (o) => { if (wants.has("add")) enqueue(o); },
      update: (_old, o) => { if (wants.has("update")) enqueue(o); },
      delete: (o) => { if (wants.has("delete")) enqueue(o); },
    }));
    return { spec: w, inf };
  });
  const onAbort = () => queue.shutDown();
  signal.addEventListener("abort", onAbort, { once: true });
  let stopResync = () => {};
  try {
    const synced = await Promise.all(watched.map((w) => w.inf.waitForSync(signal)));
    if (!synced.every(Boolean) || signal.aborted) return;
    log.info("controller started", { controller: controller.name, workers: controller.workers ?? 1 });
    if (controller.resyncMs && controller.resyncMs > 0) {
      const period = controller.resyncMs;
      const tick = () => {
        for (const w of watched) for (const o of w.inf.list()) for (const k of keysFor(w.spec, o)) queue.add(k);
        stopResync = clock.setTimer(tick, period);
      };
      stopResync = clock.setTimer(tick, period);
    }
    const informer: ReconcileContext["informer"] = (target, options) => informers.informerFor(target, options);
    const worker = async () => {
      for (;;) {
        const key = await queue.get(signal);
        if (key === undefined) return;
        const ctx: ReconcileContext = {
          signal, log, client: deps.client, events: deps.events, informers, informer, retries: queue.numRequeues(key),
        };
        try {
          const result = await controller.reconcile(key, ctx);
          queue.forget(key);
          if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
        } catch (err) {
          if (!signal.aborted) {
            log.warn("reconcile failed; will retry", { controller: controller.name, key, retries: ctx.retries, error: err instanceof Error ? err.message : String(err) });
            queue.addRateLimited(key);
          }
        } finally {
          queue.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: controller.workers ?? 1 }, worker));
  } finally {
    stopResync();
    signal.removeEventListener("abort", onAbort);
    queue.shutDown();
    for (const off of offs) off();
  }
}
