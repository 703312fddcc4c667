/**
 * Controller references (upstream ControllerRefManager): which pods an owner controls, adopting
 * matching orphans and releasing owned pods that no longer match. Inputs are cached (frozen)
 * objects; adoption and release are API patches, the cache catches up through the informer.
 */
import { isNotFound, type ApiClient, type KubeObject, type OwnerReference, type ResourceRef } from "@lite/sdk";

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** The controller ownerReference an owner puts on what it creates (blockOwnerDeletion as upstream). */
export function controllerRefTo(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };
}

/** Queue keys for a dependent: its controller's "ns/name" when the controller is of `kind`. */
export function ownerKeyOf(obj: KubeObject, kind: string): string[] {
  const ref = controllerRefOf(obj);
  return ref && ref.kind === kind && obj.metadata.namespace ? [`${obj.metadata.namespace}/${ref.name}`] : [];
}

export interface ClaimOptions<T extends KubeObject> {
  client: ApiClient;
  resource: ResourceRef;
  owner: KubeObject;
  ownerRef: OwnerReference;
  /** Candidates: every object of the owner's namespace (cached). */
  candidates: readonly T[];
  matches(obj: T): boolean;
  signal?: AbortSignal;
}

/**
 * The objects the owner controls after adopting orphans that match and releasing owned ones that
 * do not. An owner being deleted adopts nothing. Returned objects are the cached ones (adopted
 * objects are included as they were before the patch).
 */
export async function claimObjects<T extends KubeObject>(o: ClaimOptions<T>): Promise<T[]> {
  const uid = o.owner.metadata.uid;
  const claimed: T[] = [];
  for (const obj of o.candidates) {
    const ref = controllerRefOf(obj);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (o.matches(obj) || obj.metadata.deletionTimestamp) { claimed.push(obj); continue; }
      await patchRefs(o, obj, (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid));
      continue;
    }
    if (!o.matches(obj) || o.owner.metadata.deletionTimestamp || obj.metadata.deletionTimestamp) continue;
    if (await patchRefs(o, obj, [...(obj.metadata.ownerReferences ?? []), o.ownerRef])) claimed.push(obj);
  }
  return claimed;
}

async function patchRefs<T extends KubeObject>(o: ClaimOptions<T>, obj: T, refs: OwnerReference[]): Promise<boolean> {
  try {
    await o.client.patch({ ...o.resource, namespace: obj.metadata.namespace, name: obj.metadata.name ?? "" }, "merge", {
      metadata: { ownerReferences: refs, resourceVersion: obj.metadata.resourceVersion },
    }, { signal: o.signal });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
