/**
 * One pass over one Deployment (upstream syncDeployment): claim its ReplicaSets, then either only
 * report status (being deleted), scale (paused, or resized), or roll out by strategy.
 */
import { builtinResources, isNotFound, type ReconcileContext } from "@lite/sdk";
import { claimObjects, controllerOf, newControllerRef } from "../replicaset/controller-ref.ts";
import { isEmptySelector, selectorMatches } from "../replicaset/label-selector.ts";
import type { Pod, ReplicaSet } from "../replicaset/types.ts";
import { desiredReplicasAnnotation } from "./annotations.ts";
import { cleanupDeployment } from "./cleanup.ts";
import { getCondition, newCondition, PROGRESSING, Reasons, setCondition } from "./conditions.ts";
import { getNewReplicaSet } from "./new-replica-set.ts";
import { rolloutRecreate, type PodMap } from "./recreate.ts";
import { filterActive, findOldReplicaSets } from "./replica-sets.ts";
import { rolloutRolling } from "./rolling.ts";
import { scale } from "./scaling.ts";
import { hasProgressDeadline, syncDeploymentStatus } from "./status.ts";
import { DeploymentSync } from "./sync-context.ts";
import { desiredReplicas, type Deployment } from "./types.ts";

export async function syncDeployment(cached: Deployment, ctx: ReconcileContext): Promise<number | undefined> {
  const sc = new DeploymentSync(ctx, { ...structuredClone(cached), apiVersion: "apps/v1", kind: "Deployment" });
  const d = sc.d;
  if (isEmptySelector(d.spec.selector)) {
    sc.event("Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
    if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
      sc.d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation };
      await sc.updateStatus();
    }
    return undefined;
  }
  const rsList = await replicaSetsFor(sc);
  if (d.metadata.deletionTimestamp) {
    await syncStatusOnly(sc, rsList);
    return sc.requeueAfterMs;
  }
  await checkPausedConditions(sc);
  if (sc.d.spec.paused || isScalingEvent(sc.d, rsList)) {
    await syncScale(sc, rsList);
    return sc.requeueAfterMs;
  }
  if (sc.d.spec.strategy?.type === "Recreate") await rolloutRecreate(sc, rsList, podMapFor(sc, rsList));
  else await rolloutRolling(sc, rsList);
  return sc.requeueAfterMs;
}

/** getReplicaSetsForDeployment: the RSs it controls after adoption/release (ClaimReplicaSets). */
async function replicaSetsFor(sc: DeploymentSync): Promise<ReplicaSet[]> {
  const { ctx, d } = sc;
  const namespace = d.metadata.namespace ?? "";
  const all = ctx.informer<ReplicaSet>(builtinResources.replicaSets).list(namespace);
  return claimObjects(all, {
    client: ctx.client, signal: ctx.signal, resource: builtinResources.replicaSets, owner: d,
    ownerRef: newControllerRef(d, "apps/v1", "Deployment"),
    matches: (rs) => selectorMatches(d.spec.selector, rs.metadata.labels),
    canAdopt: async () => {
      try {
        const fresh = await ctx.client.get({ ...builtinResources.deployments, namespace, name: d.metadata.name ?? "" }, { signal: ctx.signal });
        return fresh.metadata.uid === d.metadata.uid && !fresh.metadata.deletionTimestamp;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
  });
}

/** getPodMapForDeployment: pods matching the selector, grouped by the RS (of `rsList`) controlling them. */
function podMapFor(sc: DeploymentSync, rsList: readonly ReplicaSet[]): PodMap {
  const map = new Map<string, Pod[]>(rsList.map((rs) => [rs.metadata.uid ?? "", []]));
  for (const p of sc.ctx.informer<Pod>(builtinResources.pods).list(sc.d.metadata.namespace)) {
    if (!selectorMatches(sc.d.spec.selector, p.metadata.labels)) continue;
    map.get(controllerOf(p)?.uid ?? "")?.push(p);
  }
  return map;
}

/** A resize: some active RS was annotated for another Deployment size. */
function isScalingEvent(d: Deployment, rsList: readonly ReplicaSet[]): boolean {
  const oldRSs = findOldReplicaSets(d, rsList);
  const newRS = rsList.find((rs) => !oldRSs.includes(rs));
  for (const rs of filterActive([...oldRSs, newRS])) {
    const desired = desiredReplicasAnnotation(rs);
    if (desired !== undefined && desired !== desiredReplicas(d)) return true;
  }
  return false;
}

async function syncStatusOnly(sc: DeploymentSync, rsList: readonly ReplicaSet[]): Promise<void> {
  const oldRSs = findOldReplicaSets(sc.d, rsList);
  const newRS = await getNewReplicaSet(sc, rsList, oldRSs, false);
  await syncDeploymentStatus(sc, [...oldRSs, newRS], newRS);
}

/** `sync`: scaling and history cleanup without rolling out (paused Deployments and resizes). */
async function syncScale(sc: DeploymentSync, rsList: readonly ReplicaSet[]): Promise<void> {
  const oldRSs = findOldReplicaSets(sc.d, rsList);
  const newRS = await getNewReplicaSet(sc, rsList, oldRSs, false);
  await scale(sc, newRS, oldRSs);
  // History is cleaned up here only while paused (a rollout cleans up once complete).
  if (sc.d.spec.paused) await cleanupDeployment(sc, oldRSs);
  await syncDeploymentStatus(sc, [...oldRSs, newRS], newRS);
}

/** Progressing=Unknown DeploymentPaused / DeploymentResumed, unless the deadline was already exceeded. */
async function checkPausedConditions(sc: DeploymentSync): Promise<void> {
  const d = sc.d;
  if (!hasProgressDeadline(d)) return;
  const cond = getCondition(d.status, PROGRESSING);
  if (cond?.reason === Reasons.ProgressDeadlineExceeded) return;
  const pausedCond = cond?.reason === Reasons.DeploymentPaused;
  let condition;
  if (d.spec.paused && !pausedCond) condition = newCondition(PROGRESSING, "Unknown", Reasons.DeploymentPaused, "Deployment is paused", sc.now());
  else if (!d.spec.paused && pausedCond) condition = newCondition(PROGRESSING, "Unknown", Reasons.DeploymentResumed, "Deployment is resumed", sc.now());
  if (!condition) return;
  sc.d = structuredClone(d);
  sc.d.status ??= {};
  setCondition(sc.d.status, condition);
  await sc.updateStatus();
}
