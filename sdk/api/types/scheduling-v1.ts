// scheduling/v1: declarations of the scheduling.k8s.io v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const schedulingV1 = defineApiPackage({
  id: "scheduling/v1",
  group: "scheduling.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.scheduling.v1",
  kinds: { PriorityClass: {} },
  types: {
    PriorityClass: object("Maps a class name to a pod priority.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      value: f(2, "int32", "Priority of pods in this class; higher wins.", { required: true }),
      globalDefault: f(3, "bool", "Use this class for pods that name none."),
      description: f(4, "string"),
      preemptionPolicy: f(5, "*string", "Whether pods of this class may preempt others.", { enum: ["PreemptLowerPriority","Never"] }),
    }),
  },
});
