/**
 * The work queue (client-go's Type + delaying + rate-limiting queues in one):
 * - `queue` holds keys in FIFO order, `dirty` the keys that need processing, `processing` those a
 *   worker holds. A key is in `queue` at most once; a key added while processing waits in `dirty`
 *   and is queued again on `done`.
 * - Delayed adds wait on the clock; an earlier addAfter of the same key wins.
 */
import type { RateLimiter, WorkQueue } from "@lite/sdk";
import type { Clock } from "./clock.ts";
import { defaultControllerRateLimiter } from "./rate-limiter.ts";

export interface WorkQueueOptions<K> {
  clock: Clock;
  rateLimiter?: RateLimiter<K>;
}

export function createWorkQueue<K>(options: WorkQueueOptions<K>): WorkQueue<K> {
  const { clock } = options;
  const limiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(clock);
  const queue: K[] = [];
  let head = 0;
  const dirty = new Set<K>();
  const processing = new Set<K>();
  const waiting = new Map<K, { at: number; cancel: () => void }>();
  const getters: ((key: K | undefined) => void)[] = [];
  let shutdown = false;

  const push = (key: K) => {
    const getter = getters.shift();
    if (getter) { processing.add(key); dirty.delete(key); getter(key); return; }
    queue.push(key);
  };
  const take = (): K | undefined => {
    if (head >= queue.length) return undefined;
    const key = queue[head++]!;
    if (head > 1024 && head * 2 > queue.length) { queue.splice(0, head); head = 0; }
    return key;
  };

  const q: WorkQueue<K> = {
    add(key) {
      if (shutdown || dirty.has(key)) return;
      dirty.add(key);
      if (processing.has(key)) return;
      push(key);
    },
    addAfter(key, delayMs) {
      if (shutdown) return;
      if (delayMs <= 0) return q.add(key);
      const at = clock.now() + delayMs;
      const existing = waiting.get(key);
      if (existing && existing.at <= at) return;
      existing?.cancel();
      const cancel = clock.setTimer(() => { waiting.delete(key); q.add(key); }, delayMs);
      waiting.set(key, { at, cancel });
    },
    addRateLimited: (key) => q.addAfter(key, limiter.when(key)),
    forget: (key) => limiter.forget(key),
    numRequeues: (key) => limiter.numRequeues(key),
    get(signal) {
      if (shutdown || signal?.aborted) return Promise.resolve(undefined);
      const key = take();
      if (key !== undefined) {
        processing.add(key);
        dirty.delete(key);
        return Promise.resolve(key);
      }
      return new Promise((resolve) => {
        const getter = (k: K | undefined) => { signal?.removeEventListener("abort", onAbort); resolve(k); };
        const onAbort = () => {
          const i = getters.indexOf(getter);
          if (i >= 0) getters.splice(i, 1);
          resolve(undefined);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        getters.push(getter);
      });
    },
    done(key) {
      processing.delete(key);
      if (dirty.has(key) && !shutdown) push(key);
    },
    len: () => queue.length - head,
    shutDown() {
      if (shutdown) return;
      shutdown = true;
      for (const w of waiting.values()) w.cancel();
      waiting.clear();
      for (const g of getters.splice(0)) g(undefined);
    },
    shuttingDown: () => shutdown,
  };
  return q;
}
