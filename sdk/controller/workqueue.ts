/**
 * The work queue contract (client-go's rate-limited, delaying, de-duplicating queue).
 * - A key added several times before a worker takes it is processed once.
 * - A key is held by at most one worker: added while processing, it is re-queued when `done` is called.
 * - `addRateLimited` delays by the rate limiter (per-item exponential back-off, overall token bucket);
 *   `forget` resets the item's back-off once it succeeded.
 */
export interface WorkQueue<K> {
  add(key: K): void;
  /** Adds after `delayMs` (immediately when <= 0). */
  addAfter(key: K, delayMs: number): void;
  addRateLimited(key: K): void;
  /** Clears the key's failure history (call after a successful reconcile). */
  forget(key: K): void;
  /** How often the key was rate-limited since the last forget. */
  numRequeues(key: K): number;
  /** Waits for the next key; undefined once the queue is shut down (or `signal` fires). Call `done(key)` after processing. */
  get(signal?: AbortSignal): Promise<K | undefined>;
  done(key: K): void;
  len(): number;
  /** Stops handing out keys; waiting `get`s resolve undefined. Idempotent. */
  shutDown(): void;
  shuttingDown(): boolean;
}

/** Decides how long an item waits before it is retried. */
export interface RateLimiter<K> {
  /** Delay in ms for this retry of `key` (counts the retry). */
  when(key: K): number;
  forget(key: K): void;
  numRequeues(key: K): number;
}

/** client-go's defaults for controllers: per-item 5 ms .. 1000 s exponential, overall 10 qps with burst 100. */
export const DEFAULT_CONTROLLER_RATE_LIMITS = Object.freeze({
  baseDelayMs: 5,
  maxDelayMs: 1_000_000,
  qps: 10,
  burst: 100,
});
