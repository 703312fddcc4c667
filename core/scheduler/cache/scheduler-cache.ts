/**
 * The scheduler's view of the cluster (upstream internal/cache): NodeInfos built from the node and
 * pod informers, plus "assumed" pods — pods the scheduler chose a node for whose binding is not yet
 * visible in the informer. An assumed pod counts on its node at once, so the next cycle sees the
 * room taken; it is confirmed when the informer shows it bound, or forgotten if binding fails (or
 * expires after `assumeTtlMs` once binding finished without the informer catching up).
 *
 * Scheduling cycles run synchronously in one event-loop turn, so the live NodeInfos are the
 * cycle's snapshot; anything that awaits (preemption) clones what it changes.
 */
import type { Node, NodeInfo, NodeInfoLister, Pod, PodInfo } from "@lite/sdk";
import type { QuantityCache } from "../helpers/quantities.ts";
import { computePodInfo } from "../helpers/pod-resources.ts";
import { NodeInfoImpl } from "./node-info.ts";

interface PodState { nodeName: string; info: PodInfo; assumed: boolean; deadline?: number }

const keyOf = (p: Pod) => p.metadata.uid ?? `${p.metadata.namespace}/${p.metadata.name}`;

export class SchedulerCache implements NodeInfoLister {
  private nodes = new Map<string, NodeInfoImpl>();
  private pods = new Map<string, PodState>();
  private listCache: NodeInfoImpl[] | undefined;

  constructor(private readonly q: QuantityCache, private readonly now: () => number, private readonly assumeTtlMs = 30_000) {}

  private infos = new WeakMap<Pod, PodInfo>();
  /** Memoised per pod object (cached objects are immutable). */
  podInfo(pod: Pod): PodInfo {
    let pi = this.infos.get(pod);
    if (!pi) { pi = computePodInfo(pod, this.q); this.infos.set(pod, pi); }
    return pi;
  }

  // --- informer events -------------------------------------------------------------------------
  upsertNode(node: Node): void {
    const name = node.metadata.name!;
    const ni = this.nodes.get(name);
    if (ni) ni.setNode(node);
    else {
      // Pods may have been seen before their node (NodeInfo without node keeps their accounting).
      this.nodes.set(name, new NodeInfoImpl(node, this.q));
      this.listCache = undefined;
      for (const st of this.pods.values()) if (st.nodeName === name) this.nodes.get(name)!.addPod(st.info);
    }
  }

  removeNode(name: string): void {
    if (this.nodes.delete(name)) this.listCache = undefined;
  }

  /** A pod from the informer: tracked when bound (spec.nodeName set) and not terminated. */
  upsertPod(pod: Pod): void {
    const key = keyOf(pod);
    const nodeName = pod.spec.nodeName;
    const terminal = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
    const st = this.pods.get(key);
    if (terminal) { if (st) this.removePod(pod); return; }
    if (!nodeName) { if (st && !st.assumed) this.removePod(pod); return; }
    if (st) {
      if (st.nodeName === nodeName && st.info.pod === pod) return;
      this.nodes.get(st.nodeName)?.removePod(st.info.pod);
    }
    const info = this.podInfo(pod);
    this.pods.set(key, { nodeName, info, assumed: false });
    this.nodes.get(nodeName)?.addPod(info);
  }

  removePod(pod: Pod): void {
    const key = keyOf(pod);
    const st = this.pods.get(key);
    if (!st) return;
    this.pods.delete(key);
    this.nodes.get(st.nodeName)?.removePod(st.info.pod);
  }

  // --- assume / forget ---------------------------------------------------------------------------
  /** Counts `pod` on `nodeName` before the binding is visible. */
  assume(pod: Pod, nodeName: string, info = this.podInfo(pod)): void {
    const bound: Pod = { ...pod, spec: { ...pod.spec, nodeName } };
    const bi: PodInfo = { ...info, pod: bound };
    const key = keyOf(pod);
    const prior = this.pods.get(key);
    if (prior) this.nodes.get(prior.nodeName)?.removePod(prior.info.pod);
    this.pods.set(key, { nodeName, info: bi, assumed: true });
    this.nodes.get(nodeName)?.addPod(bi);
  }

  /** Binding finished: the assumption expires if the informer has not confirmed it within the TTL. */
  finishBinding(pod: Pod): void {
    const st = this.pods.get(keyOf(pod));
    if (st?.assumed) st.deadline = this.now() + this.assumeTtlMs;
  }

  /** Binding failed: the pod no longer counts on the node. */
  forget(pod: Pod): void {
    const st = this.pods.get(keyOf(pod));
    if (st?.assumed) this.removePod(st.info.pod);
  }

  isAssumed(pod: Pod): boolean { return this.pods.get(keyOf(pod))?.assumed ?? false; }

  /** Drops assumed pods whose binding finished long ago without confirmation. */
  cleanupExpired(): void {
    const now = this.now();
    for (const st of [...this.pods.values()]) if (st.assumed && st.deadline !== undefined && st.deadline < now) this.removePod(st.info.pod);
  }

  // --- NodeInfoLister ------------------------------------------------------------------------------
  list(): readonly NodeInfo[] {
    return (this.listCache ??= [...this.nodes.values()]);
  }
  get(name: string): NodeInfoImpl | undefined { return this.nodes.get(name); }
  havePodsWithAffinity(): readonly NodeInfo[] { return this.list().filter((n) => n.podsWithAffinity.length > 0); }
  havePodsWithRequiredAntiAffinity(): readonly NodeInfo[] { return this.list().filter((n) => n.podsWithRequiredAntiAffinity.length > 0); }
  numNodes(): number { return this.nodes.size; }
}
