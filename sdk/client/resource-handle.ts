/** A typed handle on one resource (optionally one namespace): `resourceClient<ConfigMap>(client, builtinResources.configMaps, "ns")`. */
import type { ApiClient, DeleteCollectionOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, WatchEvent, WatchOptions, WriteOptions } from "./api-client.ts";
import type { Status } from "./errors.ts";
import type { KubeObject, ObjectList, ResourceRef } from "./resource.ts";

export interface ResourceClient<T extends KubeObject> {
  readonly resource: ResourceRef;
  readonly namespace?: string;
  /** The same resource in another namespace. */
  inNamespace(namespace: string): ResourceClient<T>;
  get(name: string, options?: GetOptions): Promise<T>;
  list(options?: ListOptions): Promise<ObjectList<T>>;
  create(object: T, options?: WriteOptions): Promise<T>;
  update(object: T, options?: WriteOptions): Promise<T>;
  updateStatus(object: T, options?: WriteOptions): Promise<T>;
  patch(name: string, type: PatchType, patch: unknown, options?: PatchOptions): Promise<T>;
  delete(name: string, options?: DeleteOptions): Promise<KubeObject | Status>;
  deleteCollection(options?: DeleteCollectionOptions): Promise<void>;
  watch(options: WatchOptions): AsyncIterable<WatchEvent<T>>;
}

/** Pure: binds an ApiClient to a resource (and namespace). */
export function resourceClient<T extends KubeObject = KubeObject>(client: ApiClient, resource: ResourceRef, namespace?: string): ResourceClient<T> {
  const at = { group: resource.group, version: resource.version, resource: resource.resource, namespace };
  return {
    resource, namespace,
    inNamespace: (ns) => resourceClient<T>(client, resource, ns),
    get: (name, o) => client.get<T>({ ...at, name }, o),
    list: (o) => client.list<T>(at, o),
    create: (obj, o) => client.create<T>({ ...at, namespace: namespace ?? obj.metadata.namespace }, obj, o),
    update: (obj, o) => client.update<T>({ ...at, namespace: namespace ?? obj.metadata.namespace }, obj, o),
    updateStatus: (obj, o) => client.updateStatus<T>({ ...at, namespace: namespace ?? obj.metadata.namespace }, obj, o),
    patch: (name, type, p, o) => client.patch<T>({ ...at, name }, type, p, o),
    delete: (name, o) => client.delete({ ...at, name }, o),
    deleteCollection: (o) => client.deleteCollection(at, o),
    watch: (o) => client.watch<T>(at, o),
  };
}
