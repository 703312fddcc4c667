/**
 * Pod failure back-off (upstream backoffRecordStore, kept in memory as upstream does): after n
 * failures since the last success, a replacement pod waits 10 s * 2^(n-1), capped at 6 minutes,
 * counted from the last failure.
 */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 6 * 60_000;

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureMs: number;
}

export function backoffDelayMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(MAX_POD_FAILURE_BACKOFF_MS, POD_FAILURE_BACKOFF_MS * 2 ** Math.min(failures - 1, 30));
}

/** Milliseconds left before a new pod may be created (0: now). */
export function remainingBackoffMs(record: BackoffRecord | undefined, nowMs: number): number {
  if (!record || record.failuresAfterLastSuccess === 0) return 0;
  return Math.max(0, record.lastFailureMs + backoffDelayMs(record.failuresAfterLastSuccess) - nowMs);
}

/** The record after newly finished pods (in finish order). */
export function recordFinished(record: BackoffRecord | undefined, finished: readonly { failed: boolean; atMs: number }[]): BackoffRecord {
  let r: BackoffRecord = record ?? { failuresAfterLastSuccess: 0, lastFailureMs: 0 };
  for (const f of [...finished].sort((a, b) => a.atMs - b.atMs)) {
    r = f.failed ? { failuresAfterLastSuccess: r.failuresAfterLastSuccess + 1, lastFailureMs: Math.max(r.lastFailureMs, f.atMs) } : { failuresAfterLastSuccess: 0, lastFailureMs: r.lastFailureMs };
  }
  return r;
}
