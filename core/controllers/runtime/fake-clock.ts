/** A manually advanced Clock for tests: timers fire only from `advance()`, in due order. */
import { sleepWith, type Clock } from "./clock.ts";

export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, firing due timers in order (each at its due time). */
  advance(ms: number): void;
  /** Timers not yet fired. */
  pending(): number;
}

export function createFakeClock(start = 1_700_000_000_000): FakeClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: FakeClock = {
    now: () => now,
    setTimer(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return () => { timers.delete(id); };
    },
    sleep: (ms, signal) => sleepWith(clock, ms, signal),
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
        if (!next) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].fn();
      }
      now = target;
    },
    pending: () => timers.size,
  };
  return clock;
}
