// networking/v1: declarations of the networking.k8s.io v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const networkingV1 = defineApiPackage({
  id: "networking/v1",
  group: "networking.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.networking.v1",
  kinds: { Ingress: {}, IngressClass: {}, NetworkPolicy: {} },
  types: {
    Ingress: object("HTTP routing from outside the cluster to services.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "IngressSpec"),
      status: f(3, "IngressStatus"),
    }),
    IngressClass: object("An ingress implementation and its parameters.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "IngressClassSpec"),
    }),
    NetworkPolicy: object("Allowed traffic to and from selected pods.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "NetworkPolicySpec"),
    }),
    IngressSpec: object("Rules, TLS and default backend.", {
      ingressClassName: f(4, "*string"),
      defaultBackend: f(1, "*IngressBackend"),
      tls: f(2, "[]IngressTLS", { listType: "atomic" }),
      rules: f(3, "[]IngressRule", { listType: "atomic" }),
    }),
    IngressStatus: object("Load balancer addresses.", {
      loadBalancer: f(1, "IngressLoadBalancerStatus"),
    }),
    IngressClassSpec: object("Controller name and parameters.", {
      controller: f(1, "string"),
      parameters: f(2, "*IngressClassParametersReference"),
    }),
    NetworkPolicySpec: object("Selected pods and their ingress and egress rules.", {
      podSelector: f(1, "meta/v1.LabelSelector", { required: true }),
      ingress: f(2, "[]NetworkPolicyIngressRule", { listType: "atomic" }),
      egress: f(3, "[]NetworkPolicyEgressRule", { listType: "atomic" }),
      policyTypes: f(4, "[]string", { enum: ["Ingress","Egress"], listType: "atomic" }),
    }),
    IngressBackend: object("A service (and port) or resource that receives traffic.", {
      service: f(4, "*IngressServiceBackend"),
      resource: f(3, "*core/v1.TypedLocalObjectReference"),
    }),
    IngressTLS: object("Hosts served with a certificate from a secret.", {
      hosts: f(1, "[]string", { listType: "atomic" }),
      secretName: f(2, "string"),
    }),
    IngressRule: object("Routes for one host.", {
      host: f(1, "string"),
      ingressRuleValue: f(2, "IngressRuleValue", { inline: true }),
    }),
    IngressLoadBalancerStatus: object("", {
      ingress: f(1, "[]IngressLoadBalancerIngress", { listType: "atomic" }),
    }),
    IngressClassParametersReference: object("", {
      apiGroup: f(1, "*string"),
      kind: f(2, "string", { required: true }),
      name: f(3, "string", { required: true }),
      scope: f(4, "*string"),
      namespace: f(5, "*string"),
    }),
    NetworkPolicyIngressRule: object("Allowed incoming traffic.", {
      ports: f(1, "[]NetworkPolicyPort", { listType: "atomic" }),
      from: f(2, "[]NetworkPolicyPeer", { listType: "atomic" }),
    }),
    NetworkPolicyEgressRule: object("Allowed outgoing traffic.", {
      ports: f(1, "[]NetworkPolicyPort", { listType: "atomic" }),
      to: f(2, "[]NetworkPolicyPeer", { listType: "atomic" }),
    }),
    IngressServiceBackend: object("A service and one of its ports.", {
      name: f(1, "string", { required: true }),
      port: f(2, "ServiceBackendPort"),
    }),
    IngressRuleValue: object("", {
      http: f(1, "*HTTPIngressRuleValue"),
    }),
    IngressLoadBalancerIngress: object("", {
      ip: f(1, "string"),
      hostname: f(2, "string"),
      ports: f(4, "[]IngressPortStatus", { listType: "atomic" }),
    }),
    NetworkPolicyPort: object("A port and protocol.", {
      protocol: f(1, "*string", { enum: ["TCP","UDP","SCTP"] }),
      port: f(2, "*IntOrString"),
      endPort: f(3, "*int32"),
    }),
    NetworkPolicyPeer: object("Pods, namespaces or IP blocks.", {
      podSelector: f(1, "*meta/v1.LabelSelector"),
      namespaceSelector: f(2, "*meta/v1.LabelSelector"),
      ipBlock: f(3, "*IPBlock"),
    }),
    ServiceBackendPort: object("A service port by name or number.", {
      name: f(1, "string"),
      number: f(2, "int32"),
    }, { structType: "atomic" }),
    HTTPIngressRuleValue: object("", {
      paths: f(1, "[]HTTPIngressPath", { required: true, listType: "atomic" }),
    }),
    IngressPortStatus: object("", {
      port: f(1, "int32", { required: true }),
      protocol: f(2, "string", { required: true, enum: ["TCP","UDP","SCTP"] }),
      error: f(3, "*string"),
    }),
    IPBlock: object("A CIDR with exceptions.", {
      cidr: f(1, "string", { required: true }),
      except: f(2, "[]string", { listType: "atomic" }),
    }),
    HTTPIngressPath: object("A path and its backend.", {
      path: f(1, "string"),
      pathType: f(3, "*string", { required: true }),
      backend: f(2, "IngressBackend", { required: true }),
    }),
  },
});
