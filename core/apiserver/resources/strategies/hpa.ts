/**
 * HorizontalPodAutoscaler defaults (upstream pkg/apis/autoscaling/v1 and v2 defaults.go, 1.32).
 * v2: minReplicas 1, an 80% average CPU utilization metric when none is given, and the
 * scale-up/scale-down rules of a given behavior completed from upstream's defaults.
 * v1: minReplicas 1 (the CPU default comes with the v1 -> v2 conversion).
 */
import type { KObject, Strategy } from "../types.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

/** upstream autoscaling.DefaultCPUUtilization */
const DEFAULT_CPU_UTILIZATION = 80;

function defaultScaleUpRules(): Json {
  return {
    stabilizationWindowSeconds: 0, selectPolicy: "Max",
    policies: [{ type: "Pods", value: 4, periodSeconds: 15 }, { type: "Percent", value: 100, periodSeconds: 15 }],
  };
}

function defaultScaleDownRules(): Json {
  // No stabilizationWindowSeconds: the controller's --horizontal-pod-autoscaler-downscale-stabilization applies.
  return { selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] };
}

/** upstream copyHPAScalingRules: the given fields win over the defaults, field by field. */
function completeRules(given: Json | undefined | null, defaults: Json): Json {
  if (!given || typeof given !== "object") return defaults;
  const out: Json = { ...defaults, ...given };
  for (const k of ["selectPolicy", "stabilizationWindowSeconds", "policies"]) if (given[k] === undefined || given[k] === null) {
    if (defaults[k] === undefined) delete out[k];
    else out[k] = defaults[k];
  }
  return out;
}

/** SetDefaults_HorizontalPodAutoscalerBehavior: only a behavior that is present is completed. */
export function defaultHpaBehavior(spec: Json): void {
  const b = spec.behavior;
  if (!b || typeof b !== "object") return;
  b.scaleUp = completeRules(b.scaleUp, defaultScaleUpRules());
  b.scaleDown = completeRules(b.scaleDown, defaultScaleDownRules());
}

/** autoscaling/v2 SetDefaults_HorizontalPodAutoscaler. */
export function defaultHpaV2(obj: KObject): void {
  const spec: Json = (obj.spec ??= {});
  if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  defaultHpaBehavior(spec);
}

/** autoscaling/v1 SetDefaults_HorizontalPodAutoscaler. */
export function defaultHpaV1(obj: KObject): void {
  const spec: Json = (obj.spec ??= {});
  if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
}

export function hpaStrategy(version: string): Strategy {
  return {
    defaults: version === "v1" ? defaultHpaV1 : defaultHpaV2,
    prepareForCreate(obj) { obj.status = {}; },
  };
}
