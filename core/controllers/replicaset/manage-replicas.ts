/**
 * manageReplicas (upstream replica_set.go): creates or deletes pods so the owner has
 * `spec.replicas` active pods. At most BURST_REPLICAS per sync; creates run in slow-start batches;
 * deletes pick pods by the deletion ranking. Each write records an Event on the owner
 * (SuccessfulCreate/FailedCreate/SuccessfulDelete/FailedDelete) and an expectation.
 * Throws the first failure (after recording what succeeded); NamespaceTerminating create errors are ignored.
 */
import { builtinResources, hasStatusCause, isNotFound, type KubeObject, type ReconcileContext } from "@lite/sdk";
import { newControllerRef } from "./controller-ref.ts";
import type { PodExpectations } from "./expectations.ts";
import { podsToDelete } from "./pod-ranking.ts";
import type { ReplicaKind } from "./replica-kind.ts";
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from "./slow-start.ts";
import type { Pod, PodTemplateSpec, ReplicaSet } from "./types.ts";

export const BURST_REPLICAS = 500;

/** The pod a template stamps out for `owner` (controller.GetPodFromTemplate): generateName `<owner>-`. */
export function podFromTemplate(template: PodTemplateSpec | undefined, owner: KubeObject, kind: ReplicaKind): Pod {
  const meta = template?.metadata ?? {};
  const pod: Pod = {
    apiVersion: "v1", kind: "Pod",
    metadata: {
      generateName: `${owner.metadata.name}-`,
      namespace: owner.metadata.namespace,
      labels: { ...(meta.labels ?? {}) },
      ownerReferences: [newControllerRef(owner, kind.apiVersion, kind.kind)],
    },
    spec: structuredClone(template?.spec ?? {}) as Pod["spec"],
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface ManageReplicasInput {
  ctx: ReconcileContext;
  kind: ReplicaKind;
  /** The owner with its API identity (apiVersion/kind set, for Events). */
  rs: ReplicaSet;
  key: string;
  /** Active pods the owner controls. */
  pods: readonly Pod[];
  /** Active pods of the owner and of its siblings (same controller), for the same-node ranking. */
  related: readonly Pod[];
  expectations: PodExpectations;
  now: number;
}

export async function manageReplicas(input: ManageReplicasInput): Promise<void> {
  const { ctx, kind, rs, key, pods, expectations } = input;
  const namespace = rs.metadata.namespace ?? "";
  const podsTarget = { ...builtinResources.pods, namespace };
  let diff = pods.length - (rs.spec?.replicas ?? 1);
  if (diff < 0) {
    diff = Math.min(-diff, BURST_REPLICAS);
    if (!Object.keys(rs.spec?.template?.metadata?.labels ?? {}).length) throw new Error("unable to create pods, no labels");
    const { error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, async () => {
      try {
        const created = await ctx.client.create<Pod>(podsTarget, podFromTemplate(rs.spec?.template, rs, kind), { signal: ctx.signal });
        expectations.created(key, created);
        ctx.events.event(rs, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`);
      } catch (err) {
        if (hasStatusCause(err, "NamespaceTerminating")) return;
        ctx.events.event(rs, "Warning", "FailedCreate", `Error creating: ${message(err)}`);
        throw err;
      }
    });
    if (error) throw error;
    return;
  }
  if (diff > 0) {
    diff = Math.min(diff, BURST_REPLICAS);
    const victims = podsToDelete(pods, input.related, diff, input.now);
    for (const p of victims) expectations.deleting(key, p);
    const results = await Promise.allSettled(victims.map(async (p) => {
      try {
        await ctx.client.delete({ ...podsTarget, name: p.metadata.name ?? "" }, { signal: ctx.signal });
        ctx.events.event(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        expectations.deleteFailed(key, p);
        if (isNotFound(err)) return;
        ctx.events.event(rs, "Warning", "FailedDelete", `Error deleting: ${message(err)}`);
        throw err;
      }
    }));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
