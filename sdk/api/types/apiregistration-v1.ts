// apiregistration/v1: declarations of the apiregistration.k8s.io v1 APIService type served by lite (field facts from
// upstream 1.32, k8s.io/kube-aggregator v0.32 pkg/apis/apiregistration/v1 generated.proto and types.go).
import { defineApiPackage, f, object } from "../dsl.ts";

export const apiregistrationV1 = defineApiPackage({
  id: "apiregistration/v1",
  group: "apiregistration.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1",
  kinds: { APIService: {} },
  types: {
    APIService: object("A server for one API group-version. Its name must be \"version.group\".", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "APIServiceSpec", "Where the server is and how to talk to it."),
      status: f(3, "APIServiceStatus", "What is known about the server's availability."),
    }),
    APIServiceSpec: object("Where a group-version's server is and how to reach it. Only HTTPS is supported, though certificate verification can be disabled.", {
      service: f(1, "*ServiceReference", "The Service of the server, which must answer on its port (default 443). Without a service the group-version is served locally, by this API server's own handlers."),
      group: f(2, "string", "The API group the server hosts."),
      version: f(3, "string", "The API version the server hosts, e.g. \"v1\"."),
      insecureSkipTLSVerify: f(4, "bool", "Disables TLS certificate verification when talking to the server. Strongly discouraged: use caBundle instead."),
      caBundle: f(5, "bytes", "PEM encoded CA bundle to verify the server's serving certificate; if unset, the API server's system trust roots are used."),
      groupPriorityMinimum: f(7, "int32", "The least priority of this group; higher priority groups are preferred by clients. Groups sort by groupPriorityMinimum, highest first (20 before 10), then by the name of the object (v1.bar before v1.foo). Other versions of the group may give it a higher priority. Suggested: 18000 for *.k8s.io groups, the 2000s for PaaSes.", { required: true }),
      versionPriority: f(8, "int32", "The order of this version inside its group, highest first (20 before 10); must be greater than zero. Versions of equal priority sort kube-like version strings first (GA, then beta, then alpha, higher major and minor first), then others lexicographically: v10, v2, v1, v11beta2, v10beta3, v3beta1, v12alpha1, v11alpha2, foo1, foo10.", { required: true }),
    }),
    ServiceReference: object("A reference to a Service.", {
      namespace: f(1, "string", "Namespace of the service."),
      name: f(2, "string", "Name of the service."),
      port: f(3, "*int32", "Port of the service that hosts the server (1-65535). Defaults to 443 for backward compatibility."),
    }),
    APIServiceStatus: object("What is known about an API server.", {
      conditions: f(1, "[]APIServiceCondition", "Current state of the server.", { patch: "merge", mergeKey: "type", listType: "map", mapKeys: ["type"] }),
    }),
    APIServiceCondition: object("The state of an APIService at one point.", {
      type: f(1, "string", "Type of the condition: Available.", { required: true }),
      status: f(2, "string", "Status of the condition: True, False or Unknown.", { required: true }),
      lastTransitionTime: f(3, "Time", "Last time the condition went from one status to another."),
      reason: f(4, "string", "Unique, one-word, CamelCase reason for the condition's last transition."),
      message: f(5, "string", "Human-readable message with details about the last transition."),
    }),
  },
});
