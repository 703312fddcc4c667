/**
 * Classifying an object's owners, as upstream's classifyReferences: an owner is `solid` (exists
 * and is not being deleted in the foreground), `waiting` (exists and waits for its dependents:
 * `foregroundDeletion`), or `dangling` (absent, or its name now belongs to another uid). Owners
 * missing from the informer caches ("virtual" nodes) are verified with a live GET, so a cache that
 * has not caught up never causes a deletion.
 */
import { isNotFound, type ApiClient, type KubeObject, type OwnerReference } from "@lite/sdk";
import type { Monitors } from "./monitors.ts";

export const FOREGROUND_FINALIZER = "foregroundDeletion";
export const ORPHAN_FINALIZER = "orphan";

export interface OwnerClassification {
  solid: OwnerReference[];
  dangling: OwnerReference[];
  waiting: OwnerReference[];
}

export function isDeletingInForeground(obj: KubeObject): boolean {
  return !!obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER);
}

/** The owner's object (cache first, then the API), or undefined when it is dangling. Unknown kinds count as present (never delete on doubt). */
async function lookupOwner(client: ApiClient, monitors: Monitors, dependent: KubeObject, ref: OwnerReference, signal: AbortSignal): Promise<KubeObject | "unknown" | undefined> {
  const m = monitors.forKind(ref.apiVersion, ref.kind);
  if (!m) return "unknown";
  const namespace = m.resource.namespaced ? (dependent.metadata.namespace ?? "") : "";
  if (m.resource.namespaced && !namespace) return "unknown"; // a cluster-scoped dependent cannot name a namespaced owner
  const cached = m.informer.get(namespace, ref.name);
  if (cached && cached.metadata.uid === ref.uid) return cached;
  try {
    const live = await client.get({ group: m.resource.group, version: m.resource.version, resource: m.resource.resource, namespace, name: ref.name }, { signal });
    return live.metadata.uid === ref.uid ? live : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function classifyOwners(client: ApiClient, monitors: Monitors, dependent: KubeObject, signal: AbortSignal): Promise<OwnerClassification> {
  const out: OwnerClassification = { solid: [], dangling: [], waiting: [] };
  for (const ref of dependent.metadata.ownerReferences ?? []) {
    const owner = await lookupOwner(client, monitors, dependent, ref, signal);
    if (owner === undefined) out.dangling.push(ref);
    else if (owner !== "unknown" && isDeletingInForeground(owner)) out.waiting.push(ref);
    else out.solid.push(ref);
  }
  return out;
}
