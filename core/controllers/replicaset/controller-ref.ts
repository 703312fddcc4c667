/**
 * ControllerRef handling (upstream pkg/controller/controller_ref_manager.go): an owner claims the
 * objects its selector matches. Orphans that match are adopted (an ownerReference with
 * controller=true, blockOwnerDeletion=true is patched in); objects it controls that stopped
 * matching are released (the reference is patched out); objects controlled by others are left alone.
 */
import { isInvalid, isNotFound, type ApiClient, type KubeObject, type ObjectTarget, type OwnerReference, type ResourceRef } from "@lite/sdk";

/** The ownerReference with controller=true, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** metav1.NewControllerRef. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };
}

export interface ClaimOptions<T extends KubeObject> {
  client: ApiClient;
  signal: AbortSignal;
  /** The owned resource (pods, replicasets). */
  resource: ResourceRef;
  owner: KubeObject;
  /** The reference adoption adds. */
  ownerRef: OwnerReference;
  matches(obj: T): boolean;
  /**
   * Asked (at most once) before the first adoption: may the owner still adopt? Upstream re-reads
   * the owner uncached and refuses when it is being deleted or its UID changed.
   */
  canAdopt(): Promise<boolean>;
}

/**
 * Returns the objects `owner` controls after adopting and releasing (ClaimObjects). Patched objects
 * are returned as the server answered. Objects that vanished meanwhile are skipped.
 */
export async function claimObjects<T extends KubeObject>(objects: readonly T[], options: ClaimOptions<T>): Promise<T[]> {
  const { owner, client, signal } = options;
  const ownerUid = owner.metadata.uid;
  let adoptable: boolean | undefined;
  const claimed: T[] = [];
  for (const obj of objects) {
    const ref = controllerOf(obj);
    const target: ObjectTarget = { ...options.resource, namespace: obj.metadata.namespace, name: obj.metadata.name ?? "" };
    if (ref) {
      if (ref.uid !== ownerUid) continue; // someone else's
      if (options.matches(obj)) { claimed.push(obj); continue; }
      if (owner.metadata.deletionTimestamp) continue; // an owner being deleted releases nothing
      try {
        await client.patch(target, "strategic", { metadata: { ownerReferences: [{ $patch: "delete", uid: ownerUid }], uid: obj.metadata.uid } }, { signal });
      } catch (err) {
        if (!isNotFound(err) && !isInvalid(err)) throw err;
      }
      continue;
    }
    if (owner.metadata.deletionTimestamp || !options.matches(obj) || obj.metadata.deletionTimestamp) continue;
    adoptable ??= await options.canAdopt();
    if (!adoptable) continue;
    try {
      const adopted = await client.patch<T>(target, "strategic", { metadata: { ownerReferences: [options.ownerRef], uid: obj.metadata.uid } }, { signal });
      claimed.push(adopted);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return claimed;
}
