/**
 * Time as the controller runtime sees it, injectable so queues, back-offs and leader election
 * can be tested with a fake clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` after `ms`; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
  /** Resolves after `ms`, or early (without rejecting) when `signal` fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function realClock(): Clock {
  const clock: Clock = {
    now: () => Date.now(),
    setTimer(fn, ms) {
      const t = setTimeout(fn, Math.max(0, ms));
      return () => clearTimeout(t);
    },
    sleep: (ms, signal) => sleepWith(clock, ms, signal),
  };
  return clock;
}

/** sleep() on top of setTimer(), for Clock implementations. */
export function sleepWith(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => { cancel(); signal?.removeEventListener("abort", done); resolve(); };
    const cancel = clock.setTimer(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
