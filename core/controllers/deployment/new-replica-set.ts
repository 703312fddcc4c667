/**
 * The Deployment's new ReplicaSet (upstream sync.go getNewReplicaSet): the RS whose template
 * matches, with its revision raised above every old one; or, when asked, a new RS named
 * `<deployment>-<pod-template-hash>` created with its first size. Records the Progressing
 * condition (NewReplicaSetCreated / FoundNewReplicaSet / ReplicaSetCreateError) and the revision on
 * the Deployment.
 */
import { builtinResources, hasStatusCause, isAlreadyExists } from "@lite/sdk";
import { controllerOf, newControllerRef } from "../replicaset/controller-ref.ts";
import type { ReplicaSet } from "../replicaset/types.ts";
import { maxRevision, REVISION_ANNOTATION, setDeploymentRevision, setNewReplicaSetAnnotations } from "./annotations.ts";
import { getCondition, newCondition, PROGRESSING, Reasons, setCondition } from "./conditions.ts";
import { maxSurge } from "./int-or-percent.ts";
import { findNewReplicaSet, specReplicas } from "./replica-sets.ts";
import { hasProgressDeadline } from "./status.ts";
import type { DeploymentSync } from "./sync-context.ts";
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from "./template-hash.ts";
import { desiredReplicas, replicasOf, type Deployment } from "./types.ts";

/** NewRSNewReplicas: how big the new RS may be now (surge-bounded for RollingUpdate, full for Recreate). */
export function newRSNewReplicas(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const desired = desiredReplicas(d);
  if ((d.spec.strategy?.type ?? "RollingUpdate") !== "RollingUpdate") return desired;
  const current = specReplicas(allRSs);
  const maxTotal = desired + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const scaleUp = Math.min(maxTotal - current, desired - replicasOf(newRS));
  return replicasOf(newRS) + scaleUp;
}

export async function getNewReplicaSet(sc: DeploymentSync, rsList: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[], createIfMissing: boolean): Promise<ReplicaSet | undefined> {
  const existing = findNewReplicaSet(sc.d, rsList);
  const newRevision = maxRevision(oldRSs) + 1;
  if (existing) {
    const copy = structuredClone(existing) as ReplicaSet;
    const annotationsUpdated = setNewReplicaSetAnnotations(sc.d, copy, newRevision, true);
    const minReadyNeedsUpdate = (copy.spec?.minReadySeconds ?? 0) !== (sc.d.spec.minReadySeconds ?? 0);
    if (annotationsUpdated || minReadyNeedsUpdate) {
      copy.spec = { ...copy.spec, minReadySeconds: sc.d.spec.minReadySeconds ?? 0 };
      return sc.updateReplicaSet(copy);
    }
    sc.d = structuredClone(sc.d);
    let needsUpdate = setDeploymentRevision(sc.d, copy.metadata.annotations?.[REVISION_ANNOTATION] ?? "");
    if (hasProgressDeadline(sc.d) && !getCondition(sc.d.status, PROGRESSING)) {
      sc.d.status ??= {};
      setCondition(sc.d.status, newCondition(PROGRESSING, "True", Reasons.FoundNewReplicaSet, `Found new replica set "${copy.metadata.name}"`, sc.now()));
      needsUpdate = true;
    }
    if (needsUpdate) await sc.updateStatus();
    return copy;
  }
  if (!createIfMissing) return undefined;

  const d = sc.d;
  const template = structuredClone(d.spec.template ?? {});
  const hash = computeHash(template, d.status?.collisionCount);
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
  const selector = structuredClone(d.spec.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const newRS: ReplicaSet = {
    apiVersion: "apps/v1", kind: "ReplicaSet",
    metadata: {
      name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace,
      ownerReferences: [newControllerRef(d, "apps/v1", "Deployment")],
      labels: { ...template.metadata.labels },
    },
    spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
  };
  const count = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
  newRS.spec!.replicas = count;
  setNewReplicaSetAnnotations(d, newRS, newRevision, false);

  let created: ReplicaSet;
  let alreadyExists = false;
  try {
    created = await sc.ctx.client.create<ReplicaSet>({ ...builtinResources.replicaSets, namespace: d.metadata.namespace }, newRS, { signal: sc.ctx.signal });
  } catch (err) {
    if (isAlreadyExists(err)) {
      const rs = await sc.ctx.client.get<ReplicaSet>({ ...builtinResources.replicaSets, namespace: d.metadata.namespace, name: newRS.metadata.name! }, { signal: sc.ctx.signal });
      if (controllerOf(rs)?.uid === d.metadata.uid && equalIgnoreHash(d.spec.template, rs.spec?.template)) {
        created = rs;
        alreadyExists = true;
      } else {
        // A hash collision: bump collisionCount so the next sync computes another name.
        sc.d = structuredClone(sc.d);
        sc.d.status = { ...(sc.d.status ?? {}), collisionCount: (sc.d.status?.collisionCount ?? 0) + 1 };
        await sc.updateStatus();
        throw err;
      }
    } else if (hasStatusCause(err, "NamespaceTerminating")) {
      throw err;
    } else {
      const msg = `Failed to create new replica set "${newRS.metadata.name}": ${err instanceof Error ? err.message : String(err)}`;
      if (hasProgressDeadline(d)) {
        sc.d = structuredClone(sc.d);
        sc.d.status ??= {};
        setCondition(sc.d.status, newCondition(PROGRESSING, "False", Reasons.FailedReplicaSetCreate, msg, sc.now()));
        await sc.updateStatus().catch(() => {});
      }
      sc.event("Warning", Reasons.FailedReplicaSetCreate, msg);
      throw err;
    }
  }
  if (!alreadyExists && count > 0) sc.event("Normal", "ScalingReplicaSet", `Scaled up replica set ${created.metadata.name} from 0 to ${count}`);
  sc.d = structuredClone(sc.d);
  let needsUpdate = setDeploymentRevision(sc.d, String(newRevision));
  if (!alreadyExists && hasProgressDeadline(sc.d)) {
    sc.d.status ??= {};
    setCondition(sc.d.status, newCondition(PROGRESSING, "True", Reasons.NewReplicaSetCreated, `Created new replica set "${created.metadata.name}"`, sc.now()));
    needsUpdate = true;
  }
  if (needsUpdate) await sc.updateStatus();
  return created;
}
