/**
 * The disruption controller: keeps each PodDisruptionBudget's status (expectedPods,
 * desiredHealthy, currentHealthy, disruptionsAllowed, disruptedPods, the DisruptionAllowed
 * condition, observedGeneration) true to the pods it selects. The eviction subresource reads and
 * decrements this status; this controller forgets evictions that were not carried out in time.
 */
import { builtinResources, defineController, isConflict, isNotFound, type ApiClient, type ControllerDefinition, type Informer, type KubeObject, type OwnerReference, type ResourceRef } from "@lite/sdk";
import { labelSelectorFromObject } from "../../apiserver/machinery/label-selector.ts";
import type { Pod } from "../endpoints/pod-endpoints.ts";
import { realClock, type Clock } from "../runtime/clock.ts";
import { computeBudget, disruptionAllowedCondition, type Pdb } from "./budget.ts";
import { formatTime } from "../../kube-time.ts";

export const PDBS = { group: "policy", version: "v1", resource: "poddisruptionbudgets" } as const;

const SCALABLE: Record<string, { group: string; version: string; resource: string }> = {
  "apps/ReplicaSet": { group: "apps", version: "v1", resource: "replicasets" },
  "apps/Deployment": { group: "apps", version: "v1", resource: "deployments" },
  "apps/StatefulSet": { group: "apps", version: "v1", resource: "statefulsets" },
  "/ReplicationController": { group: "", version: "v1", resource: "replicationcontrollers" },
};

function selects(pdb: Pdb, pod: KubeObject): boolean {
  return labelSelectorFromObject(pdb.spec?.selector).matches(pod.metadata.labels ?? {});
}

/** Summed spec.replicas of the pods' controllers (a ReplicaSet owned by a Deployment counts as the Deployment). */
async function controllersScale(client: ApiClient, pods: readonly Pod[], signal: AbortSignal): Promise<number> {
  const seen = new Map<string, number>();
  for (const pod of pods) {
    let ref: OwnerReference | undefined = pod.metadata.ownerReferences?.find((r) => r.controller);
    if (!ref) { seen.set(`pod/${pod.metadata.uid}`, 1); continue; }
    for (let depth = 0; depth < 2 && ref; depth++) {
      const res: ResourceRef | undefined = SCALABLE[`${ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[0] : ""}/${ref.kind}`];
      if (!res) { seen.set(ref.uid, 1); break; }
      try {
        const owner: KubeObject & { spec?: { replicas?: number } } = await client.get<KubeObject & { spec?: { replicas?: number } }>({ ...res, namespace: pod.metadata.namespace, name: ref.name }, { signal });
        const up: OwnerReference | undefined = owner.metadata.ownerReferences?.find((r) => r.controller && r.kind === "Deployment");
        if (ref.kind === "ReplicaSet" && up) { ref = up; continue; }
        seen.set(owner.metadata.uid ?? ref.uid, owner.spec?.replicas ?? 1);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      break;
    }
  }
  let total = 0;
  for (const n of seen.values()) total += n;
  return total;
}

export interface DisruptionControllerOptions {
  clock?: Clock;
}

export function disruptionController(options: DisruptionControllerOptions = {}): ControllerDefinition {
  const clock = options.clock ?? realClock();
  let pdbs: Informer<Pdb> | undefined;
  return defineController({
    name: "disruption",
    workers: 3,
    watches: [
      { target: PDBS },
      // Pods map to the budgets selecting them once the first pass has bound the budget informer
      // (before that, every budget is queued by its own initial add).
      { target: builtinResources.pods, map: (p: KubeObject) => (pdbs?.list(p.metadata.namespace) ?? []).filter((b) => selects(b, p)).map((b) => `${b.metadata.namespace}/${b.metadata.name}`) },
    ],
    async reconcile(key, ctx) {
      pdbs ??= ctx.informer<Pdb>(PDBS);
      const [namespace, name] = key.split("/") as [string, string];
      const pdb = pdbs.get(namespace, name);
      if (!pdb || pdb.metadata.deletionTimestamp) return;
      const pods = ctx.informer<Pod>(builtinResources.pods).list(namespace).filter((p) => selects(pdb, p));
      if (pods.length === 0) ctx.events.event({ ...pdb, apiVersion: "policy/v1", kind: "PodDisruptionBudget" }, "Normal", "NoPods", "No matching pods found");
      const now = clock.now();
      const needsScale = pdb.spec?.maxUnavailable != null || /%$/.test(String(pdb.spec?.minAvailable ?? ""));
      const scale = needsScale ? await controllersScale(ctx.client, pods, ctx.signal) : 0;
      const b = computeBudget(pdb, pods, () => scale, now);
      const stamp = formatTime(now);
      const previous = (pdb.status?.conditions ?? []).find((c: { type: string }) => c.type === "DisruptionAllowed");
      const status = {
        observedGeneration: pdb.metadata.generation,
        disruptedPods: Object.keys(b.disruptedPods).length ? b.disruptedPods : undefined,
        disruptionsAllowed: b.disruptionsAllowed,
        currentHealthy: b.currentHealthy,
        desiredHealthy: b.desiredHealthy,
        expectedPods: b.expectedPods,
        conditions: [disruptionAllowedCondition(b.disruptionsAllowed, previous, stamp, pdb.metadata.generation)],
      };
      const requeue = b.nextExpiryMs !== undefined ? { requeueAfterMs: Math.max(0, b.nextExpiryMs - now) } : undefined;
      if (JSON.stringify(JSON.parse(JSON.stringify(status))) === JSON.stringify(pdb.status ?? {})) return requeue;
      try {
        await ctx.client.updateStatus(PDBS, { ...pdb, status }, { signal: ctx.signal });
      } catch (err) {
        if (isNotFound(err)) return;
        if (isConflict(err)) return { requeueAfterMs: 50 };
        throw err;
      }
      return requeue;
    },
  });
}
