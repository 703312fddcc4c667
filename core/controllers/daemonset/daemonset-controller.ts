/**
 * The DaemonSet controller (upstream pkg/controller/daemon): one pod per eligible node (nodeSelector,
 * required node affinity, taints against tolerations including the default DaemonSet ones), each
 * pinned by node affinity `metadata.name In [node]` and bound by the default scheduler; pods leave
 * nodes that stop matching or gain an untolerated NoExecute taint; failed pods are replaced;
 * RollingUpdate (maxUnavailable/maxSurge) or OnDelete across ControllerRevisions; status counts.
 */
import { builtinResources, defineController, isNotFound, type ControllerDefinition, type ReconcileContext, type SharedInformerFactory } from "@lite/sdk";
import { CONTROLLER_REVISION_HASH_LABEL, CONTROLLER_REVISIONS, ensureUpdateRevision, truncateHistory, type ControllerRevision } from "../controller-revision/controller-revision.ts";
import { createExpectations } from "../workload-pods/expectations.ts";
import { claimObjects, controllerRefOf, controllerRefTo, ownerKeyOf } from "../workload-pods/owner.ts";
import { availableAt, isPodAvailable, isPodReady } from "../workload-pods/pod-state.ts";
import { selectorMatcher } from "../workload-pods/selector.ts";
import { semanticEqual } from "../workload-pods/semantic-equal.ts";
import type { Pod } from "../workload-pods/types.ts";
import { daemonPodTemplate, newDaemonPod, targetNodeOf } from "./daemon-pod.ts";
import { nodeEligibility } from "./node-eligibility.ts";
import { planRollingUpdate, type NodePods } from "./rolling-update.ts";
import { DAEMONSET_API_VERSION, DAEMONSET_KIND, type DaemonSet, type Node } from "./types.ts";

export interface DaemonSetControllerOptions {
  /** Current time in ms (tests inject a fake clock). */
  now?: () => number;
  workers?: number;
}

const { pods: PODS, daemonSets: SETS, nodes: NODES } = builtinResources;

export function daemonSetController(options: DaemonSetControllerOptions = {}): ControllerDefinition {
  const now = options.now ?? (() => Date.now());
  const expectations = createExpectations(now);
  let informers: SharedInformerFactory | undefined;
  const allSets = (): string[] => (informers ? informers.informerFor<DaemonSet>(SETS).list().map((d) => `${d.metadata.namespace}/${d.metadata.name}`) : []);
  return defineController({
    name: "daemonset",
    workers: options.workers ?? 2,
    watches: [
      { target: SETS },
      {
        target: PODS,
        map: (pod) => {
          const owners = ownerKeyOf(pod, DAEMONSET_KIND);
          if (owners.length || controllerRefOf(pod) || !informers) return owners;
          return informers.informerFor<DaemonSet>(SETS).list(pod.metadata.namespace)
            .filter((d) => selectorMatcher(d.spec?.selector)(pod.metadata.labels)).map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
        },
      },
      { target: NODES, map: () => allSets() },
      { target: CONTROLLER_REVISIONS, map: (rev) => ownerKeyOf(rev, DAEMONSET_KIND) },
    ],
    async reconcile(key, ctx) {
      informers = ctx.informers;
      const ds = ctx.informer<DaemonSet>(SETS).get(key);
      if (!ds) { expectations.forget(key); return; }
      if (ds.metadata.deletionTimestamp) return;
      return syncDaemonSet(ds, key, ctx);
    },
  });

  async function syncDaemonSet(ds: DaemonSet, key: string, ctx: ReconcileContext): Promise<{ requeueAfterMs: number } | void> {
    const ns = ds.metadata.namespace ?? "";
    const nowMs = now();
    const matches = selectorMatcher(ds.spec?.selector);
    const ownerRef = controllerRefTo(ds, DAEMONSET_API_VERSION, DAEMONSET_KIND);
    const podInformer = ctx.informer<Pod>(PODS);
    const claimOpts = { client: ctx.client, owner: ds, ownerRef, signal: ctx.signal };
    const pods = await claimObjects<Pod>({ ...claimOpts, resource: PODS, candidates: podInformer.list(ns), matches: (p) => matches(p.metadata.labels) });
    const owned = await claimObjects<ControllerRevision>({
      ...claimOpts, resource: CONTROLLER_REVISIONS, candidates: ctx.informer<ControllerRevision>(CONTROLLER_REVISIONS).list(ns), matches: (r) => matches(r.metadata.labels),
    });
    const { update, revisions } = await ensureUpdateRevision({ ...claimOpts, revisions: owned, template: ds.spec?.template, labels: ds.spec?.template?.metadata?.labels ?? {} });
    const hash = update.metadata.labels?.["controller.kubernetes.io/hash"] ?? "";
    const isNew = (p: Pod) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
    const template = daemonPodTemplate(ds);
    const probe: Pod = { metadata: { ...(template.metadata ?? {}) }, spec: template.spec };
    const minReady = ds.spec?.minReadySeconds ?? 0;

    const nodes = ctx.informer<Node>(NODES).list();
    const byNode = new Map<string, Pod[]>();
    for (const p of pods) {
      const n = targetNodeOf(p);
      if (n === undefined) continue;
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }

    const creates: string[] = [];
    const deletes: Pod[] = [];
    const running: NodePods[] = [];
    let desired = 0, scheduled = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
    for (const node of nodes) {
      const name = node.metadata.name ?? "";
      const all = byNode.get(name) ?? [];
      const live = all.filter((p) => !p.metadata.deletionTimestamp);
      byNode.delete(name);
      const { shouldRun, shouldContinueRunning } = nodeEligibility(probe, node);
      if (shouldRun) {
        desired++;
        if (all.length) scheduled++;
        if (all.some(isNew)) updated++;
        if (live.some(isPodReady)) ready++;
        if (live.some((p) => isPodAvailable(p, minReady, nowMs))) available++;
      } else if (all.length) {
        misscheduled++;
      }
      if (!shouldContinueRunning || (!shouldRun && !live.length)) { deletes.push(...live); continue; }
      const failed = live.filter((p) => p.status?.phase === "Failed");
      for (const p of failed) ctx.events.event(ds, "Warning", "FailedDaemonPod", `Found failed daemon pod ${ns}/${p.metadata.name} on node ${name}, will try to kill it`);
      deletes.push(...failed);
      const healthy = live.filter((p) => p.status?.phase !== "Failed");
      if (!healthy.length) {
        if (shouldRun) { creates.push(name); running.push({ node: name, pods: [] }); }
        continue;
      }
      // Duplicates: keep the oldest of each revision (a surge keeps one old and one new).
      for (const group of [healthy.filter(isNew), healthy.filter((p) => !isNew(p))]) {
        deletes.push(...[...group].sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "")).slice(1));
      }
      if (shouldRun || shouldContinueRunning) running.push({ node: name, pods: healthy.filter((p) => !deletes.includes(p)) });
    }
    // Pods for nodes that no longer exist.
    for (const orphaned of byNode.values()) deletes.push(...orphaned.filter((p) => !p.metadata.deletionTimestamp && !p.spec?.nodeName));

    if (expectations.satisfied(key, (name) => podInformer.get(ns, name))) {
      if (ds.spec?.updateStrategy?.type !== "OnDelete") {
        const ru = ds.spec?.updateStrategy?.rollingUpdate;
        const plan = planRollingUpdate(running, isNew, ru?.maxSurge, ru?.maxUnavailable, minReady, nowMs);
        for (const p of plan.deletions) if (!deletes.includes(p)) deletes.push(p);
        creates.push(...plan.surgeNodes);
      }
      await Promise.all([
        ...creates.map((node) => createPod(ctx, ds, key, template, node, hash)),
        ...deletes.map((p) => deletePod(ctx, ds, key, p)),
      ]);
    }

    const status: DaemonSet["status"] = {
      ...(ds.status ?? {}),
      currentNumberScheduled: scheduled, numberMisscheduled: misscheduled, desiredNumberScheduled: desired, numberReady: ready,
      observedGeneration: ds.metadata.generation, updatedNumberScheduled: updated, numberAvailable: available,
      numberUnavailable: Math.max(0, desired - available), collisionCount: ds.status?.collisionCount ?? 0,
    };
    if (!semanticEqual(status, ds.status)) await ctx.client.updateStatus<DaemonSet>(SETS, { ...ds, status }, { signal: ctx.signal });
    const live = new Set([update.metadata.name ?? "", ...pods.map((p) => `${ds.metadata.name}-${p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? ""}`)]);
    await truncateHistory(ctx.client, revisions, live, ds.spec?.revisionHistoryLimit ?? 10, ctx.signal);
    const waits = pods.map((p) => availableAt(p, minReady)).filter((t): t is number => t !== undefined && t > nowMs);
    if (waits.length) return { requeueAfterMs: Math.min(...waits) - nowMs + 1 };
  }

  async function createPod(ctx: ReconcileContext, ds: DaemonSet, key: string, template: ReturnType<typeof daemonPodTemplate>, node: string, hash: string): Promise<void> {
    try {
      const pod = await ctx.client.create<Pod>({ ...PODS, namespace: ds.metadata.namespace }, newDaemonPod(ds, template, node, hash, controllerRefTo(ds, DAEMONSET_API_VERSION, DAEMONSET_KIND)), { signal: ctx.signal });
      expectations.expectCreated(key, pod.metadata.name ?? "");
      ctx.events.event(ds, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
    } catch (err) {
      if (isNotFound(err)) return;
      ctx.events.event(ds, "Warning", "FailedCreate", `Error creating: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  async function deletePod(ctx: ReconcileContext, ds: DaemonSet, key: string, p: Pod): Promise<void> {
    try {
      await ctx.client.delete({ ...PODS, namespace: p.metadata.namespace, name: p.metadata.name ?? "" }, { preconditions: { uid: p.metadata.uid }, signal: ctx.signal });
      expectations.expectDeleted(key, p.metadata.name ?? "");
      ctx.events.event(ds, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
