/** StatefulSet status from its pods (upstream computeReplicaStatus and completeRollingUpdate). */
import { CONTROLLER_REVISION_HASH_LABEL } from "../controller-revision/controller-revision.ts";
import { isPodAvailable, isPodReady } from "../workload-pods/pod-state.ts";
import type { Pod } from "../workload-pods/types.ts";
import type { StatefulSet } from "./types.ts";

export type StatefulSetStatus = NonNullable<StatefulSet["status"]>;

export function computeStatus(set: StatefulSet, pods: readonly Pod[], currentRevision: string, updateRevision: string, nowMs: number): StatefulSetStatus {
  const minReady = set.spec?.minReadySeconds ?? 0;
  let replicas = 0, ready = 0, available = 0, current = 0, updated = 0;
  for (const pod of pods) {
    replicas++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, nowMs)) available++;
    }
    if (!pod.metadata.deletionTimestamp) {
      const rev = pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
      if (rev === currentRevision) current++;
      if (rev === updateRevision) updated++;
    }
  }
  const status: StatefulSetStatus = {
    ...(set.status ?? {}),
    observedGeneration: set.metadata.generation,
    replicas, readyReplicas: ready, currentReplicas: current, updatedReplicas: updated, availableReplicas: available,
    currentRevision, updateRevision,
    collisionCount: set.status?.collisionCount ?? 0,
  };
  // A finished rolling update makes the update revision current.
  if (set.spec?.updateStrategy?.type !== "OnDelete" && updated === replicas && ready === replicas && replicas === (set.spec?.replicas ?? 1)) {
    status.currentRevision = updateRevision;
    status.currentReplicas = updated;
  }
  return status;
}
