/**
 * PodDisruptionBudget arithmetic (upstream disruption controller's getExpectedPodCount,
 * countHealthyPods and updatePdbStatus), pure over the pods a budget selects.
 */
import type { KubeObject } from "@lite/sdk";
import { isPodReady, type Pod } from "../endpoints/pod-endpoints.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;
export type Pdb = KubeObject & { spec?: Json; status?: Json };

/** Upstream DeletionTimeout: an eviction the controller has not seen carried out is forgotten after 2 minutes. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** intstr "50%" of `total`, rounded up (upstream GetScaledValueFromIntOrPercent with roundUp). */
export function scaled(value: number | string, total: number): number {
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value);
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  return Number(value) || 0;
}

export interface BudgetNumbers {
  expectedPods: number;
  desiredHealthy: number;
  currentHealthy: number;
  disruptionsAllowed: number;
  /** disruptedPods still pending (pod name -> RFC 3339 time). */
  disruptedPods: Record<string, string>;
  /** When the earliest pending disruption expires (ms), if any. */
  nextExpiryMs?: number;
}

/**
 * `scale` is the summed replicas of the pods' controllers (only consulted for percentages and
 * maxUnavailable, as upstream).
 */
export function computeBudget(pdb: Pdb, pods: readonly Pod[], scale: () => number, nowMs: number): BudgetNumbers {
  const spec = pdb.spec ?? {};
  let expectedPods = pods.length;
  let desiredHealthy = 0;
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    expectedPods = scale();
    desiredHealthy = Math.max(0, expectedPods - scaled(spec.maxUnavailable, expectedPods));
  } else if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
    if (typeof spec.minAvailable === "number" || /^\d+$/.test(String(spec.minAvailable))) desiredHealthy = Number(spec.minAvailable);
    else { expectedPods = scale(); desiredHealthy = scaled(spec.minAvailable, expectedPods); }
  }
  const disruptedPods: Record<string, string> = {};
  let nextExpiryMs: number | undefined;
  const byName = new Map(pods.map((p) => [p.metadata.name, p]));
  for (const [name, at] of Object.entries((pdb.status?.disruptedPods ?? {}) as Record<string, string>)) {
    const pod = byName.get(name);
    if (!pod || pod.metadata.deletionTimestamp) continue; // carried out
    const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (expires <= nowMs) continue;
    disruptedPods[name] = at;
    nextExpiryMs = Math.min(nextExpiryMs ?? expires, expires);
  }
  let currentHealthy = 0;
  for (const p of pods) if (!p.metadata.deletionTimestamp && !disruptedPods[p.metadata.name ?? ""] && isPodReady(p)) currentHealthy++;
  const allowed = currentHealthy - desiredHealthy;
  return { expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed: expectedPods <= 0 || allowed <= 0 ? 0 : allowed, disruptedPods, nextExpiryMs };
}

/** The DisruptionAllowed condition as upstream's UpdateDisruptionAllowedCondition writes it. */
export function disruptionAllowedCondition(allowed: number, previous: Json | undefined, now: string, generation: number | undefined): Json {
  const status = allowed > 0 ? "True" : "False";
  const reason = allowed > 0 ? "SufficientPods" : "InsufficientPods";
  return {
    type: "DisruptionAllowed", status, reason, message: "",
    observedGeneration: generation,
    lastTransitionTime: previous && previous.status === status ? previous.lastTransitionTime : now,
  };
}
