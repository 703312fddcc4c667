/** networking, storage, rbac, admissionregistration, apiregistration, flowcontrol, coordination, discovery, events, scheduling, node, certificates, apiextensions. */
import { eventStorageVersion } from "../../conversion/event/storage.ts";
import { eventsV1Fields } from "../../conversion/event/selectable-fields.ts";
import { crdStrategy } from "../../crd/crd-strategy.ts";
import { defineResource, sub } from "../define.ts";
import { apiServiceStrategy } from "../strategies/apiservice.ts";
import { flowSchemaStrategy, priorityLevelConfigurationStrategy } from "../strategies/flow-control.ts";
import { priorityClassStrategy } from "../strategies/priority-class.ts";
import { csrStrategy } from "../strategies/node-event.ts";
import { mutatingWebhookConfigurationStrategy, validatingWebhookConfigurationStrategy } from "../strategies/webhook-configuration.ts";
import { validatingAdmissionPolicyBindingStrategy, validatingAdmissionPolicyStrategy } from "../strategies/validating-admission-policy.ts";
import type { ResourceDef } from "../types.ts";

export function networkingV1Resources(): ResourceDef[] {
  const gv = { group: "networking.k8s.io", version: "v1" };
  return [
    defineResource({ ...gv, resource: "ingresses", kind: "Ingress", namespaced: true, shortNames: ["ing"], tracksGeneration: true, subresources: [sub.status({ ...gv, kind: "Ingress" })] }),
    defineResource({ ...gv, resource: "ingressclasses", kind: "IngressClass", namespaced: false, topLevelFields: ["spec"] }),
    defineResource({ ...gv, resource: "networkpolicies", kind: "NetworkPolicy", namespaced: true, shortNames: ["netpol"], tracksGeneration: true, topLevelFields: ["spec"] }),
  ];
}

export function storageV1Resources(): ResourceDef[] {
  const gv = { group: "storage.k8s.io", version: "v1" };
  return [
    defineResource({ ...gv, resource: "storageclasses", kind: "StorageClass", namespaced: false, shortNames: ["sc"], topLevelFields: ["provisioner", "parameters", "reclaimPolicy", "mountOptions", "allowVolumeExpansion", "volumeBindingMode", "allowedTopologies"] }),
    defineResource({ ...gv, resource: "csidrivers", kind: "CSIDriver", namespaced: false, topLevelFields: ["spec"] }),
    defineResource({ ...gv, resource: "csinodes", kind: "CSINode", namespaced: false, topLevelFields: ["spec"] }),
    // Published by CSI drivers for the scheduler; lite only stores them (upstream storage.k8s.io/v1).
    defineResource({ ...gv, resource: "csistoragecapacities", kind: "CSIStorageCapacity", namespaced: true, topLevelFields: ["nodeTopology", "storageClassName", "capacity", "maximumVolumeSize"] }),
    defineResource({
      ...gv, resource: "volumeattachments", kind: "VolumeAttachment", namespaced: false,
      strategy: { statusMetadata: "reset" }, // ResetObjectMetaForStatus
      subresources: [sub.status({ ...gv, kind: "VolumeAttachment" })],
    }),
  ];
}

export function rbacV1Resources(): ResourceDef[] {
  const gv = { group: "rbac.authorization.k8s.io", version: "v1" };
  const common = { nameRule: "path-segment", allowCreateOnUpdate: true } as const;
  return [
    defineResource({ ...gv, ...common, resource: "clusterrolebindings", kind: "ClusterRoleBinding", namespaced: false, topLevelFields: ["subjects", "roleRef"] }),
    defineResource({ ...gv, ...common, resource: "clusterroles", kind: "ClusterRole", namespaced: false, topLevelFields: ["rules", "aggregationRule"] }),
    defineResource({ ...gv, ...common, resource: "rolebindings", kind: "RoleBinding", namespaced: true, topLevelFields: ["subjects", "roleRef"] }),
    defineResource({ ...gv, ...common, resource: "roles", kind: "Role", namespaced: true, topLevelFields: ["rules"] }),
  ];
}

/** Webhook configurations: cluster-scoped, generation bumped on webhooks changes, updates need a resourceVersion (upstream 1.32). */
export function admissionregistrationV1Resources(): ResourceDef[] {
  const gv = { group: "admissionregistration.k8s.io", version: "v1" };
  const common = { namespaced: false, categories: ["api-extensions"], tracksGeneration: true, allowUnconditionalUpdate: false, topLevelFields: ["webhooks"] } as const;
  return [
    defineResource({ ...gv, ...common, resource: "mutatingwebhookconfigurations", kind: "MutatingWebhookConfiguration", strategy: mutatingWebhookConfigurationStrategy }),
    defineResource({ ...gv, ...common, resource: "validatingwebhookconfigurations", kind: "ValidatingWebhookConfiguration", strategy: validatingWebhookConfigurationStrategy }),
    defineResource({
      ...gv, resource: "validatingadmissionpolicies", kind: "ValidatingAdmissionPolicy", namespaced: false, categories: ["api-extensions"],
      tracksGeneration: true, allowUnconditionalUpdate: false, strategy: validatingAdmissionPolicyStrategy,
      subresources: [sub.status({ ...gv, kind: "ValidatingAdmissionPolicy" })],
    }),
    defineResource({
      ...gv, resource: "validatingadmissionpolicybindings", kind: "ValidatingAdmissionPolicyBinding", namespaced: false, categories: ["api-extensions"],
      tracksGeneration: true, allowUnconditionalUpdate: false, topLevelFields: ["spec"], strategy: validatingAdmissionPolicyBindingStrategy,
    }),
  ];
}

/**
 * APIServices (kube-aggregator): cluster-scoped, named `<version>.<group>` (any path segment passes the
 * name rule; the strategy checks the match), status through its subresource, updates need a resourceVersion.
 */
export function apiregistrationV1Resources(): ResourceDef[] {
  const gv = { group: "apiregistration.k8s.io", version: "v1" };
  return [
    defineResource({
      ...gv, resource: "apiservices", kind: "APIService", namespaced: false, categories: ["api-extensions"], nameRule: "path-segment",
      allowUnconditionalUpdate: false, strategy: apiServiceStrategy, subresources: [sub.status({ ...gv, kind: "APIService" })],
    }),
  ];
}

/**
 * API Priority and Fairness configuration (upstream 1.32): cluster-scoped, status through the subresource,
 * generation bumped on spec changes, unconditional updates allowed, no short names or categories.
 */
export function flowcontrolV1Resources(): ResourceDef[] {
  const gv = { group: "flowcontrol.apiserver.k8s.io", version: "v1" };
  return [
    defineResource({ ...gv, resource: "flowschemas", kind: "FlowSchema", namespaced: false, tracksGeneration: true, strategy: flowSchemaStrategy, subresources: [sub.status({ ...gv, kind: "FlowSchema" })] }),
    defineResource({
      ...gv, resource: "prioritylevelconfigurations", kind: "PriorityLevelConfiguration", namespaced: false, tracksGeneration: true,
      strategy: priorityLevelConfigurationStrategy, subresources: [sub.status({ ...gv, kind: "PriorityLevelConfiguration" })],
    }),
  ];
}

export function miscGroupResources(): ResourceDef[] {
  return [
    defineResource({ group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true, topLevelFields: ["spec"], allowCreateOnUpdate: true }),
    defineResource({ group: "discovery.k8s.io", version: "v1", resource: "endpointslices", kind: "EndpointSlice", namespaced: true, topLevelFields: ["addressType", "endpoints", "ports"] }),
    defineResource({
      group: "events.k8s.io", version: "v1", resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"], allowCreateOnUpdate: true,
      strategy: { selectableFields: eventsV1Fields }, storageVersion: eventStorageVersion(),
      topLevelFields: ["eventTime", "series", "reportingController", "reportingInstance", "action", "reason", "regarding", "related", "note", "type", "deprecatedSource", "deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount"],
    }),
    defineResource({ group: "scheduling.k8s.io", version: "v1", resource: "priorityclasses", kind: "PriorityClass", namespaced: false, shortNames: ["pc"], strategy: priorityClassStrategy, topLevelFields: ["value", "globalDefault", "description", "preemptionPolicy"] }),
    defineResource({ group: "node.k8s.io", version: "v1", resource: "runtimeclasses", kind: "RuntimeClass", namespaced: false, topLevelFields: ["handler", "overhead", "scheduling"] }),
    defineResource({
      group: "certificates.k8s.io", version: "v1", resource: "certificatesigningrequests", kind: "CertificateSigningRequest", namespaced: false,
      shortNames: ["csr"], strategy: csrStrategy,
      subresources: [
        sub.of("approval", "approval", { group: "certificates.k8s.io", version: "v1", kind: "CertificateSigningRequest" }, ["get", "patch", "update"]),
        sub.status({ group: "certificates.k8s.io", version: "v1", kind: "CertificateSigningRequest" }),
      ],
    }),
    defineResource({
      group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false,
      shortNames: ["crd", "crds"], categories: ["api-extensions"], tracksGeneration: true, strategy: crdStrategy, topLevelFields: ["spec", "status"],
      subresources: [sub.status({ group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition" })],
    }),
  ];
}
