/** Unit tests of the HPA v1 <-> v2 converters (upstream pkg/apis/autoscaling/v1/conversion.go semantics). */
import { expect, test } from "bun:test";
import type { KObject } from "../../resources/types.ts";
import { BEHAVIOR, CONDITIONS, METRIC_SPECS, METRIC_STATUSES } from "./annotations.ts";
import { hpaFromV1, hpaToV1 } from "./hpa-v1.ts";

const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };

/** A v2 object using every metric kind, status, conditions and behavior. */
function richV2(): KObject {
  return {
    apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler",
    metadata: { name: "h", namespace: "default", annotations: { keep: "me" } },
    spec: {
      scaleTargetRef: ref, minReplicas: 2, maxReplicas: 10,
      metrics: [
        { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "100Mi" } } },
        { type: "Pods", pods: { metric: { name: "qps", selector: { matchLabels: { a: "b" } } }, target: { type: "AverageValue", averageValue: "10" } } },
        { type: "Object", object: { describedObject: { kind: "Service", name: "s", apiVersion: "v1" }, metric: { name: "hits" }, target: { type: "Value", value: "5" } } },
        { type: "External", external: { metric: { name: "queue" }, target: { type: "AverageValue", averageValue: "30" } } },
        { type: "ContainerResource", containerResource: { name: "cpu", container: "app", target: { type: "Utilization", averageUtilization: 70 } } },
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } },
      ],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Pods", value: 4, periodSeconds: 15 }] },
        scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: "Min", policies: [{ type: "Percent", value: 10, periodSeconds: 60 }] },
      },
    },
    status: {
      observedGeneration: 3, currentReplicas: 4, desiredReplicas: 5,
      currentMetrics: [
        { type: "Resource", resource: { name: "cpu", current: { averageUtilization: 61, averageValue: "120m" } } },
        { type: "External", external: { metric: { name: "queue" }, current: { value: "7" } } },
      ],
      conditions: [{ type: "AbleToScale", status: "True", lastTransitionTime: "2025-01-01T00:00:00Z", reason: "ReadyForNewScale", message: "ok" }],
    },
  };
}

test("v2 -> v1 -> v2 loses nothing (cpu utilization target last, as upstream reorders it)", () => {
  const v2 = richV2();
  const v1 = hpaToV1(v2);
  expect(v1.spec).toEqual({ scaleTargetRef: ref, minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 50 });
  expect(v1.status).toEqual({ observedGeneration: 3, currentReplicas: 4, desiredReplicas: 5, currentCPUUtilizationPercentage: 61 });
  const ann = v1.metadata.annotations ?? {};
  expect(Object.keys(ann).sort()).toEqual([BEHAVIOR, CONDITIONS, METRIC_STATUSES, METRIC_SPECS, "keep"].sort());
  expect(JSON.parse(ann[METRIC_SPECS] ?? "")[0]).toEqual({ type: "Resource", resource: { name: "memory", targetAverageValue: "100Mi" } });
  expect(JSON.parse(ann[BEHAVIOR] ?? "").ScaleDown).toEqual({ StabilizationWindowSeconds: 300, SelectPolicy: "Min", Policies: [{ Type: "Percent", Value: 10, PeriodSeconds: 60 }] });
  const back = hpaFromV1(v1);
  expect(back).toEqual({ ...v2, apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" } as KObject);
  expect(back.metadata.annotations).toEqual({ keep: "me" });
});

test("v1 -> v2 -> v1 is the identity", () => {
  const v1: KObject = {
    metadata: { name: "h", namespace: "default" },
    spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 42 },
    status: { currentReplicas: 1, desiredReplicas: 2, currentCPUUtilizationPercentage: 30 },
  };
  const v2 = hpaFromV1(v1);
  expect(v2.spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 42 } } }]);
  expect(v2.status.currentMetrics).toEqual([{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 30 } } }]);
  const again = hpaToV1(v2);
  // The current metrics annotation is how upstream keeps the raw status; v1 fields are unchanged.
  expect(again.spec).toEqual(v1.spec);
  expect(again.status).toEqual(v1.status);
  expect(hpaFromV1(again)).toEqual(v2);
});

test("a v1 HPA without a CPU target gets upstream's implicit 80% default", () => {
  const v2 = hpaFromV1({ metadata: { name: "h" }, spec: { scaleTargetRef: ref, maxReplicas: 3 } });
  expect(v2.spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
  expect(v2.status).toBeUndefined();
});

test("behavior annotation: Go field names matched case-insensitively; empty or malformed is ignored", () => {
  const mk = (text: string) => hpaFromV1({ metadata: { name: "h", annotations: { [BEHAVIOR]: text } }, spec: { maxReplicas: 1 } });
  expect(mk('{"scaleup":{"stabilizationwindowseconds":5,"Policies":null}}').spec.behavior).toEqual({ scaleUp: { stabilizationWindowSeconds: 5 } });
  expect(mk('{"ScaleUp":null,"ScaleDown":null}').spec.behavior).toBeUndefined();
  expect(mk("{not json").spec.behavior).toBeUndefined();
  expect(mk("{not json").metadata.annotations).toBeUndefined();
});

test("round-trip annotations on a v2 object are dropped, never stored", () => {
  const v2 = richV2();
  v2.metadata.annotations = { [METRIC_SPECS]: "[]", keep: "me" };
  const v1 = hpaToV1(v2);
  expect(v1.metadata.annotations?.[METRIC_SPECS]).not.toBe("[]");
});
