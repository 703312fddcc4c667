/**
 * The Recreate strategy (upstream recreate.go): scale every old ReplicaSet to zero, wait until none
 * of their pods runs, then create/scale the new ReplicaSet to the full size.
 */
import type { Pod, ReplicaSet } from "../replicaset/types.ts";
import { cleanupDeployment } from "./cleanup.ts";
import { getNewReplicaSet } from "./new-replica-set.ts";
import { actualReplicas, filterActive, findOldReplicaSets } from "./replica-sets.ts";
import { scaleReplicaSetAndRecordEvent } from "./scaling.ts";
import { deploymentComplete, syncRolloutStatus } from "./status.ts";
import type { DeploymentSync } from "./sync-context.ts";
import { desiredReplicas } from "./types.ts";

/** Pods of the Deployment's ReplicaSets, by the controlling RS's UID. */
export type PodMap = ReadonlyMap<string, readonly Pod[]>;

/** Recheck while old pods are still terminating (pod deletions normally trigger the sync first). */
const OLD_PODS_RECHECK_MS = 1000;

export async function rolloutRecreate(sc: DeploymentSync, rsList: readonly ReplicaSet[], podMap: PodMap): Promise<void> {
  let oldRSs = findOldReplicaSets(sc.d, rsList);
  let newRS = await getNewReplicaSet(sc, rsList, oldRSs, false);
  let allRSs = [...oldRSs, newRS];
  let scaledDown = false;
  for (const rs of filterActive(oldRSs)) {
    if ((await scaleReplicaSetAndRecordEvent(sc, rs, 0))[0]) scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(sc, allRSs, newRS);
  if (oldPodsRunning(newRS, oldRSs, podMap)) {
    sc.requeueAfter(OLD_PODS_RECHECK_MS);
    return syncRolloutStatus(sc, allRSs, newRS);
  }
  if (!newRS) {
    oldRSs = findOldReplicaSets(sc.d, rsList);
    newRS = await getNewReplicaSet(sc, rsList, oldRSs, true);
    allRSs = [...oldRSs, newRS];
  }
  if (newRS) await scaleReplicaSetAndRecordEvent(sc, newRS, desiredReplicas(sc.d));
  if (deploymentComplete(sc.d, sc.d.status ?? {})) await cleanupDeployment(sc, oldRSs);
  return syncRolloutStatus(sc, allRSs, newRS);
}

function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], podMap: PodMap): boolean {
  if (actualReplicas(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const p of pods) {
      const phase = p.status?.phase;
      if (phase === "Failed" || phase === "Succeeded") continue;
      return true;
    }
  }
  return false;
}
