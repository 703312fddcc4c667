/**
 * The annotations through which autoscaling/v1 carries what only autoscaling/v2 can express
 * (upstream pkg/apis/autoscaling/annotations.go). They exist only on v1 objects: converting to
 * the storage version lifts them into fields and removes them, and v2 never shows them.
 */
import type { KObject } from "../../resources/types.ts";

/** Every spec metric except the CPU utilization target, as v1 MetricSpecs (JSON list). */
export const METRIC_SPECS = "autoscaling.alpha.kubernetes.io/metrics";
/** All of status.currentMetrics, as v1 MetricStatuses (JSON list). */
export const METRIC_STATUSES = "autoscaling.alpha.kubernetes.io/current-metrics";
/** status.conditions (JSON list). */
export const CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions";
/** spec.behavior, in upstream's internal-type JSON (Go field names: `ScaleUp`, `Policies`, ...). */
export const BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior";

const ROUND_TRIP = [METRIC_SPECS, METRIC_STATUSES, CONDITIONS, BEHAVIOR];

/** `meta` without the round-trip annotations (an empty map is dropped); never mutates `meta`. */
export function withoutRoundTripAnnotations(meta: KObject["metadata"]): KObject["metadata"] {
  const ann = meta.annotations;
  if (!ann || !ROUND_TRIP.some((k) => k in ann)) return meta;
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(ann)) if (!ROUND_TRIP.includes(k)) kept[k] = v;
  const { annotations: _a, ...rest } = meta;
  return Object.keys(kept).length > 0 ? { ...rest, annotations: kept } : rest;
}

/** The JSON value of an annotation, or undefined when absent or malformed. */
export function readJsonAnnotation(meta: KObject["metadata"], key: string): unknown {
  const text = meta.annotations?.[key];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
