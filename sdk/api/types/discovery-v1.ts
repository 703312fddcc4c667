// discovery/v1: declarations of the discovery.k8s.io v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const discoveryV1 = defineApiPackage({
  id: "discovery/v1",
  group: "discovery.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.discovery.v1",
  kinds: { EndpointSlice: {} },
  types: {
    EndpointSlice: object("A subset of the endpoints of a service.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      addressType: f(4, "string", "IPv4, IPv6 or FQDN.", { required: true }),
      endpoints: f(2, "[]Endpoint", "The endpoints in this slice.", { required: true, listType: "atomic" }),
      ports: f(3, "[]EndpointPort", "Ports every endpoint in this slice serves.", { listType: "atomic" }),
    }),
    Endpoint: object("One backend address and its state.", {
      addresses: f(1, "[]string", { required: true, listType: "set" }),
      conditions: f(2, "EndpointConditions"),
      hostname: f(3, "*string"),
      targetRef: f(4, "*core/v1.ObjectReference"),
      deprecatedTopology: f(5, "map<string>"),
      nodeName: f(6, "*string"),
      zone: f(7, "*string"),
      hints: f(8, "*EndpointHints"),
    }),
    EndpointPort: object("A port served by endpoints.", {
      name: f(1, "*string"),
      protocol: f(2, "*string", { enum: ["TCP","UDP","SCTP"] }),
      port: f(3, "*int32"),
      appProtocol: f(4, "*string"),
    }, { structType: "atomic" }),
    EndpointConditions: object("Ready, serving and terminating states.", {
      ready: f(1, "*bool"),
      serving: f(2, "*bool"),
      terminating: f(3, "*bool"),
    }),
    EndpointHints: object("Topology hints for routing.", {
      forZones: f(1, "[]ForZone", { listType: "atomic" }),
    }),
    ForZone: object("A zone hint.", {
      name: f(1, "string", { required: true }),
    }),
  },
});
