/**
 * DaemonSet RollingUpdate (upstream daemon/update.go): per node with an old-revision pod,
 * - maxSurge 0: delete old pods, at most maxUnavailable nodes unavailable at once (old pods that
 *   are not available go at once); the manage pass then creates the new pod;
 * - maxSurge > 0: start a new pod beside an available old one (at most maxSurge nodes at once), and
 *   delete the old pod once the new one is available.
 */
import { isPodAvailable } from "../workload-pods/pod-state.ts";
import type { Pod } from "../workload-pods/types.ts";

export interface NodePods {
  node: string;
  /** Live (not deleting) daemon pods on a node that should run one. */
  pods: readonly Pod[];
}

export interface RollingPlan {
  deletions: Pod[];
  /** Nodes that get a surge pod of the new revision. */
  surgeNodes: string[];
}

/** intstr.GetScaledValueFromIntOrPercent with rounding up. */
export function scaledValue(v: number | string | undefined, total: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v);
  return m ? Math.ceil((Number(m[1]) * total) / 100) : Number(v) || 0;
}

export function planRollingUpdate(nodes: readonly NodePods[], isNew: (p: Pod) => boolean, maxSurgeIn: number | string | undefined, maxUnavailableIn: number | string | undefined, minReadySeconds: number, nowMs: number): RollingPlan {
  const desired = nodes.length;
  const maxSurge = scaledValue(maxSurgeIn, desired, 0);
  let maxUnavailable = scaledValue(maxUnavailableIn, desired, 1);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  const available = (p: Pod) => isPodAvailable(p, minReadySeconds, nowMs);
  const plan: RollingPlan = { deletions: [], surgeNodes: [] };

  if (maxSurge === 0) {
    let unavailable = nodes.filter((n) => !n.pods.some(available)).length;
    const candidates: Pod[] = [];
    for (const n of nodes) {
      const old = n.pods.filter((p) => !isNew(p));
      if (!old.length) continue;
      for (const p of old) {
        if (!available(p)) plan.deletions.push(p);
        else if (!n.pods.some(isNew)) candidates.push(p);
      }
    }
    for (const p of candidates) {
      if (unavailable >= maxUnavailable) break;
      plan.deletions.push(p);
      unavailable++;
    }
    return plan;
  }

  let surging = nodes.filter((n) => n.pods.some(isNew) && n.pods.some((p) => !isNew(p))).length;
  for (const n of nodes) {
    const old = n.pods.filter((p) => !isNew(p));
    if (!old.length) continue;
    const fresh = n.pods.filter(isNew);
    if (fresh.some(available) || !old.some(available)) { plan.deletions.push(...old); continue; }
    if (fresh.length === 0 && surging < maxSurge) { plan.surgeNodes.push(n.node); surging++; }
  }
  return plan;
}
