/**
 * The node lifecycle controller (upstream pkg/controller/nodelifecycle with the taint-eviction
 * controller): a node whose kubelet has not renewed its Lease (kube-node-lease) or posted status
 * within the grace period (40 s) gets Unknown conditions ("Kubelet stopped posting node status."),
 * its pods' Ready condition set False, and the `node.kubernetes.io/unreachable` taints (NoSchedule
 * and NoExecute; `not-ready` for Ready=False); pods on a node with NoExecute taints are deleted
 * when no toleration covers a taint, or after the smallest matching tolerationSeconds.
 *
 * Keys are node names (node, Lease and taint changes: every pod on the node is checked) and
 * `namespace/name` pod keys (a pod added or changed: that pod alone is checked against its
 * node's taints), so that creating pods costs O(1) each, not O(pods on the node).
 */
import { builtinResources, defineController, isConflict, isNotFound, type ControllerDefinition, type KubeObject } from "@lite/sdk";
import { realClock, type Clock } from "../runtime/clock.ts";
import { conditionTaints, evictionTime, withConditionTaints, type Taint } from "./taints.ts";
import { formatTime } from "../../kube-time.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;
type Node = KubeObject & { spec?: { taints?: Taint[] }; status?: { conditions?: Json[] } };
type Pod = KubeObject & { spec?: Json; status?: Json };

const LEASES = { ...builtinResources.leases, namespace: "kube-node-lease" };
const POD_NODE_INDEX = "node-lifecycle-node";
const CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

export interface NodeLifecycleOptions {
  clock?: Clock;
  /** Upstream --node-monitor-grace-period (40 s). */
  gracePeriodMs?: number;
}

const parse = (s: unknown) => (typeof s === "string" ? Date.parse(s) || 0 : 0);

export function nodeLifecycleController(options: NodeLifecycleOptions = {}): ControllerDefinition {
  const clock = options.clock ?? realClock();
  const grace = options.gracePeriodMs ?? 40_000;
  return defineController({
    name: "node-lifecycle",
    workers: 3,
    watches: [
      { target: builtinResources.nodes },
      // Read, not reacted to (upstream reads its lease lister when it monitors node health): a renewal
      // changes nothing a reconcile would act on, only when the next check is due, and the check the
      // last reconcile scheduled (heartbeat + grace) re-reads the Lease and re-arms itself. 1,000
      // nodes renew 100 Leases a second; each used to cost a reconcile.
      { target: LEASES, map: () => [] },
      { target: builtinResources.pods, indexers: { [POD_NODE_INDEX]: (p: Pod) => (p.spec?.nodeName ? [p.spec.nodeName] : []) }, map: (p: Pod) => (p.spec?.nodeName ? [`${p.metadata.namespace}/${p.metadata.name}`] : []), events: ["add", "update"] },
    ],
    async reconcile(name, ctx) {
      /** Deletes a pod its node's NoExecute taints no longer allow, with upstream's DisruptionTarget condition first. */
      const evict = async (pod: Pod, now: number) => {
        ctx.events.event({ ...pod, apiVersion: "v1", kind: "Pod" }, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
        const ref = { ...builtinResources.pods, namespace: pod.metadata.namespace, name: pod.metadata.name! };
        try {
          // The condition lets the pod's controller (a Job's podFailurePolicy) tell this deletion from a failure.
          await ctx.client.patch(ref, "strategic", {
            metadata: { uid: pod.metadata.uid },
            status: { conditions: [{ type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint", lastTransitionTime: formatTime(now) }] },
          }, { subresource: "status", signal: ctx.signal });
          await ctx.client.delete(ref, { preconditions: { uid: pod.metadata.uid }, signal: ctx.signal });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      };

      if (name.includes("/")) {
        // One pod, added or changed: due for eviction from its node?
        const pod = ctx.informer<Pod>(builtinResources.pods).get(name);
        if (!pod || pod.metadata.deletionTimestamp || !pod.spec?.nodeName) return;
        const taints = ctx.informer<Node>(builtinResources.nodes).get(pod.spec.nodeName)?.spec?.taints ?? [];
        if (!taints.some((t) => t.effect === "NoExecute")) return;
        const now = clock.now();
        const at = evictionTime(pod, taints, now);
        if (at === undefined) return;
        if (at > now) return { requeueAfterMs: at - now };
        await evict(pod, now);
        return;
      }

      let node = ctx.informer<Node>(builtinResources.nodes).get(name);
      if (!node) return;
      const now = clock.now();
      const lease = ctx.informer(LEASES).get("kube-node-lease", name) as (KubeObject & { spec?: Json }) | undefined;
      const ready = (node.status?.conditions ?? []).find((c) => c.type === "Ready");
      const heartbeat = Math.max(parse(lease?.spec?.renewTime), parse(ready?.lastHeartbeatTime), parse(node.metadata.creationTimestamp));
      const podsOnNode = () => ctx.informer<Pod>(builtinResources.pods).byIndex(POD_NODE_INDEX, name);
      let next: number | undefined;

      // 1. Stale heartbeat: conditions Unknown, pods not ready.
      if (now - heartbeat > grace && ready?.status !== "Unknown") {
        const stamp = formatTime(now);
        const conditions = CONDITIONS.map((type) => {
          const c = (node!.status?.conditions ?? []).find((x) => x.type === type);
          return c
            ? { ...c, status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: stamp }
            : { type, status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status.", lastHeartbeatTime: node!.metadata.creationTimestamp, lastTransitionTime: stamp };
        });
        const others = (node.status?.conditions ?? []).filter((c) => !CONDITIONS.includes(c.type));
        try {
          node = await ctx.client.updateStatus<Node>(builtinResources.nodes, { ...node, status: { ...node.status, conditions: [...conditions, ...others] } }, { signal: ctx.signal });
        } catch (err) {
          if (isNotFound(err)) return;
          if (isConflict(err)) return { requeueAfterMs: 50 };
          throw err;
        }
        ctx.events.event({ ...node, apiVersion: "v1", kind: "Node" }, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
        for (const pod of podsOnNode()) {
          const conds: Json[] = pod.status?.conditions ?? [];
          if (!conds.some((c) => c.type === "Ready" && c.status !== "False")) continue;
          try {
            await ctx.client.patch({ ...builtinResources.pods, namespace: pod.metadata.namespace, name: pod.metadata.name! }, "merge", {
              status: { conditions: conds.map((c) => (c.type === "Ready" ? { ...c, status: "False", lastTransitionTime: stamp } : c)) },
            }, { subresource: "status", signal: ctx.signal });
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
          ctx.events.event({ ...pod, apiVersion: "v1", kind: "Pod" }, "Warning", "NodeNotReady", "Node is not ready");
        }
      } else if (now - heartbeat <= grace) {
        next = heartbeat + grace + 1;
      }

      // 2. Taints follow the Ready condition.
      const readyNow = (node.status?.conditions ?? []).find((c) => c.type === "Ready")?.status;
      const taints = withConditionTaints(node.spec?.taints ?? [], conditionTaints(readyNow), formatTime(now));
      if (JSON.stringify(taints) !== JSON.stringify(node.spec?.taints ?? [])) {
        try {
          node = await ctx.client.update<Node>(builtinResources.nodes, { ...node, spec: { ...node.spec, taints: taints.length ? taints : undefined } }, { signal: ctx.signal });
        } catch (err) {
          if (isNotFound(err)) return;
          if (isConflict(err)) return { requeueAfterMs: 50 };
          throw err;
        }
      }

      // 3. NoExecute taints evict pods past their tolerations.
      const noExecute = (node.spec?.taints ?? []).some((t) => t.effect === "NoExecute");
      for (const pod of noExecute ? podsOnNode() : []) {
        if (pod.metadata.deletionTimestamp) continue;
        const at = evictionTime(pod, node.spec?.taints ?? [], now);
        if (at === undefined) continue;
        if (at > now) { next = Math.min(next ?? at, at); continue; }
        await evict(pod, now);
      }
      return next !== undefined ? { requeueAfterMs: Math.max(0, next - now) } : undefined;
    },
  });
}
