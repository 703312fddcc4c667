/**
 * The pod garbage collector (upstream pkg/controller/podgc), one pass every 20 s. It force-deletes
 * (grace period 0):
 * - the oldest terminated (Succeeded/Failed) pods beyond --terminated-pod-gc-threshold (12,500),
 *   evicted pods first;
 * - terminating pods on nodes that are not Ready and carry the `node.kubernetes.io/out-of-service`
 *   taint;
 * - orphans: pods bound to a node that is missing from the informer for the 40 s quarantine and
 *   then confirmed missing with a live read (a node the informer has not seen yet is not gone);
 * - terminating pods that were never scheduled.
 * A pod not yet in a terminal phase is first marked Failed (orphans also get the DisruptionTarget
 * condition, reason DeletionByPodGC), so watchers and the Job controller see it fail, as upstream.
 */
import { builtinResources, defineController, isNotFound, type ControllerDefinition, type KubeObject } from "@lite/sdk";
import { formatTime } from "../../kube-time.ts";

interface PodCondition { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }
type Pod = KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string; reason?: string; conditions?: PodCondition[] } };
type Node = KubeObject & { spec?: { taints?: { key: string }[] }; status?: { conditions?: { type: string; status: string }[] } };

export const GC_KEY = "~pods";
const OUT_OF_SERVICE_TAINT = "node.kubernetes.io/out-of-service";

export interface PodGCOptions {
  terminatedPodThreshold?: number;
  periodMs?: number;
  /** How long a node must be absent from the informer before a live read may confirm it gone (upstream 40 s). */
  quarantineMs?: number;
  /** Current time in ms (tests inject a fake clock). */
  now?: () => number;
}

const isTerminal = (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
const isEvicted = (p: Pod) => p.status?.phase === "Failed" && p.status.reason === "Evicted";
const isReady = (n: Node) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/** Upstream byEvictionAndCreationTimestamp: evicted pods first, then oldest, then by name. */
export function byEvictionAndCreation(a: Pod, b: Pod): number {
  if (isEvicted(a) !== isEvicted(b)) return isEvicted(a) ? -1 : 1;
  const ta = a.metadata.creationTimestamp ?? "";
  const tb = b.metadata.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1;
}

export function podGCController(options: PodGCOptions = {}): ControllerDefinition {
  const threshold = options.terminatedPodThreshold ?? 12_500;
  const period = options.periodMs ?? 20_000;
  const quarantine = options.quarantineMs ?? 40_000;
  const now = options.now ?? (() => Date.now());
  /** Node names seen missing from the informer, with when they were first seen missing. */
  const suspects = new Map<string, number>();
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
      const nodes = ctx.informer<Node>(builtinResources.nodes);
      const markFailedAndDelete = async (pod: Pod, why: string, condition?: PodCondition) => {
        const ref = { ...builtinResources.pods, namespace: pod.metadata.namespace, name: pod.metadata.name! };
        ctx.log.info("PodGC is force deleting Pod", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, reason: why });
        try {
          if (!isTerminal(pod)) {
            const status = { phase: "Failed", ...(condition ? { conditions: [condition] } : {}) };
            await ctx.client.patch(ref, "strategic", { metadata: { uid: pod.metadata.uid }, status }, { subresource: "status", signal: ctx.signal });
          }
          await ctx.client.delete(ref, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid }, signal: ctx.signal });
        } catch (err) {
          if (!isNotFound(err)) ctx.log.warn("pod GC could not delete a pod", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, error: String(err) });
        }
      };

      // Terminated pods beyond the threshold: evicted first, then oldest.
      const terminated = pods.filter(isTerminal);
      if (threshold > 0 && terminated.length > threshold) {
        terminated.sort(byEvictionAndCreation);
        for (const p of terminated.slice(0, terminated.length - threshold)) await markFailedAndDelete(p, "terminated pods over threshold");
      }

      // Terminating pods on out-of-service nodes that are not Ready.
      const outOfService = pods.filter((p) => {
        if (!p.metadata.deletionTimestamp || !p.spec?.nodeName) return false;
        const node = nodes.get(p.spec.nodeName);
        return node !== undefined && !isReady(node) && (node.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT);
      }).sort(byEvictionAndCreation);
      for (const p of outOfService) await markFailedAndDelete(p, `terminating on out-of-service node ${p.spec!.nodeName}`);

      // Orphans: quarantine nodes missing from the informer, then confirm with a live read.
      const at = now();
      const missingNow = new Set<string>();
      for (const p of pods) {
        const node = p.spec?.nodeName;
        if (node && !nodes.get(node)) missingNow.add(node);
      }
      for (const node of suspects.keys()) if (!missingNow.has(node)) suspects.delete(node);
      for (const node of missingNow) if (!suspects.has(node)) suspects.set(node, at);
      const deleted = new Set<string>();
      for (const [node, since] of suspects) {
        if (at - since < quarantine) continue;
        suspects.delete(node); // seen again on the next pass if still needed
        try {
          await ctx.client.get({ ...builtinResources.nodes, name: node }, { signal: ctx.signal });
        } catch (err) {
          if (isNotFound(err)) deleted.add(node);
          else ctx.log.warn("pod GC could not read a node", { node, error: String(err) });
        }
      }
      for (const p of pods) {
        if (!p.spec?.nodeName || !deleted.has(p.spec.nodeName)) continue;
        await markFailedAndDelete(p, `node ${p.spec.nodeName} no longer exists`, {
          type: "DisruptionTarget", status: "True", reason: "DeletionByPodGC", message: "PodGC: node no longer exists",
          lastTransitionTime: formatTime(at),
        });
      }

      // Unscheduled pods being deleted.
      for (const p of pods) if (!p.spec?.nodeName && p.metadata.deletionTimestamp) await markFailedAndDelete(p, "unscheduled terminating pod");

      // The next pass: the period, or sooner when a quarantine ends.
      let next = period;
      for (const since of suspects.values()) next = Math.min(next, Math.max(0, since + quarantine - now()));
      return { requeueAfterMs: next };
    },
  });
}
