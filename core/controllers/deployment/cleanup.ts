/**
 * Revision history cleanup (upstream cleanupDeployment): keep at most revisionHistoryLimit old
 * ReplicaSets, deleting the lowest revisions first, but only RSs that are scaled to zero, have no
 * pods and whose spec the RS controller has observed.
 */
import { builtinResources, isNotFound } from "@lite/sdk";
import type { ReplicaSet } from "../replicaset/types.ts";
import { byRevision } from "./replica-sets.ts";
import type { DeploymentSync } from "./sync-context.ts";
import { replicasOf } from "./types.ts";

export async function cleanupDeployment(sc: DeploymentSync, oldRSs: readonly ReplicaSet[]): Promise<void> {
  const limit = sc.d.spec.revisionHistoryLimit;
  if (limit === undefined || limit === null) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  const sorted = [...cleanable].sort(byRevision);
  for (const rs of sorted.slice(0, diff)) {
    if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata.deletionTimestamp) continue;
    try {
      await sc.ctx.client.delete({ ...builtinResources.replicaSets, namespace: rs.metadata.namespace, name: rs.metadata.name ?? "" }, { signal: sc.ctx.signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
