/**
 * Restart back-off per (pod uid, container name), as upstream's kubelet: 10 s doubling to 5 min;
 * a container that ran for 10 min resets its entry (kubelet `backOffPeriod`, `MaxContainerBackOff`,
 * flowcontrol.Backoff's 2x max-duration reset).
 */
export interface CrashBackoff {
  /** ms left before `key` may start again (0: now). */
  remaining(key: string, now: number): number;
  /** Records a start after a failure: the next one waits twice as long. */
  next(key: string, now: number): void;
  /** Drops entries whose container stayed up long enough, or of gone pods. */
  reset(key: string): void;
  /** The current delay of `key` in ms (for the CrashLoopBackOff message). */
  delay(key: string): number;
  forgetPod(uid: string): void;
}

export function createCrashBackoff(initialMs = 10_000, maxMs = 300_000): CrashBackoff {
  const entries = new Map<string, { delay: number; until: number }>();
  return {
    remaining(key, now) {
      const e = entries.get(key);
      return e ? Math.max(0, e.until - now) : 0;
    },
    next(key, now) {
      const e = entries.get(key);
      const delay = e ? Math.min(e.delay * 2, maxMs) : initialMs;
      entries.set(key, { delay, until: now + delay });
    },
    reset(key) { entries.delete(key); },
    delay(key) { return entries.get(key)?.delay ?? initialMs; },
    forgetPod(uid) { for (const k of entries.keys()) if (k.startsWith(`${uid}/`)) entries.delete(k); },
  };
}

/** Back-off key of a pod's container (or image pull: `<uid>/image:<container>`). */
export const backoffKey = (uid: string, container: string) => `${uid}/${container}`;
