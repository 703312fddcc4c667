/**
 * How the client names API resources and objects. A resource is addressed by group, version
 * and plural resource name (the REST path segment); an object additionally by namespace and name.
 */

/** A served resource: `{ group: "apps", version: "v1", resource: "deployments" }`. The core group is "". */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** A collection: every object of a resource, or those of one namespace. */
export interface CollectionTarget extends ResourceRef {
  /** Omit (or "") for cluster-scoped resources and for all namespaces. */
  readonly namespace?: string;
}

/** One object of a resource. */
export interface ObjectTarget extends CollectionTarget {
  readonly name: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** metav1.ObjectMeta, the fields controllers commonly read (others pass through). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [field: string]: unknown;
}

/** Any Kubernetes object as JSON. Specific kinds narrow `spec`/`status` in their own types. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

/** The `apiVersion` string of a resource: "v1" for the core group, "group/version" otherwise. */
export function apiVersionOf(ref: ResourceRef): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

/** Same group, version and resource. */
export function sameResource(a: ResourceRef, b: ResourceRef): boolean {
  return a.group === b.group && a.version === b.version && a.resource === b.resource;
}

/** "resource.group/version" (core: "resource/v1"), a stable id for a resource. */
export function resourceId(ref: ResourceRef): string {
  return `${ref.resource}${ref.group ? `.${ref.group}` : ""}/${ref.version}`;
}

/** Refs of the built-in resources controllers use most; any other is `{ group, version, resource }`. */
export const builtinResources = {
  namespaces: { group: "", version: "v1", resource: "namespaces" },
  configMaps: { group: "", version: "v1", resource: "configmaps" },
  secrets: { group: "", version: "v1", resource: "secrets" },
  serviceAccounts: { group: "", version: "v1", resource: "serviceaccounts" },
  pods: { group: "", version: "v1", resource: "pods" },
  services: { group: "", version: "v1", resource: "services" },
  endpoints: { group: "", version: "v1", resource: "endpoints" },
  nodes: { group: "", version: "v1", resource: "nodes" },
  events: { group: "", version: "v1", resource: "events" },
  persistentVolumes: { group: "", version: "v1", resource: "persistentvolumes" },
  persistentVolumeClaims: { group: "", version: "v1", resource: "persistentvolumeclaims" },
  deployments: { group: "apps", version: "v1", resource: "deployments" },
  replicaSets: { group: "apps", version: "v1", resource: "replicasets" },
  statefulSets: { group: "apps", version: "v1", resource: "statefulsets" },
  daemonSets: { group: "apps", version: "v1", resource: "daemonsets" },
  jobs: { group: "batch", version: "v1", resource: "jobs" },
  cronJobs: { group: "batch", version: "v1", resource: "cronjobs" },
  leases: { group: "coordination.k8s.io", version: "v1", resource: "leases" },
  endpointSlices: { group: "discovery.k8s.io", version: "v1", resource: "endpointslices" },
  customResourceDefinitions: { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" },
} as const satisfies Record<string, ResourceRef>;
