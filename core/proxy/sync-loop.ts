/**
 * The loop behind a controller that rewrites kernel state from informer caches (the service
 * proxy, the network policy controller), as kube-proxy's bounded-frequency runner:
 * - `request()` asks for a sync; requests while one is scheduled or running fold into one more
 *   sync after it, and syncs start at least `minSyncMs` apart;
 * - a sync before `synced()` holds is skipped (its `syncNow` waiters wait for the next one);
 * - a failed sync is reported through `failed(message, retryMs)` (the owner forgets what it believes
 *   is applied) and retried after 1 s, doubling up to `syncMs`;
 * - every `syncMs` `resync()` runs (the owner drops its caches of the applied state), then a sync;
 * - `stop()` cancels timers and event handlers, waits for a running sync and releases the waiters.
 */
import type { Clock } from "../controllers/runtime/clock.ts";

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
  stop(): Promise<void>;
}

export function startSyncLoop(o: SyncLoopOptions): SyncLoop {
  const { clock, signal } = o;
  let timer: (() => void) | undefined;
  let running: Promise<void> | undefined;
  let dirty = false;
  let lastStart = 0;
  let retryMs = 0;
  let waiters: (() => void)[] = [];

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
    async stop() {
      timer?.();
      periodic?.();
      for (const off of offs) off();
      await running;
      for (const w of waiters) w();
      waiters = [];
    },
  };
}
