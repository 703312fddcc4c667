// autoscaling/v2: declarations of the autoscaling v2 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const autoscalingV2 = defineApiPackage({
  id: "autoscaling/v2",
  group: "autoscaling",
  version: "v2",
  openapiPrefix: "io.k8s.api.autoscaling.v2",
  kinds: { HorizontalPodAutoscaler: {} },
  types: {
    HorizontalPodAutoscaler: object("Scales a workload on resource, pod, object or external metrics.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "HorizontalPodAutoscalerSpec"),
      status: f(3, "HorizontalPodAutoscalerStatus"),
    }),
    HorizontalPodAutoscalerSpec: object("Target workload, replica bounds, metrics and behaviour.", {
      scaleTargetRef: f(1, "CrossVersionObjectReference", { required: true }),
      minReplicas: f(2, "*int32"),
      maxReplicas: f(3, "int32", { required: true }),
      metrics: f(4, "[]MetricSpec", { listType: "atomic" }),
      behavior: f(5, "*HorizontalPodAutoscalerBehavior"),
    }),
    HorizontalPodAutoscalerStatus: object("Current metrics and replica counts.", {
      observedGeneration: f(1, "*int64"),
      lastScaleTime: f(2, "*Time"),
      currentReplicas: f(3, "int32"),
      desiredReplicas: f(4, "int32", { required: true }),
      currentMetrics: f(5, "[]MetricStatus", { listType: "atomic" }),
      conditions: f(6, "[]HorizontalPodAutoscalerCondition", { patch: "merge", mergeKey: "type", listType: "map", mapKeys: ["type"] }),
    }),
    CrossVersionObjectReference: object("Points at the scaled workload.", {
      kind: f(1, "string", { required: true }),
      name: f(2, "string", { required: true }),
      apiVersion: f(3, "string"),
    }),
    MetricSpec: object("One metric to scale on.", {
      type: f(1, "string", { required: true }),
      object: f(2, "*ObjectMetricSource"),
      pods: f(3, "*PodsMetricSource"),
      resource: f(4, "*ResourceMetricSource"),
      containerResource: f(7, "*ContainerResourceMetricSource"),
      external: f(5, "*ExternalMetricSource"),
    }),
    HorizontalPodAutoscalerBehavior: object("Scale-up and scale-down policies.", {
      scaleUp: f(1, "*HPAScalingRules"),
      scaleDown: f(2, "*HPAScalingRules"),
    }),
    MetricStatus: object("Current value of one metric.", {
      type: f(1, "string", { required: true }),
      object: f(2, "*ObjectMetricStatus"),
      pods: f(3, "*PodsMetricStatus"),
      resource: f(4, "*ResourceMetricStatus"),
      containerResource: f(7, "*ContainerResourceMetricStatus"),
      external: f(5, "*ExternalMetricStatus"),
    }),
    HorizontalPodAutoscalerCondition: object("A condition of an autoscaler.", {
      type: f(1, "string", { required: true }),
      status: f(2, "string", { required: true }),
      lastTransitionTime: f(3, "Time"),
      reason: f(4, "string"),
      message: f(5, "string"),
    }),
    ObjectMetricSource: object("", {
      describedObject: f(1, "CrossVersionObjectReference", { required: true }),
      target: f(2, "MetricTarget", { required: true }),
      metric: f(3, "MetricIdentifier", { required: true }),
    }),
    PodsMetricSource: object("", {
      metric: f(1, "MetricIdentifier", { required: true }),
      target: f(2, "MetricTarget", { required: true }),
    }),
    ResourceMetricSource: object("", {
      name: f(1, "string", { required: true }),
      target: f(2, "MetricTarget", { required: true }),
    }),
    ContainerResourceMetricSource: object("", {
      name: f(1, "string", { required: true }),
      target: f(2, "MetricTarget", { required: true }),
      container: f(3, "string", { required: true }),
    }),
    ExternalMetricSource: object("", {
      metric: f(1, "MetricIdentifier", { required: true }),
      target: f(2, "MetricTarget", { required: true }),
    }),
    HPAScalingRules: object("", {
      stabilizationWindowSeconds: f(3, "*int32"),
      selectPolicy: f(1, "*string"),
      policies: f(2, "[]HPAScalingPolicy", { listType: "atomic" }),
    }),
    ObjectMetricStatus: object("", {
      metric: f(1, "MetricIdentifier", { required: true }),
      current: f(2, "MetricValueStatus", { required: true }),
      describedObject: f(3, "CrossVersionObjectReference", { required: true }),
    }),
    PodsMetricStatus: object("", {
      metric: f(1, "MetricIdentifier", { required: true }),
      current: f(2, "MetricValueStatus", { required: true }),
    }),
    ResourceMetricStatus: object("", {
      name: f(1, "string", { required: true }),
      current: f(2, "MetricValueStatus", { required: true }),
    }),
    ContainerResourceMetricStatus: object("", {
      name: f(1, "string", { required: true }),
      current: f(2, "MetricValueStatus", { required: true }),
      container: f(3, "string", { required: true }),
    }),
    ExternalMetricStatus: object("", {
      metric: f(1, "MetricIdentifier", { required: true }),
      current: f(2, "MetricValueStatus", { required: true }),
    }),
    MetricTarget: object("Target value, average value or utilization.", {
      type: f(1, "string", { required: true }),
      value: f(2, "*Quantity"),
      averageValue: f(3, "*Quantity"),
      averageUtilization: f(4, "*int32"),
    }),
    MetricIdentifier: object("", {
      name: f(1, "string", { required: true }),
      selector: f(2, "*meta/v1.LabelSelector"),
    }),
    HPAScalingPolicy: object("", {
      type: f(1, "string", { required: true }),
      value: f(2, "int32", { required: true }),
      periodSeconds: f(3, "int32", { required: true }),
    }),
    MetricValueStatus: object("", {
      value: f(1, "*Quantity"),
      averageValue: f(2, "*Quantity"),
      averageUtilization: f(3, "*int32"),
    }),
  },
});
