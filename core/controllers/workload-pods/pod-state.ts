/** Pod state predicates as upstream's podutil: ready, available, terminal, deleting. */
import type { Pod } from "./types.ts";

export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

export function isDeleting(pod: Pod): boolean {
  return !!pod.metadata.deletionTimestamp;
}

/** Neither terminal nor being deleted (upstream controller.IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  return !isTerminal(pod) && !isDeleting(pod);
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.phase === "Running" && (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** Ready for at least `minReadySeconds` at `nowMs` (the Ready condition's lastTransitionTime). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === "Ready");
  const since = ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : Number.NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** When an available-but-not-yet pod becomes available (ms), or undefined. */
export function availableAt(pod: Pod, minReadySeconds: number): number | undefined {
  if (!isPodReady(pod) || minReadySeconds <= 0) return undefined;
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === "Ready");
  const since = ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : Number.NaN;
  return Number.isNaN(since) ? undefined : since + minReadySeconds * 1000;
}
