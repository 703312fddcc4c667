/**
 * Scheduler plugins (upstream pkg/scheduler/framework). A plugin implements any subset of the
 * extension points; how several plugins combine at each point:
 * - preFilter: every plugin, in order; the first non-Success stops the cycle (Skip: that plugin's
 *   filter is skipped). Results narrowing the node set are intersected.
 * - filter: per node, every plugin in order until one rejects; nodes are filtered in parallel.
 * - postFilter: in order, until one returns Success (e.g. preemption nominating a node).
 * - preScore: every plugin, in order (Skip: its score is skipped); a failure stops the cycle.
 * - score: every plugin on every feasible node; normalizeScore then maps a plugin's scores to
 *   0..100; the node's total is the weighted sum. Highest wins (ties broken at random).
 * - reserve: in order; on any failure every plugin's unreserve runs in reverse order.
 * - permit: every plugin; any rejection rejects, Wait holds the pod up to the longest timeout.
 * - preBind: in order, first failure stops; bind: in order until one does not Skip.
 * - postBind: every plugin, informational.
 * Plugins must not block the event loop for long; filter/score are called many times per pod.
 */
import type { ApiClient } from "../client/api-client.ts";
import type { KubeObject } from "../client/resource.ts";
import type { EventRecorder } from "../controller/events.ts";
import type { SharedInformerFactory } from "../controller/informer.ts";
import type { Logger } from "../logger.ts";
import type { CycleState } from "./cycle-state.ts";
import type { NodeInfo, NodeInfoLister, PodInfo } from "./node-info.ts";
import type { Pod } from "./objects.ts";
import type { PluginStatus } from "./status.ts";

/** Restricts the nodes later extension points consider (undefined: all nodes). */
export interface PreFilterResult { nodeNames?: ReadonlySet<string> }

export interface NodeScore { name: string; score: number }

/** Filter statuses by node name, as PostFilter receives them. */
export type NodeToStatus = ReadonlyMap<string, PluginStatus>;

/** Lets preemption ask "would the pod fit if these pods were gone / added?" cheaply. */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: Pod, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): PluginStatus;
  removePod(state: CycleState, podToSchedule: Pod, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): PluginStatus;
}

/** Kinds of cluster changes that may make a pod a plugin rejected schedulable again. */
export type ClusterEventResource = "Pod" | "Node" | "PersistentVolume" | "PersistentVolumeClaim" | "StorageClass" | "PriorityClass";
export type ClusterEventAction = "Add" | "Update" | "Delete";
export interface ClusterEvent { resource: ClusterEventResource; actions: readonly ClusterEventAction[] }

export interface SchedulerPlugin {
  readonly name: string;
  /** Cluster events that may make pods this plugin rejected schedulable (re-queues them). Default: any Node or Pod change. */
  readonly events?: readonly ClusterEvent[];
  preFilter?(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { status: PluginStatus; result?: PreFilterResult };
  preFilterExtensions?: PreFilterExtensions;
  filter?(state: CycleState, pod: Pod, nodeInfo: NodeInfo): PluginStatus;
  postFilter?(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<{ status: PluginStatus; nominatedNodeName?: string }>;
  preScore?(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): PluginStatus;
  score?(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number;
  /** May rewrite `scores` in place (to 0..100). */
  normalizeScore?(state: CycleState, pod: Pod, scores: NodeScore[]): PluginStatus;
  reserve?(state: CycleState, pod: Pod, nodeName: string): PluginStatus;
  unreserve?(state: CycleState, pod: Pod, nodeName: string): void;
  permit?(state: CycleState, pod: Pod, nodeName: string): { status: PluginStatus; timeoutMs?: number };
  preBind?(state: CycleState, pod: Pod, nodeName: string): Promise<PluginStatus>;
  bind?(state: CycleState, pod: Pod, nodeName: string): Promise<PluginStatus>;
  postBind?(state: CycleState, pod: Pod, nodeName: string): void;
}

/** What the framework gives a plugin when it is created. */
export interface SchedulerHandle {
  /** The scheduler's API client (identity system:kube-scheduler). */
  readonly client: ApiClient;
  /** Informers shared with the scheduler. */
  readonly informers: SharedInformerFactory;
  /** The snapshot of the cycle in progress (valid during extension point calls). */
  snapshot(): NodeInfoLister;
  readonly events: EventRecorder;
  readonly log: Logger;
  /** Fires when the scheduler stops: long waits in plugins (PreBind, Permit) must end. */
  readonly signal: AbortSignal;
  /** Runs every filter plugin (with PreFilter state) against one node: used by preemption. */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): PluginStatus;
  /** Calls every plugin's preFilterExtensions.addPod/removePod for a "what if" node. */
  runPreFilterExtensionAddPod(state: CycleState, pod: Pod, podInfo: PodInfo, nodeInfo: NodeInfo): PluginStatus;
  runPreFilterExtensionRemovePod(state: CycleState, pod: Pod, podInfo: PodInfo, nodeInfo: NodeInfo): PluginStatus;
  /** A NodeInfo copy whose pod list can be changed (preemption's "what if"). */
  cloneNodeInfo(nodeInfo: NodeInfo): MutableNodeInfo;
  /** The pod's effective priority (spec.priority, else its PriorityClass, else the global default, else 0). */
  podPriority(pod: Pod): number;
  /** Pods nominated to run on a node (preemptors waiting for their victims to go). */
  nominatedPodsFor(nodeName: string): readonly PodInfo[];
  /** Pre-computed facts about a pod (requests, ports, affinity). */
  podInfo(pod: Pod): PodInfo;
  /** Marks an object for the scheduler's event recorder (e.g. Preempted events). */
  recordEvent(object: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
}

export interface MutableNodeInfo extends NodeInfo {
  addPod(podInfo: PodInfo): void;
  removePod(pod: Pod): boolean;
}

/** A declared scheduler plugin: a name, default score weight and a factory. Declaring has no side effects. */
export interface SchedulerPluginDefinition<Args = unknown> {
  readonly name: string;
  /** Score weight (default 1). */
  readonly weight?: number;
  create(handle: SchedulerHandle, args: Args | undefined): SchedulerPlugin;
}

export function defineSchedulerPlugin<Args = unknown>(definition: SchedulerPluginDefinition<Args>): SchedulerPluginDefinition<Args> {
  if (!definition.name) throw new Error("a scheduler plugin needs a name");
  return Object.freeze({ ...definition });
}
