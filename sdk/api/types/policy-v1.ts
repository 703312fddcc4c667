// policy/v1: declarations of the policy v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const policyV1 = defineApiPackage({
  id: "policy/v1",
  group: "policy",
  version: "v1",
  openapiPrefix: "io.k8s.api.policy.v1",
  kinds: { PodDisruptionBudget: {}, Eviction: { list: false } },
  types: {
    PodDisruptionBudget: object("Limits voluntary disruptions of a set of pods.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "PodDisruptionBudgetSpec"),
      status: f(3, "PodDisruptionBudgetStatus"),
    }),
    Eviction: object("Requests eviction of a pod, subject to disruption budgets.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      deleteOptions: f(2, "*meta/v1.DeleteOptions", "Options for the resulting delete."),
    }),
    PodDisruptionBudgetSpec: object("Selector and minimum available or maximum unavailable pods.", {
      minAvailable: f(1, "*IntOrString"),
      selector: f(2, "*meta/v1.LabelSelector", { patch: "replace" }),
      maxUnavailable: f(3, "*IntOrString"),
      unhealthyPodEvictionPolicy: f(4, "*string", { enum: ["IfHealthyBudget","AlwaysAllow"] }),
    }),
    PodDisruptionBudgetStatus: object("Observed healthy pods and allowed disruptions.", {
      observedGeneration: f(1, "int64"),
      disruptedPods: f(2, "map<Time>"),
      disruptionsAllowed: f(3, "int32", { required: true }),
      currentHealthy: f(4, "int32", { required: true }),
      desiredHealthy: f(5, "int32", { required: true }),
      expectedPods: f(6, "int32", { required: true }),
      conditions: f(7, "[]meta/v1.Condition", { patch: "merge", mergeKey: "type", listType: "map", mapKeys: ["type"] }),
    }),
  },
});
