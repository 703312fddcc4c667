/**
 * The loop behind a controller that rewrites kernel state from informer caches (the service
 * proxy, the network policy controller), as kube-proxy's bounded-frequency runner:
 * - `request()` asks for a sync; requests while one is scheduled or running fold into one more
 *   sync after it, and syncs start at least `minSyncMs` apart;
 * - a sync before `synced()` holds is skipped (its `syncNow` waiters wait for the next one);
 * - a failed sync is reported through `failed(message, retryMs)` (the owner forgets what it believes
 *   is applied) and retried after 1 s, doubling up to `syncMs`;
 * - every `syncMs` `resync()` runs (the owner drops its caches of the applied state), then a sync;
 * - `ready()` resolves true once the owner calls `markReady()` (its first sync succeeded), false
 *   if the loop stops first;
 * - `stop()` cancels timers and event handlers, waits for a running sync and releases the waiters.
 * `controllerInformers` gives such a controller the informers it was handed, or its own.
 */
import type { ApiClient, Logger, SharedInformerFactory } from "@lite/sdk";
import type { Clock } from "./clock.ts";
import { createSharedInformerFactory } from "./shared-informer-factory.ts";

interface EventSource {
  on(handlers: { add(o: unknown): void; update(a: unknown, b: unknown): void; delete(o: unknown): void }): () => void;
}

export interface SyncLoopOptions {
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly minSyncMs: number;
  readonly syncMs: number;
  /** Informers whose events request a sync. */
  readonly sources: readonly EventSource[];
  /** Resolves when the informers have synced (a sync is requested then). */
  readonly whenSynced: Promise<boolean>;
  synced(): boolean;
  sync(): Promise<void>;
  failed(message: string, retryMs: number): void;
  resync(): void;
}

export interface SyncLoop {
  request(delayMs?: number): void;
  /** Resolves after the next sync that starts after this call. */
  syncNow(): Promise<void>;
  /** Resolves true after `markReady()`, false if the loop stopped first. */
  ready(): Promise<boolean>;
  markReady(): void;
  stop(): Promise<void>;
}

/**
 * The informers a controller watches: `informers` when given (shared, started and stopped by their
 * owner), else its own over `client`, which `start` starts and which stop with that signal.
 */
export function controllerInformers(o: { informers?: SharedInformerFactory; client?: ApiClient; clock: Clock; log: Logger }, who: string): {
  informers: SharedInformerFactory;
  start(signal: AbortSignal): void;
  /** Resolves once the controller's own informers have stopped (at once for given ones). */
  stopped(): Promise<void>;
} {
  if (o.informers) return { informers: o.informers, start() {}, stopped: async () => {} };
  if (!o.client) throw new Error(`${who} needs a client or informers`);
  const own = createSharedInformerFactory({ client: o.client, clock: o.clock, log: o.log });
  return { informers: own, start: (signal) => own.start(signal), stopped: () => own.stopped() };
}

export function startSyncLoop(o: SyncLoopOptions): SyncLoop {
  const { clock, signal } = o;
  let timer: (() => void) | undefined;
  let running: Promise<void> | undefined;
  let dirty = false;
  let lastStart = 0;
  let retryMs = 0;
  let waiters: (() => void)[] = [];
  const readyPromise = Promise.withResolvers<boolean>();

  const request = (delayMs = 0) => {
    if (signal.aborted) return;
    if (running) { dirty = true; return; }
    if (timer) return;
    const wait = Math.max(delayMs, lastStart + o.minSyncMs - clock.now(), 0);
    timer = clock.setTimer(() => { timer = undefined; running = runSync().finally(() => { running = undefined; if (dirty) { dirty = false; request(); } }); }, wait);
  };

  const runSync = async () => {
    if (signal.aborted) return;
    const mine = waiters;
    waiters = [];
    lastStart = clock.now();
    try {
      if (!o.synced()) { waiters.push(...mine); return; }
      await o.sync();
      retryMs = 0;
    } catch (err) {
      retryMs = Math.min(retryMs ? retryMs * 2 : 1000, o.syncMs);
      o.failed(err instanceof Error ? err.message : String(err), retryMs);
      clock.setTimer(() => request(), retryMs);
    } finally {
      for (const w of mine) w();
    }
  };

  const onChange = { add: () => request(), update: (a: unknown, b: unknown) => { if (a !== b) request(); }, delete: () => request() };
  const offs = o.sources.map((s) => s.on(onChange));
  void o.whenSynced.then((ok) => { if (ok) request(); });
  let periodic: (() => void) | undefined;
  const tick = () => { o.resync(); request(); periodic = clock.setTimer(tick, o.syncMs); };
  periodic = clock.setTimer(tick, o.syncMs);

  return {
    request,
    syncNow: () => new Promise<void>((resolve) => { waiters.push(resolve); request(); }),
    ready: () => readyPromise.promise,
    markReady: () => readyPromise.resolve(true),
    async stop() {
      timer?.();
      periodic?.();
      for (const off of offs) off();
      await running;
      for (const w of waiters) w();
      waiters = [];
      readyPromise.resolve(false);
    },
  };
}
