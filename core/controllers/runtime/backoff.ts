/** Exponential back-off with jitter for reconnect loops (client-go's reflector: 800 ms doubling to 30 s, reset after 2 min of health). */
export interface Backoff {
  /** The next delay, in ms. */
  next(): number;
  reset(): void;
}

export function exponentialBackoff(initialMs = 800, maxMs = 30_000, jitter = 0.2, random: () => number = Math.random): Backoff {
  let current = 0;
  return {
    next() {
      current = current === 0 ? initialMs : Math.min(maxMs, current * 2);
      return Math.round(current * (1 + jitter * random()));
    },
    reset() { current = 0; },
  };
}
