// autoscaling/v1: declarations of the autoscaling v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const autoscalingV1 = defineApiPackage({
  id: "autoscaling/v1",
  group: "autoscaling",
  version: "v1",
  openapiPrefix: "io.k8s.api.autoscaling.v1",
  kinds: { HorizontalPodAutoscaler: {}, Scale: { list: false } },
  types: {
    HorizontalPodAutoscaler: object("Scales a workload on CPU utilization.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "HorizontalPodAutoscalerSpec"),
      status: f(3, "HorizontalPodAutoscalerStatus"),
    }),
    Scale: object("The scale subresource of a workload.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "ScaleSpec"),
      status: f(3, "ScaleStatus"),
    }),
    HorizontalPodAutoscalerSpec: object("Target workload, replica bounds and CPU target.", {
      scaleTargetRef: f(1, "CrossVersionObjectReference", { required: true }),
      minReplicas: f(2, "*int32"),
      maxReplicas: f(3, "int32", { required: true }),
      targetCPUUtilizationPercentage: f(4, "*int32"),
    }),
    HorizontalPodAutoscalerStatus: object("Current and desired replicas.", {
      observedGeneration: f(1, "*int64"),
      lastScaleTime: f(2, "*Time"),
      currentReplicas: f(3, "int32", { required: true }),
      desiredReplicas: f(4, "int32", { required: true }),
      currentCPUUtilizationPercentage: f(5, "*int32"),
    }),
    ScaleSpec: object("Desired replicas.", {
      replicas: f(1, "int32"),
    }),
    ScaleStatus: object("Current replicas and pod selector.", {
      replicas: f(1, "int32", { required: true }),
      selector: f(2, "string"),
    }),
    CrossVersionObjectReference: object("Points at the scaled workload.", {
      kind: f(1, "string", { required: true }),
      name: f(2, "string", { required: true }),
      apiVersion: f(3, "string"),
    }, { structType: "atomic" }),
  },
});
