/**
 * The scheduler (upstream pkg/scheduler): informers feed the cache and the queue; one loop pops
 * pods and runs a scheduling cycle (synchronous: PreFilter, Filter over a sample of nodes,
 * PostFilter on failure, PreScore, Score, pick, assume, Reserve, Permit), then a binding cycle
 * that runs concurrently (PreBind, Bind, PostBind) so the loop moves on at once. Failures update
 * the PodScheduled condition and record FailedScheduling; pods wait in the queue for back-off or
 * a cluster event. Pods naming another scheduler are ignored. `run` ends when its signal fires.
 */
import {
  builtinResources, createCycleState, isRejected, isSuccess, type ApiClient, type CycleState, type KubeObject, type Logger, type Node,
  type NodeInfo, type Pod, type PodInfo, type PluginStatus, type SchedulerPluginDefinition, type SchedulerPluginRegistration,
  type SharedInformerFactory,
} from "@lite/sdk";
import type { Clock } from "../controllers/runtime/clock.ts";
import { createEventRecorder } from "../controllers/runtime/event-recorder.ts";
import { SchedulerCache } from "./cache/scheduler-cache.ts";
import { FitError, NO_NODES_AVAILABLE, type Diagnosis } from "./framework/fit-error.ts";
import { Framework } from "./framework/framework.ts";
import { createHandle } from "./framework/handle.ts";
import { createQuantityCache } from "./helpers/quantities.ts";
import { defaultSchedulerPlugins } from "./plugins/index.ts";
import { podPriorityResolver } from "./priority.ts";
import { podKey, SchedulingQueue, type QueuedPod } from "./queue/scheduling-queue.ts";
import { formatTime } from "../kube-time.ts";

export const DEFAULT_SCHEDULER_NAME = "default-scheduler";

export interface ExtraPlugin { definition: SchedulerPluginDefinition<any>; registration?: SchedulerPluginRegistration<any> }

export interface SchedulerOptions {
  client: ApiClient;
  informers: SharedInformerFactory;
  clock: Clock;
  log: Logger;
  schedulerName?: string;
  /** Reporting instance of events. */
  host?: string;
  /** Plugins added to the default profile (third-party). */
  extraPlugins?: readonly ExtraPlugin[];
  /** Percentage of nodes to find feasible before scoring (0: upstream's adaptive default). */
  percentageOfNodesToScore?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface Scheduler {
  readonly framework: Framework;
  readonly queue: SchedulingQueue;
  readonly cache: SchedulerCache;
  addPlugin(extra: ExtraPlugin): void;
  /** Runs until `signal` fires; resolves after in-flight bindings ended. */
  run(signal: AbortSignal): Promise<void>;
}

const isTerminal = (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

export function createScheduler(o: SchedulerOptions): Scheduler {
  const schedulerName = o.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  const log = o.log.child({ component: "scheduler" });
  const stopping = new AbortController();
  const events = createEventRecorder({ client: o.client, component: schedulerName, host: o.host, clock: o.clock, log });
  const q = createQuantityCache();
  const cache = new SchedulerCache(q, () => o.clock.now());
  const classes = o.informers.informerFor<KubeObject & { value?: number; globalDefault?: boolean }>({ group: "scheduling.k8s.io", version: "v1", resource: "priorityclasses" });
  const podPriority = podPriorityResolver(classes);
  const framework = new Framework(schedulerName);
  const nominated = new Map<string, Map<string, Pod>>(); // node -> podKey -> pod
  const nominatedNodeOf = new Map<string, string>();
  const nominate = (pod: Pod, node: string | undefined) => {
    const key = podKey(pod);
    const prior = nominatedNodeOf.get(key);
    if (prior) { nominated.get(prior)?.delete(key); nominatedNodeOf.delete(key); }
    if (node) {
      let m = nominated.get(node);
      if (!m) nominated.set(node, (m = new Map()));
      m.set(key, pod);
      nominatedNodeOf.set(key, node);
    }
  };
  const handle = createHandle({
    client: o.client, informers: o.informers, events, log, signal: stopping.signal, cache, framework: () => framework, podPriority,
    nominatedPodsFor: (node) => [...(nominated.get(node)?.values() ?? [])].map((p) => cache.podInfo(p)),
  });
  const addPlugin = (extra: ExtraPlugin, beforeBinder = true) => {
    const plugin = extra.definition.create(handle, extra.registration?.args);
    framework.add(plugin, extra.registration?.weight ?? extra.definition.weight ?? 1, beforeBinder);
  };
  for (const def of defaultSchedulerPlugins()) addPlugin({ definition: def }, false);
  for (const extra of o.extraPlugins ?? []) addPlugin(extra);

  const queue = new SchedulingQueue({
    clock: o.clock, priorityOf: podPriority, pluginEvents: (p) => framework.events(p),
    initialBackoffMs: o.initialBackoffMs, maxBackoffMs: o.maxBackoffMs,
  });

  const responsible = (p: Pod) => (p.spec.schedulerName || DEFAULT_SCHEDULER_NAME) === schedulerName;
  const wantsScheduling = (p: Pod) => !p.spec.nodeName && !isTerminal(p) && !p.metadata.deletionTimestamp && responsible(p) && !(p.spec.schedulingGates?.length);

  // --- informers -> cache and queue --------------------------------------------------------------
  const pods = o.informers.informerFor<Pod>(builtinResources.pods);
  const nodes = o.informers.informerFor<Node>(builtinResources.nodes);
  const unsubscribe = [
    nodes.on({
      add: (n) => { cache.upsertNode(n); queue.moveOnEvent("Node", "Add"); },
      update: (a, n) => { cache.upsertNode(n); if (a.spec !== n.spec || a.metadata.labels !== n.metadata.labels || allocChanged(a, n)) queue.moveOnEvent("Node", "Update"); },
      delete: (n) => { cache.removeNode(n.metadata.name!); queue.moveOnEvent("Node", "Delete"); },
    }),
    pods.on({
      add: (p) => {
        if (p.spec.nodeName) { cache.upsertPod(p); queue.moveOnEvent("Pod", "Add"); }
        else if (wantsScheduling(p)) { queue.add(p); if (p.status?.nominatedNodeName) nominate(p, p.status.nominatedNodeName); }
      },
      update: (a, p) => {
        if (p.spec.nodeName) {
          if (!a.spec.nodeName) { queue.delete(p); nominate(p, undefined); }
          cache.upsertPod(p);
          if (isTerminal(p) && !isTerminal(a)) queue.moveOnEvent("Pod", "Delete");
          else if (a.metadata.labels !== p.metadata.labels) queue.moveOnEvent("Pod", "Update");
        } else if (wantsScheduling(p)) {
          queue.update(a, p);
          if (p.status?.nominatedNodeName) nominate(p, p.status.nominatedNodeName);
        } else { queue.delete(p); nominate(p, undefined); }
      },
      delete: (p) => {
        nominate(p, undefined);
        if (p.spec.nodeName || cache.isAssumed(p)) { cache.removePod(p); queue.moveOnEvent("Pod", "Delete"); }
        queue.delete(p);
      },
    }),
    classes.on({ add: () => queue.moveOnEvent("PriorityClass", "Add") }),
  ];

  // --- the scheduling cycle -------------------------------------------------------------------
  let nextStartNodeIndex = 0;
  const numFeasibleNodesToFind = (n: number): number => {
    if (n < 100) return n;
    let pct = o.percentageOfNodesToScore ?? 0;
    if (pct <= 0) pct = Math.max(5, 50 - Math.trunc(n / 125));
    return Math.max(100, Math.trunc((n * pct) / 100));
  };

  function filterWithNominated(state: CycleState, pod: Pod, ni: NodeInfo): PluginStatus {
    const prio = podPriority(pod);
    const others = nominated.get(ni.name);
    if (others && others.size) {
      const key = podKey(pod);
      const add = [...others.entries()].filter(([k, p]) => k !== key && podPriority(p) >= prio).map(([, p]) => cache.podInfo(p));
      if (add.length) {
        const clone = handle.cloneNodeInfo(ni);
        const st = state.clone();
        for (const pi of add) { clone.addPod(pi); framework.runPreFilterExtension("addPod", st, pod, pi, clone); }
        const s = framework.runFilter(st, pod, clone);
        if (!isSuccess(s)) return s;
      }
    }
    return framework.runFilter(state, pod, ni);
  }

  /** Returns the chosen node, or throws FitError / Error. */
  function schedulePod(state: CycleState, pod: Pod): { node: string; evaluated: number; feasible: number } {
    const all = cache.list();
    if (all.length === 0) throw new Error(NO_NODES_AVAILABLE);
    const diagnosis: Diagnosis = { nodeToStatus: new Map(), unschedulablePlugins: new Set() };
    const pre = framework.runPreFilter(state, pod, all);
    if (!isSuccess(pre.status)) {
      if (!isRejected(pre.status)) throw pre.status.error ?? new Error(pre.status.reasons.join(", "));
      for (const ni of all) diagnosis.nodeToStatus.set(ni.name, pre.status);
      diagnosis.preFilterMsg = pre.status.reasons.join(", ");
      if (pre.status.plugin) diagnosis.unschedulablePlugins.add(pre.status.plugin);
      throw new FitError(all.length, diagnosis);
    }
    // The nominated node first (a preemptor whose victims are gone).
    const nom = pod.status?.nominatedNodeName;
    if (nom) {
      const ni = cache.get(nom);
      if (ni && (!pre.result?.nodeNames || pre.result.nodeNames.has(nom)) && isSuccess(filterWithNominated(state, pod, ni))) return { node: nom, evaluated: 1, feasible: 1 };
    }
    let candidates: readonly NodeInfo[] = all;
    if (pre.result?.nodeNames) {
      candidates = all.filter((n) => pre.result!.nodeNames!.has(n.name));
      const why: PluginStatus = { code: "UnschedulableAndUnresolvable", reasons: [`node(s) didn't satisfy plugin(s) [${pre.plugins.join(" ")}]`] };
      for (const ni of all) if (!pre.result.nodeNames.has(ni.name)) diagnosis.nodeToStatus.set(ni.name, why);
    }
    const want = numFeasibleNodesToFind(candidates.length);
    const feasible: NodeInfo[] = [];
    const n = candidates.length;
    let evaluated = 0;
    const start = nextStartNodeIndex % Math.max(1, n);
    for (let i = 0; i < n && feasible.length < want; i++) {
      const ni = candidates[(start + i) % n]!;
      evaluated++;
      const s = filterWithNominated(state, pod, ni);
      if (isSuccess(s)) feasible.push(ni);
      else {
        if (s.code === "Error") throw s.error ?? new Error(s.reasons.join(", "));
        diagnosis.nodeToStatus.set(ni.name, s);
        if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
      }
    }
    nextStartNodeIndex = (nextStartNodeIndex + evaluated) % Math.max(1, n);
    if (feasible.length === 0) throw new FitError(all.length, diagnosis);
    if (feasible.length === 1) return { node: feasible[0]!.name, evaluated, feasible: 1 };
    const ps = framework.runPreScore(state, pod, feasible);
    if (!isSuccess(ps)) throw ps.error ?? new Error(ps.reasons.join(", "));
    const { totals, status } = framework.runScore(state, pod, feasible);
    if (!isSuccess(status)) throw status.error ?? new Error(status.reasons.join(", "));
    let best = 0, ties = 1;
    for (let i = 1; i < totals.length; i++) {
      if (totals[i]! > totals[best]!) { best = i; ties = 1; }
      else if (totals[i] === totals[best] && Math.random() * ++ties < 1) best = i;
    }
    return { node: feasible[best]!.name, evaluated, feasible: feasible.length };
  }

  async function recordFailure(qp: QueuedPod, err: Error, podCycle: number, nominatedNode?: string): Promise<void> {
    const pod = pods.get(qp.key) ?? qp.pod;
    const fit = err instanceof FitError;
    if (fit) qp.unschedulablePlugins = err.diagnosis.unschedulablePlugins;
    const message = fit ? err.describe() : err.message;
    queue.requeueFailed(qp, podCycle, fit);
    if (nominatedNode !== undefined) nominate(pod, nominatedNode || undefined);
    events.event(withKind(pod), "Warning", "FailedScheduling", message);
    const reason = fit ? "Unschedulable" : "SchedulerError";
    const prior = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    const nomChanged = nominatedNode !== undefined && (pod.status?.nominatedNodeName ?? "") !== nominatedNode;
    if (prior?.status === "False" && prior.reason === reason && prior.message === message && !nomChanged) return;
    const patch: Record<string, unknown> = {
      conditions: [{ type: "PodScheduled", status: "False", reason, message, lastProbeTime: null, lastTransitionTime: prior?.status === "False" ? prior.lastTransitionTime : formatTime(o.clock.now()) }],
    };
    if (nomChanged) patch.nominatedNodeName = nominatedNode || null;
    try {
      await o.client.patch({ ...builtinResources.pods, namespace: pod.metadata.namespace, name: pod.metadata.name! }, "strategic", { status: patch }, { subresource: "status" });
    } catch (e) {
      log.debug("could not update pod condition", { pod: qp.key, error: String(e) });
    }
  }

  const bindings = new Set<Promise<void>>();
  async function bindingCycle(qp: QueuedPod, state: CycleState, pod: Pod, node: string, podCycle: number, permitWait: number): Promise<void> {
    try {
      if (permitWait > 0) await o.clock.sleep(0); // Permit Wait: lite's in-tree plugins never wait; third-party waits are not supported yet.
      let s = await framework.runPreBind(state, pod, node);
      if (isSuccess(s)) s = await framework.runBind(state, pod, node);
      if (!isSuccess(s)) throw s.error ?? new Error(`running ${s.plugin} plugin: ${s.reasons.join(", ")}`);
      cache.finishBinding(pod);
      queue.done(qp.key);
      nominate(pod, undefined);
      events.event(withKind(pod), "Normal", "Scheduled", `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`);
      framework.runPostBind(state, pod, node);
    } catch (err) {
      framework.runUnreserve(state, pod, node);
      cache.forget(pod);
      queue.moveOnEvent("Pod", "Delete"); // the assumed room is free again
      if (!stopping.signal.aborted) await recordFailure(qp, err instanceof Error ? err : new Error(String(err)), podCycle);
    }
  }

  async function scheduleOne(qp: QueuedPod): Promise<void> {
    const pod = pods.get(qp.key) ?? qp.pod;
    if (!wantsScheduling(pod) || cache.isAssumed(pod) || pod.metadata.uid !== qp.pod.metadata.uid) { queue.done(qp.key); return; }
    qp.pod = pod;
    const podCycle = queue.schedulingCycle();
    const state = createCycleState();
    let result: { node: string };
    try {
      result = schedulePod(state, pod);
    } catch (err) {
      if (err instanceof FitError) {
        const post = await framework.runPostFilter(state, pod, err.diagnosis.nodeToStatus);
        if (post.status.reasons.length) err.diagnosis.postFilterMsg = post.status.reasons.join(", ");
        await recordFailure(qp, err, podCycle, post.nominatedNodeName);
        return;
      }
      await recordFailure(qp, err as Error, podCycle);
      return;
    }
    cache.assume(pod, result.node, cache.podInfo(pod));
    const rs = framework.runReserve(state, pod, result.node);
    if (!isSuccess(rs)) {
      framework.runUnreserve(state, pod, result.node);
      cache.forget(pod);
      await recordFailure(qp, rs.error ?? new Error(rs.reasons.join(", ")), podCycle);
      return;
    }
    const permit = framework.runPermit(state, pod, result.node);
    if (!isSuccess(permit.status) && permit.status.code !== "Wait") {
      framework.runUnreserve(state, pod, result.node);
      cache.forget(pod);
      await recordFailure(qp, new Error(permit.status.reasons.join(", ") || `rejected by ${permit.status.plugin}`), podCycle);
      return;
    }
    const b = bindingCycle(qp, state, pod, result.node, podCycle, permit.timeoutMs);
    bindings.add(b);
    b.finally(() => bindings.delete(b));
  }

  return {
    framework, queue, cache,
    addPlugin: (extra) => addPlugin(extra),
    async run(signal) {
      signal.addEventListener("abort", () => stopping.abort(), { once: true });
      queue.run(signal);
      const cleanup = setInterval(() => cache.cleanupExpired(), 5_000);
      try {
        if (!(await o.informers.waitForSync(signal))) return;
        log.info("scheduler started", { filters: (framework.describe().filter ?? []).join(",") });
        for (;;) {
          const qp = await queue.pop();
          if (!qp || signal.aborted) break;
          try {
            await scheduleOne(qp);
          } catch (err) {
            log.error("scheduling cycle failed", { pod: qp.key, error: String(err) });
            queue.done(qp.key);
          }
        }
      } finally {
        clearInterval(cleanup);
        for (const u of unsubscribe) u();
        await Promise.allSettled([...bindings]);
        await events.flush();
      }
    },
  };
}

function allocChanged(a: Node, b: Node): boolean {
  return JSON.stringify(a.status?.allocatable) !== JSON.stringify(b.status?.allocatable)
    || (a.status?.conditions?.find((c) => c.type === "Ready")?.status !== b.status?.conditions?.find((c) => c.type === "Ready")?.status);
}

const withKind = (p: Pod): Pod => (p.kind ? p : { ...p, apiVersion: "v1", kind: "Pod" });
export type { PodInfo };
