/**
 * Deployment status and the Progressing/Available conditions (upstream sync.go calculateStatus,
 * syncDeploymentStatus and progress.go syncRolloutStatus).
 */
import type { ReplicaSet } from "../replicaset/types.ts";
import { AVAILABLE, getCondition, newCondition, PROGRESSING, Reasons, removeCondition, REPLICA_FAILURE, setCondition } from "./conditions.ts";
import { maxUnavailable } from "./int-or-percent.ts";
import { actualReplicas, availableReplicas, readyReplicas, specReplicas } from "./replica-sets.ts";
import type { DeploymentSync } from "./sync-context.ts";
import { desiredReplicas, type Deployment, type DeploymentStatus } from "./types.ts";
import { canonicalJson } from "./template-hash.ts";

/** Progress deadline set and not "infinite" (math.MaxInt32). */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== 2147483647;
}

export function calculateStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: number): DeploymentStatus {
  const available = availableReplicas(allRSs);
  const total = specReplicas(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: actualReplicas(allRSs),
    updatedReplicas: actualReplicas([newRS]),
    readyReplicas: readyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    conditions: [...(d.status?.conditions ?? [])],
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, "True", Reasons.MinimumReplicasAvailable, "Deployment has minimum availability.", now));
  } else {
    setCondition(status, newCondition(AVAILABLE, "False", Reasons.MinimumReplicasUnavailable, "Deployment does not have minimum availability.", now));
  }
  return status;
}

function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  const norm = (s: DeploymentStatus | undefined) => canonicalJson({
    observedGeneration: s?.observedGeneration ?? 0, replicas: s?.replicas ?? 0, updatedReplicas: s?.updatedReplicas ?? 0,
    readyReplicas: s?.readyReplicas ?? 0, availableReplicas: s?.availableReplicas ?? 0, unavailableReplicas: s?.unavailableReplicas ?? 0,
    conditions: s?.conditions ?? [], collisionCount: s?.collisionCount,
  });
  return norm(a) === norm(b);
}

/** syncDeploymentStatus: writes the calculated status when it changed. */
export async function syncDeploymentStatus(sc: DeploymentSync, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
  const status = calculateStatus(allRSs, newRS, sc.d, sc.now());
  if (sameStatus(sc.d.status, status)) return;
  sc.d = { ...sc.d, status };
  await sc.updateStatus();
}

/** DeploymentComplete: every replica updated and available, and the spec observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = desiredReplicas(d);
  return s.updatedReplicas === r && s.replicas === r && s.availableReplicas === r && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: more updated/ready/available replicas, or fewer old ones, than last recorded. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const o = d.status ?? {};
  const oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) || newOld < oldOld
    || (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0);
}

/** DeploymentTimedOut: no progress recorded for progressDeadlineSeconds. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, PROGRESSING);
  if (!c || c.reason === Reasons.NewReplicaSetAvailable) return false;
  if (c.reason === Reasons.ProgressDeadlineExceeded) return true;
  const from = Date.parse(c.lastUpdateTime ?? "");
  return !Number.isNaN(from) && from + d.spec.progressDeadlineSeconds! * 1000 < now;
}

/** ReplicaFailure of the new RS first, then of the others, as a Deployment condition. */
function replicaFailure(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined) {
  const ordered = [newRS, ...allRSs.filter((rs) => rs !== newRS)];
  for (const rs of ordered) {
    const c = rs?.status?.conditions?.find((x) => x.type === REPLICA_FAILURE && x.status === "True");
    if (c) return { type: REPLICA_FAILURE, status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message };
  }
  return undefined;
}

/** syncRolloutStatus: status plus the Progressing condition; asks for a requeue at the deadline. */
export async function syncRolloutStatus(sc: DeploymentSync, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
  const d = sc.d;
  const now = sc.now();
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  const isComplete = status.replicas === status.updatedReplicas && current?.reason === Reasons.NewReplicaSetAvailable;
  if (hasProgressDeadline(d) && !isComplete) {
    const name = d.metadata.name;
    if (deploymentComplete(d, status)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" has successfully progressed.` : `Deployment "${name}" has successfully progressed.`;
      setCondition(status, newCondition(PROGRESSING, "True", Reasons.NewReplicaSetAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : `Deployment "${name}" is progressing.`;
      const cond = newCondition(PROGRESSING, "True", Reasons.ReplicaSetUpdated, msg, now);
      if (current) {
        if (current.status === "True") cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, PROGRESSING);
      }
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, now)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" has timed out progressing.` : `Deployment "${name}" has timed out progressing.`;
      setCondition(status, newCondition(PROGRESSING, "False", Reasons.ProgressDeadlineExceeded, msg, now));
    }
  }
  const failure = replicaFailure(allRSs, newRS);
  if (failure) setCondition(status, failure as never);
  else removeCondition(status, REPLICA_FAILURE);
  if (sameStatus(d.status, status)) {
    requeueStuckDeployment(sc, status);
    return;
  }
  sc.d = { ...d, status };
  await sc.updateStatus();
}

/** requeueStuckDeployment: check again when the progress deadline would pass. */
function requeueStuckDeployment(sc: DeploymentSync, status: DeploymentStatus): void {
  const d = sc.d;
  const current = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || !current || deploymentComplete(d, status) || current.reason === Reasons.ProgressDeadlineExceeded) return;
  const after = Date.parse(current.lastUpdateTime ?? "") + d.spec.progressDeadlineSeconds! * 1000 - sc.now();
  if (Number.isNaN(after)) return;
  sc.requeueAfter(after < 1000 ? 1000 : after + 1000);
}
