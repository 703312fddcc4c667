// Strategic-merge-patch metadata for built-in kinds, transcribed from the
// `patchStrategy` / `patchMergeKey` tags of k8s.io/api v0.32.4 and
// k8s.io/apimachinery meta/v1 (ObjectMeta). Lists absent here (tolerations,
// node taints, args, command, externalIPs, containerStatuses, ...) carry no
// strategy upstream and are replaced whole.

import { createPatchMetaFromTable, type FieldPatchMeta, type PatchMeta } from "./patch-meta.ts";

type Table = Record<string, FieldPatchMeta>;

const merge = (mergeKey?: string): FieldPatchMeta => (mergeKey ? { strategy: "merge", mergeKey } : { strategy: "merge" });
const mergeRetain = (mergeKey: string): FieldPatchMeta => ({ strategy: "merge,retainKeys", mergeKey });

function at(prefix: string, entries: Table): Table {
  const out: Table = {};
  for (const [k, v] of Object.entries(entries)) out[prefix ? `${prefix}.${k}` : k] = v;
  return out;
}

/** metav1.ObjectMeta. */
const objectMeta: Table = { ownerReferences: merge("uid"), finalizers: merge() };

/** core/v1 Container and EphemeralContainerCommon. */
const container: Table = {
  ports: merge("containerPort"),
  env: merge("name"),
  volumeMounts: merge("mountPath"),
  volumeDevices: merge("devicePath"),
};

/** core/v1 PodSpec. */
const podSpec: Table = {
  volumes: mergeRetain("name"),
  initContainers: merge("name"),
  ...at("initContainers", container),
  containers: merge("name"),
  ...at("containers", container),
  ephemeralContainers: merge("name"),
  ...at("ephemeralContainers", container),
  imagePullSecrets: merge("name"),
  hostAliases: merge("ip"),
  topologySpreadConstraints: merge("topologyKey"),
  schedulingGates: merge("name"),
  resourceClaims: mergeRetain("name"),
};

/** core/v1 ContainerStatus. */
const containerStatus: Table = { volumeMounts: merge("mountPath"), allocatedResourcesStatus: merge("name") };

/** core/v1 PodStatus. */
const podStatus: Table = {
  conditions: merge("type"),
  hostIPs: merge("ip"),
  podIPs: merge("ip"),
  resourceClaimStatuses: mergeRetain("name"),
  ...at("containerStatuses", containerStatus),
  ...at("initContainerStatuses", containerStatus),
  ...at("ephemeralContainerStatuses", containerStatus),
};

/** core/v1 PodTemplateSpec. */
const podTemplate: Table = { ...at("metadata", objectMeta), ...at("spec", podSpec) };

const conditionsStatus: Table = { "status.conditions": merge("type") };

/** Entries by "group/Kind" (core group is ""), without top-level metadata. */
const kinds: Record<string, Table> = {
  "/Pod": { ...at("spec", podSpec), ...at("status", podStatus) },
  "/PodTemplate": at("template", podTemplate),
  "/ReplicationController": { ...at("spec.template", podTemplate), ...conditionsStatus },
  "/Service": { "spec.ports": merge("port"), ...conditionsStatus },
  "/Node": {
    "spec.podCIDRs": merge(),
    "status.conditions": merge("type"),
    "status.addresses": merge("type"),
  },
  "/Namespace": conditionsStatus,
  "/PersistentVolumeClaim": conditionsStatus,
  "/ServiceAccount": { secrets: merge("name") },
  "/ComponentStatus": { conditions: merge("type") },
  "apps/Deployment": {
    ...at("spec.template", podTemplate),
    "spec.strategy": { strategy: "retainKeys" },
    ...conditionsStatus,
  },
  "apps/ReplicaSet": { ...at("spec.template", podTemplate), ...conditionsStatus },
  "apps/DaemonSet": { ...at("spec.template", podTemplate), ...conditionsStatus },
  "apps/StatefulSet": {
    ...at("spec.template", podTemplate),
    ...at("spec.volumeClaimTemplates.metadata", objectMeta),
    "spec.volumeClaimTemplates.status.conditions": merge("type"),
    ...conditionsStatus,
  },
  "batch/Job": { ...at("spec.template", podTemplate), ...conditionsStatus },
  "batch/CronJob": {
    ...at("spec.jobTemplate.metadata", objectMeta),
    ...at("spec.jobTemplate.spec.template", podTemplate),
  },
  "autoscaling/HorizontalPodAutoscaler": conditionsStatus,
  "policy/PodDisruptionBudget": { "spec.selector": { strategy: "replace" }, ...conditionsStatus },
  "admissionregistration.k8s.io/MutatingWebhookConfiguration": {
    webhooks: merge("name"),
    "webhooks.matchConditions": merge("name"),
  },
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration": {
    webhooks: merge("name"),
    "webhooks.matchConditions": merge("name"),
  },
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy": {
    "spec.matchConditions": merge("name"),
    "spec.variables": merge("name"),
  },
  "apiregistration.k8s.io/APIService": conditionsStatus,
  "flowcontrol.apiserver.k8s.io/FlowSchema": conditionsStatus,
  "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration": conditionsStatus,
  "storage.k8s.io/CSINode": { "spec.drivers": merge("name") },
};

/**
 * PatchMeta for a built-in kind. Unknown kinds get ObjectMeta's entries only
 * (so finalizers and ownerReferences still merge). Cheap; callers may keep it.
 */
export function builtinPatchMeta(group: string, kind: string): PatchMeta {
  const id = `${group}/${kind}`;
  let meta = builtPatchMeta.get(id);
  if (!meta) {
    meta = createPatchMetaFromTable({ ...at("metadata", objectMeta), ...(Object.hasOwn(kinds, id) ? kinds[id] : {}) });
    builtPatchMeta.set(id, meta);
  }
  return meta;
}

/** Memo of builtinPatchMeta by "group/Kind" (a PatchMeta is read-only; bounded by the kinds asked for). */
const builtPatchMeta = new Map<string, PatchMeta>();

/** The "group/Kind" identifiers with a dedicated table (for tests and docs). */
export function builtinPatchMetaKinds(): string[] {
  return Object.keys(kinds);
}
