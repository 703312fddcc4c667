/**
 * Periodic compaction for any Store, the way kine does it: every interval, compact up to
 * `retainRevisions` behind the current revision, but never past the revision that was current at
 * the previous tick. So history is kept for at least the last `retainRevisions` revisions AND at
 * least one interval, giving watchers that briefly fall behind a chance to catch up.
 */
import type { Store } from "./types.ts";

export interface CompactorOptions {
  /** Time between compactions (kine: 5 minutes). */
  readonly intervalMs: number;
  /** Revisions always kept behind the current one (kine: 1000). */
  readonly retainRevisions: number;
  /** Told about failures; compaction is retried at the next tick. */
  readonly onError?: (err: unknown) => void;
}

export const DEFAULT_COMPACTOR: CompactorOptions = { intervalMs: 5 * 60_000, retainRevisions: 1000 };

export interface Compactor {
  /** Stop the timer (an in-flight compaction finishes on its own). Idempotent. */
  stop(): void;
}

export function startCompactor(store: Store, options: CompactorOptions): Compactor {
  let previousTick = store.currentRevision();
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    const now = store.currentRevision();
    const target = Math.min(now - options.retainRevisions, previousTick);
    previousTick = now;
    if (target <= store.compactRevision()) return;
    running = true;
    store.compact(target).then(
      () => { running = false; },
      (err: unknown) => { running = false; options.onError?.(err); },
    );
  }, options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
