/**
 * One garbage-collector pass over one object (upstream's attemptToDeleteItem, orphanDependents
 * and processDeletingDependentsItem):
 * - deleting with `orphan`: remove the object from its dependents' ownerReferences, then drop the finalizer;
 * - deleting with `foregroundDeletion`: examine every dependent; drop the finalizer once no
 *   dependent that blocks owner deletion remains;
 * - otherwise, with owners: delete it when no owner is solid (Foreground when an owner waits for
 *   it and it has dependents of its own), or strip dangling references / unblock waiting owners
 *   when some owner is solid.
 * Writes are merge patches carrying the read resourceVersion (a Conflict retries the pass).
 */
import { isConflict, isNotFound, type ApiClient, type KubeObject, type OwnerReference } from "@lite/sdk";
import type { Monitor, Monitors } from "./monitors.ts";
import { OWNER_UID_INDEX } from "./monitors.ts";
import { classifyOwners, FOREGROUND_FINALIZER, isDeletingInForeground, ORPHAN_FINALIZER } from "./owner-state.ts";

export interface ItemDeps {
  client: ApiClient;
  monitors: Monitors;
  signal: AbortSignal;
  /** Ask for a pass over another object (a dependent). */
  enqueue(monitor: Monitor, obj: KubeObject): void;
}

export interface Dependent {
  monitor: Monitor;
  obj: KubeObject;
}

export function dependentsOf(monitors: Monitors, uid: string): Dependent[] {
  const out: Dependent[] = [];
  for (const monitor of monitors.all()) for (const obj of monitor.informer.byIndex(OWNER_UID_INDEX, uid)) out.push({ monitor, obj });
  return out;
}

function target(m: Monitor, obj: KubeObject) {
  return { group: m.resource.group, version: m.resource.version, resource: m.resource.resource, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name ?? "" };
}

async function patchMeta(deps: ItemDeps, m: Monitor, obj: KubeObject, meta: Record<string, unknown>): Promise<void> {
  try {
    await deps.client.patch(target(m, obj), "merge", { metadata: { ...meta, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion } }, { signal: deps.signal });
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
}

async function removeFinalizer(deps: ItemDeps, m: Monitor, obj: KubeObject, finalizer: string): Promise<void> {
  const rest = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  await patchMeta(deps, m, obj, { finalizers: rest.length ? rest : null });
}

/** Fresh state of the object (the cache may lag behind our own previous write). */
async function fresh(deps: ItemDeps, m: Monitor, obj: KubeObject): Promise<KubeObject | undefined> {
  try {
    const live = await deps.client.get(target(m, obj), { signal: deps.signal });
    return live.metadata.uid === obj.metadata.uid ? live : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function orphanDependents(deps: ItemDeps, owner: KubeObject): Promise<void> {
  const uid = owner.metadata.uid ?? "";
  for (const d of dependentsOf(deps.monitors, uid)) {
    for (let attempt = 0; ; attempt++) {
      const cur = attempt === 0 ? d.obj : await fresh(deps, d.monitor, d.obj);
      if (!cur) break;
      const refs = (cur.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      if (refs.length === (cur.metadata.ownerReferences ?? []).length) break;
      try {
        await patchMeta(deps, d.monitor, cur, { ownerReferences: refs.length ? refs : null });
        break;
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
  }
}

export async function processItem(deps: ItemDeps, m: Monitor, cached: KubeObject): Promise<void> {
  const meta = cached.metadata;
  const finalizers = meta.finalizers ?? [];
  if (meta.deletionTimestamp && finalizers.includes(ORPHAN_FINALIZER)) {
    await orphanDependents(deps, cached);
    const cur = await fresh(deps, m, cached);
    if (cur && (cur.metadata.finalizers ?? []).includes(ORPHAN_FINALIZER)) await removeFinalizer(deps, m, cur, ORPHAN_FINALIZER);
    return;
  }
  if (meta.deletionTimestamp && finalizers.includes(FOREGROUND_FINALIZER)) {
    const dependents = dependentsOf(deps.monitors, meta.uid ?? "");
    const blocking = dependents.filter((d) => (d.obj.metadata.ownerReferences ?? []).some((r) => r.uid === meta.uid && r.blockOwnerDeletion));
    for (const d of dependents) if (!d.obj.metadata.deletionTimestamp || blocking.includes(d)) deps.enqueue(d.monitor, d.obj);
    if (blocking.length > 0) return; // each blocking dependent's removal brings us back here
    const cur = await fresh(deps, m, cached);
    if (cur && (cur.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER)) {
      // Re-check with the fresh object's uid against fresh caches is unnecessary: dependents index by uid.
      await removeFinalizer(deps, m, cur, FOREGROUND_FINALIZER);
    }
    return;
  }
  // A dependent being deleted (without foreground) is already on its way out.
  if (meta.deletionTimestamp || (meta.ownerReferences ?? []).length === 0) return;

  const owners = await classifyOwners(deps.client, deps.monitors, cached, deps.signal);
  if (owners.solid.length > 0) {
    if (owners.dangling.length === 0 && owners.waiting.length === 0) return;
    // Keep the object: drop references to vanished owners, and stop blocking the waiting ones.
    const dangling = new Set(owners.dangling.map((r) => r.uid));
    const waiting = new Set(owners.waiting.map((r) => r.uid));
    const refs: OwnerReference[] = (meta.ownerReferences ?? []).filter((r) => !dangling.has(r.uid))
      .map((r) => (waiting.has(r.uid) && r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r));
    if (JSON.stringify(refs) !== JSON.stringify(meta.ownerReferences)) await patchMeta(deps, m, cached, { ownerReferences: refs });
    return;
  }
  const ownDependents = dependentsOf(deps.monitors, meta.uid ?? "");
  const hasDependents = ownDependents.length > 0;
  if (owners.waiting.length > 0 && ownDependents.some((d) => isDeletingInForeground(d.obj))) {
    // A possible cycle of foreground deletions: stop blocking our owners, then delete in the foreground.
    const refs = (meta.ownerReferences ?? []).map((r) => (r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r));
    if (JSON.stringify(refs) !== JSON.stringify(meta.ownerReferences)) await patchMeta(deps, m, cached, { ownerReferences: refs });
  }
  const policy = owners.waiting.length > 0 && hasDependents ? "Foreground"
    : finalizers.includes(ORPHAN_FINALIZER) ? "Orphan"
    : finalizers.includes(FOREGROUND_FINALIZER) ? "Foreground" : "Background";
  try {
    await deps.client.delete(target(m, cached), { propagationPolicy: policy, preconditions: { uid: meta.uid }, signal: deps.signal });
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) return; // gone, or the name now belongs to another object
    throw err;
  }
}
