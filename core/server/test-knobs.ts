/**
 * Test-only knobs, read from the environment once at control-plane start (never set them in
 * production). They shorten history so end-to-end tests can reach "too old resourceVersion"
 * (410 Gone) and relist paths in seconds instead of minutes, and shorten node-lifecycle timing:
 *
 *   LITE_TEST_COMPACT_INTERVAL_MS   compact the SQLite store every N ms, keeping no extra
 *                                   revisions (default: every 5 min, keeping 1000)
 *   LITE_TEST_WATCH_CACHE_CAPACITY  events each watch cache keeps for resuming watches
 *                                   (default 4096)
 *   LITE_TEST_NODE_MONITOR_GRACE_MS the node lifecycle controller's node-monitor grace period: a node
 *                                   whose Lease/status is older than this goes Unknown and gets
 *                                   the unreachable taints (default: upstream's 40 s)
 */
import type { SqliteStoreOptions } from "../store/sqlite.ts";

export interface TestKnobs {
  readonly storeOptions?: SqliteStoreOptions;
  readonly watchCacheCapacity?: number;
  readonly nodeMonitorGracePeriodMs?: number;
}

function positiveInt(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

export function readTestKnobs(env: Record<string, string | undefined>): TestKnobs {
  const interval = positiveInt(env, "LITE_TEST_COMPACT_INTERVAL_MS");
  const capacity = positiveInt(env, "LITE_TEST_WATCH_CACHE_CAPACITY");
  const grace = positiveInt(env, "LITE_TEST_NODE_MONITOR_GRACE_MS");
  return {
    ...(interval ? { storeOptions: { compactor: { intervalMs: interval, retainRevisions: 0 } } } : {}),
    ...(capacity ? { watchCacheCapacity: capacity } : {}),
    ...(grace ? { nodeMonitorGracePeriodMs: grace } : {}),
  };
}
