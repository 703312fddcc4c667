// coordination/v1: declarations of the coordination.k8s.io v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const coordinationV1 = defineApiPackage({
  id: "coordination/v1",
  group: "coordination.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.coordination.v1",
  kinds: { Lease: {} },
  types: {
    Lease: object("A lease for leader election or heartbeats.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "LeaseSpec"),
    }),
    LeaseSpec: object("Holder and timing of the lease.", {
      holderIdentity: f(1, "*string"),
      leaseDurationSeconds: f(2, "*int32"),
      acquireTime: f(3, "*MicroTime"),
      renewTime: f(4, "*MicroTime"),
      leaseTransitions: f(5, "*int32"),
      strategy: f(6, "*string"),
      preferredHolder: f(7, "*string"),
    }),
  },
});
