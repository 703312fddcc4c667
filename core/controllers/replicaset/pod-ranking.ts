/**
 * Which pods a scale-down deletes first (upstream controller.ActivePodsWithRanks with the
 * PodDeletionCost and LogarithmicScaleDown features on). Earlier in the order = deleted first:
 *  1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready;
 *  4. lower controller.kubernetes.io/pod-deletion-cost first; 5. more related pods on the same node first;
 *  6. ready for less time first (log2 buckets); 7. more container restarts first;
 *  8. newer first (log2 buckets); ties in a bucket by UID.
 */
import { isPodActive, isPodReady, podReadySince } from "./pod-state.ts";
import type { Pod } from "./types.ts";

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
export const POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

function deletionCost(pod: Pod): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST];
  if (v === undefined || !/^-?\d+$/.test(v)) return 0;
  return Number(v);
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

function logRank(t: number, now: number): number {
  const d = (now - t) * 1e6; // Go compares durations in nanoseconds
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

/** Compares two timestamps (ms, undefined = zero): negative when `a` should go first. */
function compareTimes(a: number | undefined, b: number | undefined, now: number, uidA: string, uidB: string): number {
  if (a === b) return 0;
  if (a === undefined || b === undefined) return a === undefined ? -1 : 1; // zero first (afterOrZero)
  const diff = logRank(a, now) - logRank(b, now);
  if (diff === 0) return uidA < uidB ? -1 : uidA > uidB ? 1 : 0;
  return diff; // more recent = smaller rank = first
}

/** Sorts a copy of `pods` into deletion order; `rank(pod)` counts related active pods on its node. */
export function rankPodsForDeletion(pods: readonly Pod[], rank: (pod: Pod) => number, now: number): Pod[] {
  const created = (p: Pod) => (p.metadata.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : undefined);
  const uid = (p: Pod) => p.metadata.uid ?? "";
  const cmp = (a: Pod, b: Pod): number => {
    const na = a.spec?.nodeName ?? "", nb = b.spec?.nodeName ?? "";
    if (na !== nb && (!na || !nb)) return !na ? -1 : 1;
    const pa = PHASE_ORDINAL[a.status?.phase ?? ""] ?? 0, pb = PHASE_ORDINAL[b.status?.phase ?? ""] ?? 0;
    if (pa !== pb) return pa - pb;
    const ra = isPodReady(a), rb = isPodReady(b);
    if (ra !== rb) return ra ? 1 : -1;
    const ca = deletionCost(a), cb = deletionCost(b);
    if (ca !== cb) return ca - cb;
    const ka = rank(a), kb = rank(b);
    if (ka !== kb) return kb - ka;
    if (ra && rb) {
      const c = compareTimes(podReadySince(a), podReadySince(b), now, uid(a), uid(b));
      if (c !== 0) return c;
    }
    const sa = maxRestarts(a), sb = maxRestarts(b);
    if (sa !== sb) return sb - sa;
    return compareTimes(created(a), created(b), now, uid(a), uid(b));
  };
  return [...pods].sort(cmp);
}

/**
 * The `count` pods to delete from `pods` (getPodsToDelete): ranked by how many active pods of
 * `related` (the owner's and its siblings') share their node.
 */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], count: number, now: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) onNode.set(p.spec?.nodeName ?? "", (onNode.get(p.spec?.nodeName ?? "") ?? 0) + 1);
  return rankPodsForDeletion(pods, (p) => onNode.get(p.spec?.nodeName ?? "") ?? 0, now).slice(0, count);
}
