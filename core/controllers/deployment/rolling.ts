/**
 * The RollingUpdate strategy (upstream rolling.go): grow the new ReplicaSet within maxSurge, shrink
 * old ones within maxUnavailable (unhealthy replicas first), clean up history once complete.
 */
import type { ReplicaSet } from "../replicaset/types.ts";
import { cleanupDeployment } from "./cleanup.ts";
import { maxUnavailable } from "./int-or-percent.ts";
import { getNewReplicaSet, newRSNewReplicas } from "./new-replica-set.ts";
import { availableReplicas, byCreation, filterActive, findOldReplicaSets, specReplicas } from "./replica-sets.ts";
import { scaleReplicaSetAndRecordEvent } from "./scaling.ts";
import { deploymentComplete, syncRolloutStatus } from "./status.ts";
import type { DeploymentSync } from "./sync-context.ts";
import { desiredReplicas, replicasOf } from "./types.ts";

export async function rolloutRolling(sc: DeploymentSync, rsList: readonly ReplicaSet[]): Promise<void> {
  const oldRSs = findOldReplicaSets(sc.d, rsList);
  const newRS = (await getNewReplicaSet(sc, rsList, oldRSs, true))!;
  const allRSs = [...oldRSs, newRS];
  if (await reconcileNewReplicaSet(sc, allRSs, newRS)) return syncRolloutStatus(sc, allRSs, newRS);
  if (await reconcileOldReplicaSets(sc, allRSs, filterActive(oldRSs), newRS)) return syncRolloutStatus(sc, allRSs, newRS);
  if (deploymentComplete(sc.d, sc.d.status ?? {})) await cleanupDeployment(sc, oldRSs);
  return syncRolloutStatus(sc, allRSs, newRS);
}

async function reconcileNewReplicaSet(sc: DeploymentSync, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const desired = desiredReplicas(sc.d);
  if (replicasOf(newRS) === desired) return false;
  if (replicasOf(newRS) > desired) return (await scaleReplicaSetAndRecordEvent(sc, newRS, desired))[0];
  return (await scaleReplicaSetAndRecordEvent(sc, newRS, newRSNewReplicas(sc.d, allRSs, newRS)))[0];
}

async function reconcileOldReplicaSets(sc: DeploymentSync, allRSs: readonly ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const oldPods = specReplicas(oldRSs);
  if (oldPods === 0) return false;
  const allPods = specReplicas(allRSs);
  const minAvailable = desiredReplicas(sc.d) - maxUnavailable(sc.d);
  const newRSUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return false;
  const [cleaned, cleanupCount] = await cleanupUnhealthyReplicas(sc, oldRSs, maxScaledDown);
  const scaledDown = await scaleDownOldReplicaSetsForRollingUpdate(sc, [...cleaned, newRS], cleaned);
  return cleanupCount + scaledDown > 0;
}

/** Scales down old RSs' unavailable replicas first (they cost no availability), oldest RS first. */
async function cleanupUnhealthyReplicas(sc: DeploymentSync, oldRSs: ReplicaSet[], maxCleanup: number): Promise<[ReplicaSet[], number]> {
  const sorted = [...oldRSs].sort(byCreation);
  let total = 0;
  for (const [i, rs] of sorted.entries()) {
    if (total >= maxCleanup) break;
    const replicas = replicasOf(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const count = Math.min(maxCleanup - total, replicas - available);
    const [, updated] = await scaleReplicaSetAndRecordEvent(sc, rs, replicas - count);
    sorted[i] = updated;
    total += count;
  }
  return [sorted, total];
}

/** Scales old RSs down while more than minAvailable replicas are available, oldest RS first. */
async function scaleDownOldReplicaSetsForRollingUpdate(sc: DeploymentSync, allRSs: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[]): Promise<number> {
  const minAvailable = desiredReplicas(sc.d) - maxUnavailable(sc.d);
  const available = availableReplicas(allRSs);
  if (available <= minAvailable) return 0;
  const want = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= want) break;
    if (replicasOf(rs) === 0) continue;
    const count = Math.min(replicasOf(rs), want - total);
    await scaleReplicaSetAndRecordEvent(sc, rs, replicasOf(rs) - count);
    total += count;
  }
  return total;
}
