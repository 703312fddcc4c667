/** ReplicaSet/ReplicationController status from its active, claimed pods (upstream calculateStatus). */
import { hasAllLabels } from "./label-selector.ts";
import { isPodAvailable, isPodReady } from "./pod-state.ts";
import type { Pod, ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from "./types.ts";
import { formatTime } from "../../kube-time.ts";


/**
 * The next status. `manageError` (a failed create or delete) sets the ReplicaFailure condition with
 * reason FailedCreate/FailedDelete; a clean sync removes it. observedGeneration is the RS generation.
 */
export function calculateReplicaSetStatus(rs: ReplicaSet, pods: readonly Pod[], manageError: unknown, now: number): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels;
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fully = 0, ready = 0, available = 0;
  for (const p of pods) {
    if (hasAllLabels(templateLabels, p.metadata.labels)) fully++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, now)) available++;
    }
  }
  const old = rs.status ?? {};
  let conditions: ReplicaSetCondition[] = [...(old.conditions ?? [])];
  const failure = conditions.find((c) => c.type === "ReplicaFailure");
  if (manageError && !failure) {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "";
    const message = manageError instanceof Error ? manageError.message : String(manageError);
    conditions.push({ type: "ReplicaFailure", status: "True", lastTransitionTime: formatTime(now), reason, message });
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c.type !== "ReplicaFailure");
  }
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fully,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? 0,
  };
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

/** Same counters, generation and conditions (no write needed). */
export function sameReplicaSetStatus(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  const x = a ?? {};
  return (x.replicas ?? 0) === b.replicas && (x.fullyLabeledReplicas ?? 0) === b.fullyLabeledReplicas && (x.readyReplicas ?? 0) === b.readyReplicas
    && (x.availableReplicas ?? 0) === b.availableReplicas && (x.observedGeneration ?? 0) === b.observedGeneration
    && JSON.stringify(x.conditions ?? []) === JSON.stringify(b.conditions ?? []);
}
