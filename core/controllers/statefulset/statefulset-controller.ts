/**
 * The StatefulSet controller (upstream pkg/controller/statefulset): pods `<set>-<ordinal>` created in
 * order and each waited for (OrderedReady) or all at once (Parallel), removed from the highest
 * ordinal down, PVCs from volumeClaimTemplates, RollingUpdate from the highest ordinal down to the
 * partition (one pod at a time) or OnDelete, ControllerRevisions with current/update revisions, and
 * persistentVolumeClaimRetentionPolicy expressed as PVC ownerReferences for the garbage collector.
 */
import {
  builtinResources, defineController, isAlreadyExists, isNotFound, type ApiClient, type ControllerDefinition, type EventRecorder,
  type KubeObject, type OwnerReference, type SharedInformerFactory,
} from "@lite/sdk";
import {
  CONTROLLER_REVISION_HASH_LABEL, CONTROLLER_REVISIONS, ensureUpdateRevision, templateOf, truncateHistory, type ControllerRevision,
} from "../controller-revision/controller-revision.ts";
import { claimObjects, controllerRefTo, ownerKeyOf } from "../workload-pods/owner.ts";
import { availableAt, isPodAvailable, isPodReady, isTerminal } from "../workload-pods/pod-state.ts";
import { selectorMatcher } from "../workload-pods/selector.ts";
import { semanticEqual } from "../workload-pods/semantic-equal.ts";
import type { Pod } from "../workload-pods/types.ts";
import { claimsFor, newStatefulSetPod, ordinalOf, podName } from "./identity.ts";
import { computeStatus } from "./status.ts";
import { STATEFULSET_API_VERSION, STATEFULSET_KIND, type PersistentVolumeClaim, type StatefulSet } from "./types.ts";

export interface StatefulSetControllerOptions {
  /** Current time in ms (tests inject a fake clock). */
  now?: () => number;
  workers?: number;
}

const { pods: PODS, statefulSets: SETS, persistentVolumeClaims: PVCS } = builtinResources;

export function statefulSetController(options: StatefulSetControllerOptions = {}): ControllerDefinition {
  const now = options.now ?? (() => Date.now());
  // Orphan pods are offered to every set of their namespace whose selector matches; the factory
  // is known from the first reconcile (every set is reconciled once at start, claiming orphans).
  let informers: SharedInformerFactory | undefined;
  const orphanKeys = (pod: KubeObject): string[] => {
    if (pod.metadata.ownerReferences?.some((r) => r.controller) || !informers) return [];
    return informers.informerFor<StatefulSet>(SETS).list(pod.metadata.namespace)
      .filter((s) => selectorMatcher(s.spec?.selector)(pod.metadata.labels)).map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
  };
  return defineController({
    name: "statefulset",
    workers: options.workers ?? 5,
    watches: [
      { target: SETS },
      { target: PODS, map: (pod) => [...ownerKeyOf(pod, STATEFULSET_KIND), ...orphanKeys(pod)] },
      { target: CONTROLLER_REVISIONS, map: (rev) => ownerKeyOf(rev, STATEFULSET_KIND) },
    ],
    async reconcile(key, ctx) {
      informers = ctx.informers;
      const set = ctx.informer<StatefulSet>(SETS).get(key);
      if (!set || set.metadata.deletionTimestamp) return;
      const ns = set.metadata.namespace ?? "";
      const matches = selectorMatcher(set.spec?.selector);
      const ownerRef = controllerRefTo(set, STATEFULSET_API_VERSION, STATEFULSET_KIND);
      const claim = <T extends KubeObject>(resource: typeof PODS | typeof CONTROLLER_REVISIONS, candidates: readonly T[]) =>
        claimObjects<T>({ client: ctx.client, resource, owner: set, ownerRef, candidates, matches: (o) => matches(o.metadata.labels), signal: ctx.signal });
      const pods = await claim<Pod>(PODS, ctx.informer<Pod>(PODS).list(ns));
      const owned = await claim<ControllerRevision>(CONTROLLER_REVISIONS, ctx.informer<ControllerRevision>(CONTROLLER_REVISIONS).list(ns));
      const { update, revisions } = await ensureUpdateRevision({
        client: ctx.client, owner: set, ownerRef, revisions: owned, template: set.spec?.template, labels: set.spec?.template?.metadata?.labels ?? {}, signal: ctx.signal,
      });
      const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;

      await syncPods({ set, pods, current, update, ownerRef, client: ctx.client, events: ctx.events, signal: ctx.signal, nowMs: now() });

      const status = computeStatus(set, pods, current.metadata.name ?? "", update.metadata.name ?? "", now());
      if (!semanticEqual(status, set.status)) {
        await ctx.client.updateStatus<StatefulSet>(SETS, { ...set, status });
      }
      const live = new Set([status.currentRevision ?? "", status.updateRevision ?? "", ...pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? "")]);
      await truncateHistory(ctx.client, revisions, live, set.spec?.revisionHistoryLimit ?? 10, ctx.signal);

      // minReadySeconds: look again when the next pod becomes available.
      const minReady = set.spec?.minReadySeconds ?? 0;
      const waits = pods.map((p) => availableAt(p, minReady)).filter((t): t is number => t !== undefined && t > now());
      if (waits.length) return { requeueAfterMs: Math.min(...waits) - now() + 1 };
    },
  });
}

interface SyncInput {
  set: StatefulSet;
  pods: readonly Pod[];
  current: ControllerRevision;
  update: ControllerRevision;
  ownerRef: OwnerReference;
  client: ApiClient;
  events: EventRecorder;
  signal: AbortSignal;
  nowMs: number;
}

/** One pass of upstream's updateStatefulSet: returns early wherever OrderedReady must wait. */
async function syncPods(o: SyncInput): Promise<void> {
  const { set, client, events } = o;
  const ns = set.metadata.namespace ?? "";
  const monotonic = set.spec?.podManagementPolicy !== "Parallel";
  const start = set.spec?.ordinals?.start ?? 0;
  const count = set.spec?.replicas ?? 1;
  const minReady = set.spec?.minReadySeconds ?? 0;
  const healthy = (p: Pod) => isPodReady(p) && isPodAvailable(p, minReady, o.nowMs) && !p.metadata.deletionTimestamp;
  const replicas = new Map<number, Pod>();
  const condemned: Pod[] = [];
  for (const pod of o.pods) {
    const ord = ordinalOf(set, pod);
    if (ord < 0) continue;
    if (ord >= start && ord < start + count) replicas.set(ord, pod);
    else condemned.push(pod);
  }
  condemned.sort((a, b) => ordinalOf(set, b) - ordinalOf(set, a));

  const rolling = set.spec?.updateStrategy?.type !== "OnDelete";
  const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  const revisionFor = (ord: number) => (rolling && ord < start + partition ? o.current : o.update);

  const deletePod = async (pod: Pod) => {
    try {
      await client.delete({ ...PODS, namespace: ns, name: pod.metadata.name ?? "" }, { preconditions: { uid: pod.metadata.uid }, signal: o.signal });
      events.event(set, "Normal", "SuccessfulDelete", `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } catch (err) {
      if (isNotFound(err)) return;
      events.event(set, "Warning", "FailedDelete", `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${String(err)}`);
      throw err;
    }
  };

  const createPod = async (ord: number) => {
    const name = podName(set, ord);
    const claimRefs = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete" ? [o.ownerRef] : undefined;
    for (const pvc of claimsFor(set, ord)) {
      try {
        await client.create<PersistentVolumeClaim>({ ...PVCS, namespace: ns }, claimRefs ? { ...pvc, metadata: { ...pvc.metadata, ownerReferences: claimRefs } } : pvc, { signal: o.signal });
        events.event(set, "Normal", "SuccessfulCreate", `create Claim ${pvc.metadata.name} Pod ${name} in StatefulSet ${set.metadata.name} success`);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        events.event(set, "Warning", "FailedCreate", `create Claim ${pvc.metadata.name} for Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${String(err)}`);
        throw err;
      }
    }
    const rev = revisionFor(ord);
    try {
      await client.create<Pod>({ ...PODS, namespace: ns }, newStatefulSetPod(set, templateOf(rev), ord, rev.metadata.name ?? "", o.ownerRef), { signal: o.signal });
      events.event(set, "Normal", "SuccessfulCreate", `create Pod ${name} in StatefulSet ${set.metadata.name} successful`);
    } catch (err) {
      if (isAlreadyExists(err)) return; // the cache has not caught up (or the old pod is still going away)
      events.event(set, "Warning", "FailedCreate", `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${String(err)}`);
      throw err;
    }
  };

  // Scale up / replace, in ordinal order.
  for (let ord = start; ord < start + count; ord++) {
    const pod = replicas.get(ord);
    if (pod && isTerminal(pod) && !pod.metadata.deletionTimestamp) {
      await deletePod(pod);
      if (monotonic) return;
      continue;
    }
    if (!pod) {
      await createPod(ord);
      if (monotonic) return;
      continue;
    }
    if (monotonic && !healthy(pod)) return;
  }

  // Scale down, from the highest ordinal; OrderedReady waits for every other pod to be healthy.
  for (const pod of condemned) {
    if (pod.metadata.deletionTimestamp) {
      if (monotonic) return;
      continue;
    }
    if (monotonic && [...replicas.values(), ...condemned].some((p) => p !== pod && !healthy(p))) return;
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled === "Delete") await giveClaimsToPod(o, pod);
    await deletePod(pod);
    if (monotonic) return;
  }

  // RollingUpdate: from the highest ordinal down to the partition, one pod at a time.
  if (!rolling) return;
  for (let ord = start + count - 1; ord >= start + partition; ord--) {
    const pod = replicas.get(ord);
    if (!pod) return;
    if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== o.update.metadata.name && !pod.metadata.deletionTimestamp) {
      events.event(set, "Normal", "SuccessfulDelete", `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
      await client.delete({ ...PODS, namespace: ns, name: pod.metadata.name ?? "" }, { preconditions: { uid: pod.metadata.uid }, signal: o.signal }).catch((err) => { if (!isNotFound(err)) throw err; });
      return;
    }
    if (!healthy(pod)) return;
  }
}

/** whenScaled: Delete — the condemned pod becomes an owner of its claims, so they go with it. */
async function giveClaimsToPod(o: SyncInput, pod: Pod): Promise<void> {
  const ord = ordinalOf(o.set, pod);
  for (const pvc of claimsFor(o.set, ord)) {
    const target = { ...PVCS, namespace: o.set.metadata.namespace, name: pvc.metadata.name ?? "" };
    try {
      const existing = await o.client.get<PersistentVolumeClaim>(target, { signal: o.signal });
      const refs = existing.metadata.ownerReferences ?? [];
      if (refs.some((r) => r.uid === pod.metadata.uid)) continue;
      await o.client.patch(target, "merge", {
        metadata: { resourceVersion: existing.metadata.resourceVersion, ownerReferences: [...refs, { apiVersion: "v1", kind: "Pod", name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "" }] },
      }, { signal: o.signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
