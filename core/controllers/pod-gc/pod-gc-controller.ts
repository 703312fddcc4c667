/**
 * The pod garbage collector (upstream pkg/controller/podgc), one pass every 20 s: force-deletes
 * pods bound to nodes that no longer exist (confirmed with a live read), terminating pods that
 * were never scheduled, and the oldest terminated (Succeeded/Failed) pods beyond the threshold
 * (--terminated-pod-gc-threshold, 12500).
 */
import { builtinResources, defineController, isNotFound, type ControllerDefinition, type KubeObject } from "@lite/sdk";

type Pod = KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string } };

export const GC_KEY = "~pods";

export interface PodGCOptions {
  terminatedPodThreshold?: number;
  periodMs?: number;
}

export function podGCController(options: PodGCOptions = {}): ControllerDefinition {
  const threshold = options.terminatedPodThreshold ?? 12_500;
  const period = options.periodMs ?? 20_000;
  return defineController({
    name: "pod-garbage-collector",
    watches: [
      // Passes are periodic; these only start the first one and react to node deletions.
      { target: builtinResources.pods, map: () => [], events: [] },
      { target: builtinResources.namespaces, map: () => [GC_KEY], events: ["add"] },
      { target: builtinResources.nodes, map: () => [GC_KEY], events: ["add", "delete"] },
    ],
    async reconcile(_key, ctx) {
      const pods = ctx.informer<Pod>(builtinResources.pods).list();
      const nodes = ctx.informer(builtinResources.nodes);
      const forceDelete = async (pod: Pod, why: string) => {
        ctx.log.info("deleting pod", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, reason: why });
        try {
          await ctx.client.delete({ ...builtinResources.pods, namespace: pod.metadata.namespace, name: pod.metadata.name! }, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid }, signal: ctx.signal });
        } catch (err) {
          if (!isNotFound(err)) ctx.log.warn("pod GC could not delete a pod", { error: String(err) });
        }
      };
      // Terminated pods beyond the threshold, oldest first.
      const terminated = pods.filter((p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed")
        .sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""));
      for (const p of terminated.slice(0, Math.max(0, terminated.length - threshold))) await forceDelete(p, "terminated pods over threshold");
      // Orphaned pods: their node is gone.
      const missing = new Set<string>();
      for (const p of pods) {
        const node = p.spec?.nodeName;
        if (!node || nodes.get(node) || missing.has(node)) continue;
        try {
          await ctx.client.get({ ...builtinResources.nodes, name: node }, { signal: ctx.signal });
        } catch (err) {
          if (isNotFound(err)) missing.add(node);
        }
      }
      for (const p of pods) if (p.spec?.nodeName && missing.has(p.spec.nodeName)) await forceDelete(p, `node ${p.spec.nodeName} no longer exists`);
      // Unscheduled pods being deleted.
      for (const p of pods) if (!p.spec?.nodeName && p.metadata.deletionTimestamp) await forceDelete(p, "unscheduled terminating pod");
      return { requeueAfterMs: period };
    },
  });
}
