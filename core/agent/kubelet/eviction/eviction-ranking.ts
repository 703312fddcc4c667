/**
 * Which pod the kubelet evicts first under node pressure (upstream `eviction/helpers.go`
 * rankMemoryPressure / rankDiskPressure): pods whose usage exceeds their requests first, then lower
 * priority, then the larger usage above requests. Critical pods (system-node-critical /
 * system-cluster-critical priority classes, static pods) are never chosen.
 */
import { parseQuantity, quantityScaledValue } from "../../../apiserver/machinery/quantity.ts";
import type { Pod } from "../pod-types.ts";

export type Resource = "memory" | "ephemeral-storage";

function requestOf(pod: Pod, resource: Resource): number {
  let sum = 0;
  for (const c of pod.spec.containers) {
    const q = (c.resources as { requests?: Record<string, string> } | undefined)?.requests?.[resource];
    if (q) {
      try { sum += Number(quantityScaledValue(parseQuantity(q), 0)); } catch { /* validated by the API server */ }
    }
  }
  return sum;
}

export const isCritical = (pod: Pod) =>
  ["system-node-critical", "system-cluster-critical"].includes(String(pod.spec.priorityClassName ?? "")) || ((pod.spec.priority as number | undefined) ?? 0) >= 2_000_000_000;

/** Pods in eviction order; `usage` gives a pod's bytes of `resource` in use. */
export function rankForEviction(pods: readonly Pod[], resource: Resource, usage: (uid: string) => number): Pod[] {
  const entries = pods.filter((p) => !isCritical(p)).map((pod) => {
    const used = usage(pod.metadata.uid ?? "");
    const over = used - requestOf(pod, resource);
    return { pod, exceeds: over > 0, priority: (pod.spec.priority as number | undefined) ?? 0, over };
  });
  entries.sort((a, b) => (a.exceeds !== b.exceeds ? (a.exceeds ? -1 : 1) : a.priority !== b.priority ? a.priority - b.priority : b.over - a.over));
  return entries.map((e) => e.pod);
}
