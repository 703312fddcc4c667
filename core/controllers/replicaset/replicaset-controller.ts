/**
 * The replicaset and replication controllers (upstream pkg/controller/replicaset and
 * pkg/controller/replication): keep `spec.replicas` active pods for each owner, adopting matching
 * orphans and releasing pods that stopped matching, and report status
 * (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration, ReplicaFailure).
 */
import {
  builtinResources, defineController, isNotFound, splitKey, type ControllerDefinition, type KubeObject,
  type ReconcileContext, type SharedInformerFactory,
} from "@lite/sdk";
import { claimObjects, controllerOf, newControllerRef } from "./controller-ref.ts";
import { PodExpectations } from "./expectations.ts";
import { selectorMatches } from "./label-selector.ts";
import { manageReplicas } from "./manage-replicas.ts";
import { isPodActive, msUntilAvailable } from "./pod-state.ts";
import { replicaSetKind, replicationControllerKind, type ReplicaKind } from "./replica-kind.ts";
import { calculateReplicaSetStatus, sameReplicaSetStatus } from "./replica-set-status.ts";
import type { Pod, ReplicaSet } from "./types.ts";

/** Re-check owners whose expectations are pending this often (pod events normally come first). */
const EXPECTATIONS_RECHECK_MS = 1000;

export function replicaSetController(): ControllerDefinition {
  return replicaController(replicaSetKind);
}

export function replicationControllerController(): ControllerDefinition {
  return replicaController(replicationControllerKind);
}

function replicaController(kind: ReplicaKind): ControllerDefinition {
  const expectations = new PodExpectations();
  // Bound on the first reconcile (same factory every time), so pod events can find the owners of orphans.
  let informers: SharedInformerFactory | undefined;
  const keyOf = (ns: string | undefined, name: string) => `${ns ?? ""}/${name}`;

  const podKeys = (pod: Pod): string[] => {
    const ref = controllerOf(pod);
    if (ref) return ref.kind === kind.kind && ref.apiVersion === kind.apiVersion ? [keyOf(pod.metadata.namespace, ref.name)] : [];
    if (!informers) return [];
    return informers.informerFor<ReplicaSet>(kind.resource).list(pod.metadata.namespace)
      .filter((rs) => selectorMatches(kind.selectorOf(rs), pod.metadata.labels))
      .map((rs) => keyOf(rs.metadata.namespace, rs.metadata.name ?? ""));
  };

  return defineController({
    name: kind.name,
    workers: 5,
    resyncMs: 30_000,
    watches: [
      { target: kind.resource },
      { target: builtinResources.pods, map: (pod: Pod) => podKeys(pod) },
    ],
    async reconcile(key, ctx) {
      informers ??= ctx.informers;
      return syncReplicaSet(kind, key, ctx, expectations);
    },
  });
}

async function syncReplicaSet(kind: ReplicaKind, key: string, ctx: ReconcileContext, expectations: PodExpectations) {
  const { namespace, name } = splitKey(key);
  const cached = ctx.informer<ReplicaSet>(kind.resource).get(namespace, name);
  if (!cached) { expectations.forget(key); return; }
  const rs: ReplicaSet = { ...cached, apiVersion: kind.apiVersion, kind: kind.kind };
  const podInformer = ctx.informer<Pod>(builtinResources.pods);
  const needsSync = expectations.satisfied(key, namespace, podInformer);
  const selector = kind.selectorOf(rs);
  const active = podInformer.list(namespace).filter(isPodActive);
  const pods = await claimObjects(active, {
    client: ctx.client, signal: ctx.signal, resource: builtinResources.pods, owner: rs,
    ownerRef: newControllerRef(rs, kind.apiVersion, kind.kind),
    matches: (p) => selectorMatches(selector, p.metadata.labels),
    canAdopt: async () => {
      try {
        const fresh = await ctx.client.get({ ...kind.resource, namespace, name }, { signal: ctx.signal });
        return fresh.metadata.uid === rs.metadata.uid && !fresh.metadata.deletionTimestamp;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
  });
  const now = Date.now();
  let manageError: unknown;
  if (needsSync && !rs.metadata.deletionTimestamp) {
    try {
      await manageReplicas({ ctx, kind, rs, key, pods, related: relatedPods(ctx, kind, rs, active), expectations, now });
    } catch (err) {
      manageError = err;
    }
  }
  const status = calculateReplicaSetStatus(rs, pods, manageError, Date.now());
  if (!sameReplicaSetStatus(rs.status, status)) await writeStatus(ctx, kind, rs, status);
  if (manageError) throw manageError;
  if (!needsSync) return { requeueAfterMs: EXPECTATIONS_RECHECK_MS };
  const wait = msUntilAvailable(pods, rs.spec?.minReadySeconds ?? 0, Date.now());
  return wait !== undefined ? { requeueAfterMs: wait } : undefined;
}

/**
 * getIndirectlyRelatedPods: active pods controlled by the owner or by its siblings (objects of the
 * same kind controlled by the same controller, e.g. a Deployment's other ReplicaSets).
 */
function relatedPods(ctx: ReconcileContext, kind: ReplicaKind, rs: ReplicaSet, active: readonly Pod[]): Pod[] {
  const owner = controllerOf(rs);
  const uids = new Set([rs.metadata.uid]);
  if (owner) {
    for (const s of ctx.informer<ReplicaSet>(kind.resource).list(rs.metadata.namespace)) {
      if (controllerOf(s)?.uid === owner.uid) uids.add(s.metadata.uid);
    }
  }
  return active.filter((p) => uids.has(controllerOf(p)?.uid));
}

async function writeStatus(ctx: ReconcileContext, kind: ReplicaKind, rs: ReplicaSet, status: ReplicaSet["status"]): Promise<void> {
  const target = { ...kind.resource, namespace: rs.metadata.namespace, name: rs.metadata.name ?? "" };
  try {
    await ctx.client.updateStatus<KubeObject>(target, { ...rs, status } as KubeObject, { signal: ctx.signal });
  } catch (err) {
    if (isNotFound(err)) return;
    // Stale cache (conflict): retry once on a fresh copy, as upstream's updateReplicaSetStatus does.
    const fresh = await ctx.client.get<ReplicaSet>(target, { signal: ctx.signal });
    await ctx.client.updateStatus<KubeObject>(target, { ...fresh, status: { ...status, observedGeneration: status?.observedGeneration } } as KubeObject, { signal: ctx.signal });
  }
}
