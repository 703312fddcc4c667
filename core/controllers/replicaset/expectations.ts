/**
 * Expectations (upstream ControllerExpectations/UIDTrackingExpectations, level-triggered): after a
 * sync creates or deletes pods, the controller does not act on the same owner again until its pod
 * cache reflects those writes, so a stale cache cannot cause double creates or deletes.
 * - A create is observed once the pod informer has seen the create's resourceVersion (or holds the pod).
 * - A delete is observed once the cache no longer holds that pod (same UID) or holds it with a
 *   deletionTimestamp.
 * Unobserved expectations expire after 5 minutes (upstream ExpectationsTimeout).
 * One instance per controller; keys are the owners' "ns/name".
 */
import type { Informer } from "@lite/sdk";
import type { Pod } from "./types.ts";

export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Pending {
  creates: Map<string, string>; // pod name -> resourceVersion of the create
  deletes: Map<string, string>; // pod name -> uid
  since: number;
}

function rvAtLeast(seen: string, wanted: string): boolean {
  if (!/^\d+$/.test(seen) || !/^\d+$/.test(wanted)) return false;
  return BigInt(seen) >= BigInt(wanted);
}

export class PodExpectations {
  readonly #pending = new Map<string, Pending>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #entry(key: string): Pending {
    let e = this.#pending.get(key);
    if (!e) this.#pending.set(key, (e = { creates: new Map(), deletes: new Map(), since: this.#now() }));
    e.since = this.#now();
    return e;
  }

  created(key: string, pod: Pod): void {
    this.#entry(key).creates.set(pod.metadata.name ?? "", pod.metadata.resourceVersion ?? "");
  }

  deleting(key: string, pod: Pod): void {
    this.#entry(key).deletes.set(pod.metadata.name ?? "", pod.metadata.uid ?? "");
  }

  /** Forgets a delete that failed (the informer will never observe it). */
  deleteFailed(key: string, pod: Pod): void {
    this.#pending.get(key)?.deletes.delete(pod.metadata.name ?? "");
  }

  /** The owner was deleted. */
  forget(key: string): void {
    this.#pending.delete(key);
  }

  /** True when every recorded write for `key` shows in `pods` (pods of `namespace`), or the record expired. */
  satisfied(key: string, namespace: string, pods: Informer<Pod>): boolean {
    const e = this.#pending.get(key);
    if (!e) return true;
    if (this.#now() - e.since > EXPECTATIONS_TIMEOUT_MS) { this.#pending.delete(key); return true; }
    const seenRV = pods.lastSyncResourceVersion();
    for (const [name, rv] of e.creates) if (pods.get(namespace, name) || rvAtLeast(seenRV, rv)) e.creates.delete(name);
    for (const [name, uid] of e.deletes) {
      const p = pods.get(namespace, name);
      if (!p || p.metadata.uid !== uid || p.metadata.deletionTimestamp) e.deletes.delete(name);
    }
    if (e.creates.size === 0 && e.deletes.size === 0) { this.#pending.delete(key); return true; }
    return false;
  }
}
