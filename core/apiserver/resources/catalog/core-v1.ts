/** core/v1 (`/api/v1`) resources, as kube-apiserver 1.32 serves them. */
import { eventStorageVersion } from "../../conversion/event/storage.ts";
import { defineResource, PROXY_VERBS, sub } from "../define.ts";
import { configMapStrategy, secretStrategy } from "../strategies/config-data.ts";
import { eventStrategy, nodeStrategy } from "../strategies/node-event.ts";
import { namespaceStrategy } from "../strategies/namespace.ts";
import { persistentVolumeClaimStrategy, persistentVolumeStrategy } from "../strategies/persistent-volume.ts";
import { podStrategy } from "../strategies/pod.ts";
import { serviceStrategy } from "../strategies/service.ts";
import { replicationControllerStrategy } from "../strategies/workloads.ts";
import type { ResourceDef } from "../types.ts";

const gv = { group: "", version: "v1" };
const kindOf = (kind: string) => ({ ...gv, kind });

export function coreV1Resources(): ResourceDef[] {
  return [
    defineResource({
      ...gv, resource: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"], nameRule: "label",
      returnDeletedObject: true, strategy: namespaceStrategy,
      subresources: [sub.status(kindOf("Namespace")), sub.of("finalize", "finalize", kindOf("Namespace"), ["update"])],
    }),
    defineResource({
      ...gv, resource: "pods", kind: "Pod", namespaced: true, shortNames: ["po"], categories: ["all"],
      returnDeletedObject: true, strategy: podStrategy, allowUnconditionalUpdate: true,
      subresources: [
        sub.connect("attach", "PodAttachOptions", ["create", "get"]),
        sub.of("binding", "binding", kindOf("Binding"), ["create"]),
        sub.of("ephemeralcontainers", "ephemeralcontainers", kindOf("Pod"), ["get", "patch", "update"]),
        sub.of("eviction", "eviction", { group: "policy", version: "v1", kind: "Eviction" }, ["create"]),
        sub.connect("exec", "PodExecOptions", ["create", "get"]),
        sub.connect("log", "Pod", ["get"]),
        sub.connect("portforward", "PodPortForwardOptions", ["create", "get"]),
        sub.connect("proxy", "PodProxyOptions", PROXY_VERBS),
        sub.status(kindOf("Pod")),
      ],
    }),
    defineResource({
      ...gv, resource: "services", kind: "Service", namespaced: true, shortNames: ["svc"], categories: ["all"],
      nameRule: "label1035", allowCreateOnUpdate: true, returnDeletedObject: true, strategy: serviceStrategy,
      subresources: [sub.connect("proxy", "ServiceProxyOptions", PROXY_VERBS), sub.status(kindOf("Service"))],
    }),
    defineResource({ ...gv, resource: "endpoints", kind: "Endpoints", listKind: "EndpointsList", singular: "endpoints", namespaced: true, shortNames: ["ep"], topLevelFields: ["subsets"], allowCreateOnUpdate: true }),
    defineResource({ ...gv, resource: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"], topLevelFields: ["data", "binaryData", "immutable"], strategy: configMapStrategy }),
    defineResource({ ...gv, resource: "secrets", kind: "Secret", namespaced: true, topLevelFields: ["data", "stringData", "type", "immutable"], strategy: secretStrategy }),
    defineResource({
      ...gv, resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true, shortNames: ["sa"],
      topLevelFields: ["secrets", "imagePullSecrets", "automountServiceAccountToken"],
      subresources: [sub.of("token", "token", { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" }, ["create"])],
    }),
    defineResource({
      ...gv, resource: "nodes", kind: "Node", namespaced: false, shortNames: ["no"], strategy: nodeStrategy,
      subresources: [sub.connect("proxy", "NodeProxyOptions", PROXY_VERBS), sub.status(kindOf("Node"))],
    }),
    defineResource({
      ...gv, resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"], allowCreateOnUpdate: true, strategy: eventStrategy,
      storageVersion: eventStorageVersion(),
      topLevelFields: ["involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count", "type", "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance"],
    }),
    defineResource({ ...gv, resource: "persistentvolumes", kind: "PersistentVolume", namespaced: false, shortNames: ["pv"], strategy: persistentVolumeStrategy, subresources: [sub.status(kindOf("PersistentVolume"))] }),
    defineResource({ ...gv, resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true, shortNames: ["pvc"], strategy: persistentVolumeClaimStrategy, subresources: [sub.status(kindOf("PersistentVolumeClaim"))] }),
    defineResource({ ...gv, resource: "resourcequotas", kind: "ResourceQuota", namespaced: true, shortNames: ["quota"], subresources: [sub.status(kindOf("ResourceQuota"))] }),
    defineResource({ ...gv, resource: "limitranges", kind: "LimitRange", namespaced: true, shortNames: ["limits"], topLevelFields: ["spec"], allowCreateOnUpdate: true }),
    defineResource({
      ...gv, resource: "replicationcontrollers", kind: "ReplicationController", namespaced: true, shortNames: ["rc"], categories: ["all"],
      tracksGeneration: true, strategy: replicationControllerStrategy,
      subresources: [sub.scale(), sub.status(kindOf("ReplicationController"))],
    }),
    defineResource({ ...gv, resource: "podtemplates", kind: "PodTemplate", namespaced: true, topLevelFields: ["template"] }),
  ];
}
