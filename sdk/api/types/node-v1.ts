// node/v1: declarations of the node.k8s.io v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const nodeV1 = defineApiPackage({
  id: "node/v1",
  group: "node.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.node.v1",
  kinds: { RuntimeClass: {} },
  types: {
    RuntimeClass: object("A container runtime configuration pods can select.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      handler: f(2, "string", "Runtime handler name in the CRI configuration.", { required: true }),
      overhead: f(3, "*Overhead"),
      scheduling: f(4, "*Scheduling"),
    }),
    Overhead: object("Resources added for pods using this runtime class.", {
      podFixed: f(1, "map<Quantity>"),
    }),
    Scheduling: object("Node constraints for pods using this runtime class.", {
      nodeSelector: f(1, "map<string>", { mapType: "atomic" }),
      tolerations: f(2, "[]core/v1.Toleration", { listType: "atomic" }),
    }),
  },
});
