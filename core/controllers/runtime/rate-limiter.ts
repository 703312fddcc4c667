/**
 * Rate limiters for the work queue, as client-go's workqueue package:
 * - itemExponential: base * 2^failures per item, capped at max;
 * - tokenBucket: an overall budget (qps, burst) shared by all items, like golang.org/x/time/rate's Reserve;
 * - maxOf: the longest delay of several;
 * - defaultControllerRateLimiter: maxOf(itemExponential(5 ms, 1000 s), tokenBucket(10 qps, burst 100)).
 */
import { DEFAULT_CONTROLLER_RATE_LIMITS, type RateLimiter } from "@lite/sdk";
import type { Clock } from "./clock.ts";

export function itemExponentialRateLimiter<K>(baseDelayMs: number, maxDelayMs: number): RateLimiter<K> {
  const failures = new Map<K, number>();
  return {
    when(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      const delay = baseDelayMs * 2 ** n;
      return !Number.isFinite(delay) || delay > maxDelayMs ? maxDelayMs : delay;
    },
    forget: (key) => { failures.delete(key); },
    numRequeues: (key) => failures.get(key) ?? 0,
  };
}

/** A token bucket refilled at `qps`, holding at most `burst` tokens; each `when` takes one token (possibly on credit). */
export function tokenBucketRateLimiter<K>(qps: number, burst: number, clock: Clock): RateLimiter<K> {
  let tokens = burst;
  let last = clock.now();
  return {
    when() {
      const now = clock.now();
      tokens = Math.min(burst, tokens + ((now - last) / 1000) * qps);
      last = now;
      tokens -= 1;
      return tokens >= 0 ? 0 : Math.ceil((-tokens / qps) * 1000);
    },
    forget() {},
    numRequeues: () => 0,
  };
}

export function maxOfRateLimiter<K>(...limiters: RateLimiter<K>[]): RateLimiter<K> {
  return {
    when: (key) => Math.max(0, ...limiters.map((l) => l.when(key))),
    forget: (key) => { for (const l of limiters) l.forget(key); },
    numRequeues: (key) => Math.max(0, ...limiters.map((l) => l.numRequeues(key))),
  };
}

export function defaultControllerRateLimiter<K>(clock: Clock): RateLimiter<K> {
  const d = DEFAULT_CONTROLLER_RATE_LIMITS;
  return maxOfRateLimiter<K>(itemExponentialRateLimiter(d.baseDelayMs, d.maxDelayMs), tokenBucketRateLimiter(d.qps, d.burst, clock));
}
