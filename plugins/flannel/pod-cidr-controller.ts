/**
 * The server half's controller (upstream nodeipam range allocator, which K3s runs for flannel):
 * every Node without a pod CIDR gets the next free subnet of the cluster CIDR in spec.podCIDR and
 * spec.podCIDRs. Assignments never change; the subnets in use are read from the Node cache, so a
 * deleted Node's subnet is free again and a restart loses nothing. When none is left the Node gets
 * upstream's `CIDRNotAvailable` Event and the plugin reports Degraded until one frees up.
 */
import { builtinResources, defineController, isNotFound, objectKey, type ControllerDefinition, type KubeObject, type Logger, type StatusReporter } from "@lite/sdk";
import { CIDR_EXHAUSTED, type SubnetAllocator } from "./subnet-allocator.ts";

interface Node extends KubeObject {
  spec?: { podCIDR?: string; podCIDRs?: string[]; [field: string]: unknown };
}

export interface PodCidrControllerOptions {
  allocator: SubnetAllocator;
  status: StatusReporter;
  log: Logger;
  /** How often a Node waiting for a subnet is retried even if no Node goes away (default 60 s). */
  retryMs?: number;
}

const cidrsOf = (node: Node): string[] => node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];

export function podCidrController(o: PodCidrControllerOptions): ControllerDefinition {
  /** Assigned by us but not yet seen in the cache. */
  const pending = new Map<string, string>();
  /** Nodes that found no free subnet. */
  const waiting = new Set<string>();
  /** Nodes whose assignment could not be written, with the API's error. */
  const failing = new Map<string, string>();
  let lastReport = "";

  const report = (assigned: number) => {
    const summary = `/${o.allocator.maskSize} pod CIDRs from ${o.allocator.clusterCIDR}: ${assigned} of ${o.allocator.capacity} assigned`;
    const waitingList = [...waiting].sort();
    const health = waiting.size
      ? { state: "Degraded" as const, message: `${CIDR_EXHAUSTED} (${summary}); nodes waiting: ${waitingList.join(", ")}` }
      : failing.size
        ? { state: "Degraded" as const, message: `cannot assign pod CIDRs (${summary}): ${[...failing].map(([n, e]) => `${n}: ${e}`).join("; ")}` }
        : { state: "Running" as const, message: summary };
    if (`${health.state} ${health.message}` === lastReport) return;
    lastReport = `${health.state} ${health.message}`;
    o.status.report({ ...health, details: { clusterCIDR: o.allocator.clusterCIDR, nodeCIDRMaskSize: o.allocator.maskSize, assigned, waiting: waitingList } });
  };
  const assignedIn = (nodes: readonly Node[]) => nodes.filter((n) => cidrsOf(n).length > 0 || pending.has(n.metadata.name ?? "")).length;

  return defineController({
    name: "flannel-pod-cidr",
    // Only a deleted Node frees a subnet (an assignment never changes), so only a deletion retries
    // the waiting ones; with every Node update retrying them, N nodes waiting cost O(N) reconciles
    // (and Events) per status update of any Node.
    watches: [
      { target: builtinResources.nodes, events: ["add", "update"] },
      { target: builtinResources.nodes, events: ["delete"], map: (node: Node) => [objectKey(node), ...waiting] },
    ],
    async reconcile(name, ctx) {
      const informer = ctx.informer<Node>(builtinResources.nodes);
      const node = informer.get(name);
      if (!node || cidrsOf(node).length > 0 || pending.has(name)) {
        if (!node || cidrsOf(node).length > 0) pending.delete(name);
        waiting.delete(name);
        failing.delete(name);
        report(assignedIn(informer.list()));
        return;
      }
      const used = [
        ...informer.list().filter((n) => n.metadata.name !== name).flatMap(cidrsOf),
        ...[...pending].filter(([n]) => n !== name).map(([, cidr]) => cidr),
      ];
      const cidr = o.allocator.next(used);
      if (!cidr) {
        waiting.add(name);
        report(assignedIn(informer.list()));
        ctx.events.event({ ...node, apiVersion: "v1", kind: "Node" }, "Normal", "CIDRNotAvailable", `Node ${name} status is now: CIDRNotAvailable`);
        return { requeueAfterMs: o.retryMs ?? 60_000 };
      }
      waiting.delete(name);
      try {
        await ctx.client.patch({ ...builtinResources.nodes, name }, "merge", { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, { signal: ctx.signal });
      } catch (err) {
        if (isNotFound(err)) return; // deleted meanwhile: its delete event comes next
        failing.set(name, (err as Error).message);
        report(assignedIn(informer.list()));
        throw err; // retried with back-off
      }
      o.allocator.commit(cidr);
      pending.set(name, cidr);
      failing.delete(name);
      o.log.info("assigned pod CIDR", { node: name, podCIDR: cidr });
      report(assignedIn(informer.list()));
    },
  });
}
