/**
 * Which pod the kubelet evicts first under node pressure (upstream `eviction/helpers.go`):
 * - memory (rankMemoryPressure): pods without stats first, then pods whose usage exceeds their
 *   requests, then lower priority, then the larger usage above requests;
 * - disk (rankDiskPressure, bytes or inodes): the same with ephemeral-storage;
 * - PIDs (rankPIDPressure): lower priority first, then more processes.
 * Critical pods (priority ≥ 2000000000, or the system-*-critical classes) stay in the ranking,
 * as upstream, but are never evicted: the manager skips them (evictPod refuses a critical pod).
 */
import { parseQuantity, quantityScaledValue } from "../../../apiserver/machinery/quantity.ts";
import type { Pod } from "../pod-types.ts";
import type { ReclaimResource } from "./thresholds.ts";

/** The old two-value resource name, kept for callers that rank by memory or disk bytes. */
export type Resource = "memory" | "ephemeral-storage";

/** A pod's request of `resource` (sum over its app containers; inodes and PIDs are never requested). */
export function requestOf(pod: Pod, resource: ReclaimResource): number {
  if (resource !== "memory" && resource !== "ephemeral-storage") return 0;
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

const cmpBool = (a: boolean, b: boolean) => (a === b ? 0 : a ? -1 : 1);
const priority = (p: Pod) => (p.spec.priority as number | undefined) ?? 0;

/**
 * Pods in eviction order for `resource`; `usage` gives a pod's use of it, or undefined when the pod
 * has no stats (such pods go first, as upstream). Critical pods are included; see isCritical.
 */
export function rankForEviction(pods: readonly Pod[], resource: ReclaimResource, usage: (uid: string) => number | undefined): Pod[] {
  const entries = pods.map((pod) => {
    const used = usage(pod.metadata.uid ?? "");
    // Upstream compares inode use with the (never set) inodes request, but subtracts the
    // ephemeral-storage request from it when ordering by consumption.
    const request = requestOf(pod, resource);
    const subtracted = resource === "inodes" ? requestOf(pod, "ephemeral-storage") : request;
    return { pod, found: used !== undefined, used: used ?? 0, exceeds: (used ?? 0) > request, over: (used ?? 0) - subtracted, priority: priority(pod) };
  });
  type E = (typeof entries)[number];
  const noStats = (a: E, b: E) => cmpBool(!a.found, !b.found);
  const steps: ((a: E, b: E) => number)[] = resource === "pids"
    ? [(a, b) => a.priority - b.priority, (a, b) => (!a.found || !b.found ? noStats(a, b) : b.used - a.used)]
    : [
      (a, b) => (!a.found || !b.found ? noStats(a, b) : cmpBool(a.exceeds, b.exceeds)),
      (a, b) => a.priority - b.priority,
      (a, b) => (!a.found || !b.found ? noStats(a, b) : b.over - a.over),
    ];
  entries.sort((a, b) => {
    for (const step of steps) {
      const c = step(a, b);
      if (c !== 0) return c;
    }
    return 0;
  });
  return entries.map((e) => e.pod);
}
