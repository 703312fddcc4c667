/**
 * autoscaling/v1 HorizontalPodAutoscaler <-> the autoscaling/v2 storage version, as upstream:
 * - spec.targetCPUUtilizationPercentage <-> a `Resource` cpu metric with a `Utilization` target;
 *   a v1 object without any metric gets upstream's implicit 80% CPU target;
 * - status.currentCPUUtilizationPercentage <-> the cpu `Resource` current metric;
 * - other metrics, all current metrics, conditions and behavior travel through v1 in the
 *   `autoscaling.alpha.kubernetes.io/*` annotations (annotations.ts), so a v1 read-modify-write
 *   of a v2 object loses nothing.
 */
import type { KObject } from "../../resources/types.ts";
import type { VersionConverter } from "../types.ts";
import { BEHAVIOR, CONDITIONS, METRIC_SPECS, METRIC_STATUSES, readJsonAnnotation, withoutRoundTripAnnotations } from "./annotations.ts";
import { behaviorFromAnnotation, behaviorToAnnotation } from "./behavior.ts";
import { specFromV1, specToV1, statusFromV1, statusToV1 } from "./metrics.ts";

// biome-ignore lint: HPA bodies are open JSON documents.
type J = Record<string, any>;

/** upstream autoscaling.DefaultCPUUtilization */
const DEFAULT_CPU_UTILIZATION = 80;

const isCpuResource = (m: J): boolean => m?.type === "Resource" && m.resource?.name === "cpu";
const present = (v: unknown): boolean => v !== undefined && v !== null;

function compact(obj: J): J {
  const out: J = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out;
}

function cpuUtilizationMetric(percent: number): J {
  return { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: percent } } };
}

/** v2 (storage) -> v1. */
export function hpaToV1(stored: KObject): KObject {
  const { metadata, spec: spec2 = {}, status: status2, ...rest } = stored as J;
  const metrics: J[] = Array.isArray(spec2.metrics) ? spec2.metrics : [];
  const cpuTarget = metrics.find(isCpuResource)?.resource?.target?.averageUtilization;
  const spec = compact({
    scaleTargetRef: spec2.scaleTargetRef, minReplicas: spec2.minReplicas, maxReplicas: spec2.maxReplicas,
    targetCPUUtilizationPercentage: present(cpuTarget) ? cpuTarget : undefined,
  });
  const others = metrics.filter((m) => !(isCpuResource(m) && present(m.resource?.target?.averageUtilization))).map(specToV1);
  const current: J[] = Array.isArray(status2?.currentMetrics) ? status2.currentMetrics : [];
  const conditions: J[] = Array.isArray(status2?.conditions) ? status2.conditions : [];
  let cpuCurrent: unknown;
  for (const m of current) if (isCpuResource(m) && present(m.resource?.current?.averageUtilization)) cpuCurrent = m.resource.current.averageUtilization;

  const meta = { ...withoutRoundTripAnnotations(metadata as KObject["metadata"]) };
  const extra: Record<string, string> = {};
  if (others.length > 0) extra[METRIC_SPECS] = JSON.stringify(others);
  if (current.length > 0) extra[METRIC_STATUSES] = JSON.stringify(current.map(statusToV1));
  if (present(spec2.behavior)) extra[BEHAVIOR] = behaviorToAnnotation(spec2.behavior);
  if (conditions.length > 0) extra[CONDITIONS] = JSON.stringify(conditions);
  if (Object.keys(extra).length > 0) meta.annotations = { ...(meta.annotations ?? {}), ...extra };

  const out: J = { ...rest, metadata: meta, spec };
  if (status2 !== undefined) {
    out.status = compact({
      observedGeneration: status2.observedGeneration, lastScaleTime: status2.lastScaleTime,
      currentReplicas: status2.currentReplicas, desiredReplicas: status2.desiredReplicas,
      currentCPUUtilizationPercentage: cpuCurrent,
    });
  }
  return out as KObject;
}

/** v1 -> v2 (storage). */
export function hpaFromV1(served: KObject): KObject {
  const { metadata, spec: spec1 = {}, status: status1, ...rest } = served as J;
  const meta = metadata as KObject["metadata"];
  const annotated = readJsonAnnotation(meta, METRIC_SPECS);
  const metrics: J[] = Array.isArray(annotated) ? annotated.map(specFromV1) : [];
  if (present(spec1.targetCPUUtilizationPercentage)) metrics.push(cpuUtilizationMetric(spec1.targetCPUUtilizationPercentage));
  if (metrics.length === 0) metrics.push(cpuUtilizationMetric(DEFAULT_CPU_UTILIZATION));
  const behavior = behaviorFromAnnotation(readJsonAnnotation(meta, BEHAVIOR));
  const spec = compact({
    scaleTargetRef: spec1.scaleTargetRef, minReplicas: spec1.minReplicas, maxReplicas: spec1.maxReplicas, metrics, behavior,
  });

  const annotatedCurrent = readJsonAnnotation(meta, METRIC_STATUSES);
  const annotatedConditions = readJsonAnnotation(meta, CONDITIONS);
  let currentMetrics: J[] | undefined;
  if (Array.isArray(annotatedCurrent)) currentMetrics = annotatedCurrent.map(statusFromV1);
  else if (present(status1?.currentCPUUtilizationPercentage)) {
    currentMetrics = [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: status1.currentCPUUtilizationPercentage } } }];
  }
  const conditions = Array.isArray(annotatedConditions) ? annotatedConditions : undefined;

  const out: J = { ...rest, metadata: withoutRoundTripAnnotations(meta), spec };
  if (status1 !== undefined || currentMetrics || conditions) {
    const s: J = status1 ?? {};
    out.status = compact({
      observedGeneration: s.observedGeneration, lastScaleTime: s.lastScaleTime,
      currentReplicas: s.currentReplicas, desiredReplicas: s.desiredReplicas, currentMetrics, conditions,
    });
  }
  return out as KObject;
}

export const hpaV1Converter: VersionConverter = { fromStorage: hpaToV1, toStorage: hpaFromV1 };

/** v2 is the storage version; only the v1 round-trip annotations must never pass through it. */
export const hpaV2Converter: VersionConverter = {
  fromStorage: (stored) => ({ ...stored, metadata: withoutRoundTripAnnotations(stored.metadata) }),
  toStorage: (served) => ({ ...served, metadata: withoutRoundTripAnnotations(served.metadata) }),
};
