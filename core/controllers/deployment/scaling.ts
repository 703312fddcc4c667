/**
 * Scaling ReplicaSets on behalf of a Deployment (upstream sync.go scaleReplicaSet*, scale and
 * deploymentutil.GetProportion): every size change writes the desired/max-replicas annotations and
 * records `ScalingReplicaSet: Scaled up|down replica set <rs> from <old> to <new>`.
 */
import type { ReplicaSet } from "../replicaset/types.ts";
import { desiredReplicasAnnotation, maxReplicasAnnotation, replicasAnnotationsNeedUpdate, setReplicasAnnotations } from "./annotations.ts";
import { isRollingUpdate, maxSurge } from "./int-or-percent.ts";
import { bySizeNewer, bySizeOlder, filterActive, findActiveOrLatest, specReplicas } from "./replica-sets.ts";
import type { DeploymentSync } from "./sync-context.ts";
import { desiredReplicas, replicasOf, type Deployment } from "./types.ts";

/** Writes the new size (and the replicas annotations); returns whether the size changed and the RS as stored. */
export async function scaleReplicaSet(sc: DeploymentSync, rs: ReplicaSet, newScale: number, operation: string): Promise<[boolean, ReplicaSet]> {
  const d = sc.d;
  const desired = desiredReplicas(d);
  const max = desired + maxSurge(d);
  const oldScale = replicasOf(rs);
  const sizeNeedsUpdate = oldScale !== newScale;
  if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return [false, rs];
  const copy = structuredClone(rs) as ReplicaSet;
  copy.spec = { ...copy.spec, replicas: newScale };
  setReplicasAnnotations(copy, desired, max);
  const updated = await sc.updateReplicaSet(copy);
  if (sizeNeedsUpdate) sc.event("Normal", "ScalingReplicaSet", `Scaled ${operation} replica set ${rs.metadata.name} from ${oldScale} to ${newScale}`);
  return [sizeNeedsUpdate, updated];
}

/** scaleReplicaSetAndRecordEvent: no-op when the size is already right. */
export async function scaleReplicaSetAndRecordEvent(sc: DeploymentSync, rs: ReplicaSet, newScale: number): Promise<[boolean, ReplicaSet]> {
  const current = replicasOf(rs);
  if (current === newScale) return [false, rs];
  return scaleReplicaSet(sc, rs, newScale, current < newScale ? "up" : "down");
}

/** IsSaturated: the RS runs the Deployment's full size, all available, as annotated. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  const r = desiredReplicas(d);
  return desired !== undefined && replicasOf(rs) === r && desired === r && (rs.status?.availableReplicas ?? 0) === r;
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (desiredReplicas(d) === 0) return -replicasOf(rs);
  const deploymentReplicas = desiredReplicas(d) + maxSurge(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  const size = (replicasOf(rs) * deploymentReplicas) / annotated;
  // integer.RoundToInt32: math.Round, halves away from zero.
  const rounded = Math.sign(size) * Math.round(Math.abs(size));
  return (Number.isFinite(rounded) ? rounded : 0) - replicasOf(rs);
}

/** GetProportion: this RS's share of `toAdd`, bounded by what is left to add. */
export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * scale: a Deployment resized mid-rollout (or paused) spreads the change over its active
 * ReplicaSets in proportion to their sizes, leftovers to the largest (newest on ties when growing,
 * oldest when shrinking).
 */
export async function scale(sc: DeploymentSync, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): Promise<void> {
  const d = sc.d;
  const desired = desiredReplicas(d);
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    if (replicasOf(activeOrLatest) === desired) return;
    await scaleReplicaSetAndRecordEvent(sc, activeOrLatest, desired);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) await scaleReplicaSetAndRecordEvent(sc, old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = filterActive([...oldRSs, newRS]);
  const allowedSize = desired > 0 ? desired + maxSurge(d) : 0;
  const toAdd = allowedSize - specReplicas(all);
  let operation = "";
  if (toAdd > 0) { all.sort(bySizeNewer); operation = "up"; }
  else if (toAdd < 0) { all.sort(bySizeOlder); operation = "down"; }
  let added = 0;
  const sizes = new Map<string, number>();
  for (const rs of all) {
    if (toAdd !== 0) {
      const p = proportion(rs, d, toAdd, added);
      sizes.set(rs.metadata.uid ?? "", replicasOf(rs) + p);
      added += p;
    } else sizes.set(rs.metadata.uid ?? "", replicasOf(rs));
  }
  for (const [i, rs] of all.entries()) {
    const uid = rs.metadata.uid ?? "";
    if (i === 0 && toAdd !== 0) sizes.set(uid, Math.max(0, sizes.get(uid)! + toAdd - added));
    await scaleReplicaSet(sc, rs, sizes.get(uid)!, operation);
  }
}
