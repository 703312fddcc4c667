import { describe, expect, test } from "bun:test";
import { HpaHistory, normalizeLegacy, normalizeWithBehavior } from "./behavior.ts";
import { resourceAverageValueReplicas, resourceUtilizationReplicas, type PodInfo, type PodMetric } from "./replica-calculator.ts";

const NOW = 1_700_000_000_000;
const readyPod = (name: string, request = 100, extra: Partial<PodInfo> = {}): PodInfo => ({
  name, phase: "Running", deleting: false, startTime: NOW - 600_000, ready: { status: "True", lastTransitionTime: NOW - 590_000 }, request, ...extra,
});
const metrics = (values: Record<string, number>) => new Map<string, PodMetric>(Object.entries(values).map(([k, v]) => [k, { value: v, timestamp: NOW - 1000, windowMs: 15_000 }]));

describe("replica calculation (resource utilization)", () => {
  test("scales by the usage ratio over ready pods; within tolerance keeps the count", () => {
    expect(resourceUtilizationReplicas(1, 50, "cpu", [readyPod("a")], metrics({ a: 480 }), NOW)).toMatchObject({ replicas: 10, utilization: 480, rawAverage: 480 });
    expect(resourceUtilizationReplicas(2, 50, "cpu", [readyPod("a"), readyPod("b")], metrics({ a: 54, b: 52 }), NOW).replicas).toBe(2);
    expect(resourceUtilizationReplicas(4, 50, "cpu", ["a", "b", "c", "d"].map((n) => readyPod(n)), metrics({ a: 0, b: 0, c: 0, d: 0 }), NOW).replicas).toBe(0);
  });
  test("missing pods dampen a scale-down (count as 100 %), unready pods a scale-up (count as 0)", () => {
    // Ready pod at 10 %, a missing one: scale-down recomputed with the missing pod at 100 % → ratio 1.1 crosses 1 → keep.
    expect(resourceUtilizationReplicas(2, 50, "cpu", [readyPod("a"), readyPod("b")], metrics({ a: 10 }), NOW).replicas).toBe(2);
    // Scale-up with an unready (just started) pod: it counts as 0.
    const fresh = readyPod("b", 100, { startTime: NOW - 10_000, ready: { status: "False", lastTransitionTime: NOW - 10_000 } });
    expect(resourceUtilizationReplicas(2, 50, "cpu", [readyPod("a"), fresh], metrics({ a: 200, b: 300 }), NOW).replicas).toBe(4);
    // Pending pods are unready; deleted or Failed pods are ignored.
    expect(resourceUtilizationReplicas(3, 50, "cpu", [readyPod("a"), readyPod("p", 100, { phase: "Pending" }), readyPod("f", 100, { phase: "Failed" })], metrics({ a: 100, f: 900 }), NOW).replicas).toBe(3);
  });
  test("errors: no metrics, no pods, missing requests", () => {
    expect(() => resourceUtilizationReplicas(1, 50, "cpu", [readyPod("a")], new Map(), NOW)).toThrow("no metrics returned from resource metrics API");
    expect(() => resourceUtilizationReplicas(1, 50, "cpu", [], metrics({ a: 1 }), NOW)).toThrow("no pods returned by selector");
    expect(() => resourceUtilizationReplicas(1, 50, "cpu", [readyPod("a", undefined as unknown as number, { request: undefined })], metrics({ a: 1 }), NOW)).toThrow("missing request for cpu");
  });
  test("average value targets", () => {
    expect(resourceAverageValueReplicas(2, 100_000, "memory", [readyPod("a"), readyPod("b")], metrics({ a: 300_000, b: 100_000 }), NOW)).toMatchObject({ replicas: 4, rawAverage: 200_000 });
  });
});

describe("normalization", () => {
  test("legacy: 5 min scale-down stabilization and max(2x, 4) scale-up", () => {
    const h = new HpaHistory(1, NOW);
    expect(normalizeLegacy(h, 1, 10, 1, 10, NOW)).toMatchObject({ replicas: 4, scalingLimited: { limited: true, reason: "ScaleUpLimit" } });
    expect(normalizeLegacy(h, 4, 1, 1, 10, NOW + 60_000)).toMatchObject({ replicas: 8, ableToScale: { reason: "ScaleDownStabilized" } });
    expect(normalizeLegacy(h, 4, 1, 1, 10, NOW + 400_000).replicas).toBe(1);
  });
  test("behavior: stabilization windows per direction, policies, selectPolicy", () => {
    const h = new HpaHistory(1, NOW);
    const behavior = { scaleDown: { stabilizationWindowSeconds: 30 } };
    // Default scale-up policies: max(+4 pods, +100 %) per 15 s.
    expect(normalizeWithBehavior(h, behavior, 1, 10, 1, 10, NOW)).toMatchObject({ replicas: 5, scalingLimited: { limited: true, reason: "ScaleUpLimit" } });
    h.recordScale(behavior, 1, 5, NOW);
    // Within the period the budget is spent: 5 - 4 + 4 = 5 → still limited to 5.
    expect(normalizeWithBehavior(h, behavior, 5, 10, 1, 10, NOW + 5000).replicas).toBe(5);
    expect(normalizeWithBehavior(h, behavior, 5, 10, 1, 10, NOW + 20_000).replicas).toBe(10);
    // Down: the highest recommendation of the last 30 s holds.
    expect(normalizeWithBehavior(h, behavior, 10, 1, 1, 10, NOW + 25_000)).toMatchObject({ replicas: 10, ableToScale: { reason: "ScaleDownStabilized" } });
    expect(normalizeWithBehavior(h, behavior, 10, 1, 1, 10, NOW + 60_000).replicas).toBe(1);
    const off = new HpaHistory(3, NOW);
    expect(normalizeWithBehavior(off, { scaleUp: { selectPolicy: "Disabled" } }, 3, 6, 1, 10, NOW).replicas).toBe(3);
    const pods = new HpaHistory(10, NOW);
    expect(normalizeWithBehavior(pods, { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 2, periodSeconds: 60 }] } }, 10, 1, 1, 10, NOW))
      .toMatchObject({ replicas: 8, scalingLimited: { limited: true, reason: "ScaleDownLimit" } });
  });
});
