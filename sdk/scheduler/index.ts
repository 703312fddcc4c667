/** The scheduler framework contract: plugin extension points, cycle state, node info, statuses. */
export type * from "./objects.ts";
export type { PluginStatus, StatusCode } from "./status.ts";
export { Statuses, isRejected, isSuccess } from "./status.ts";
export type { CycleState, StateData } from "./cycle-state.ts";
export { createCycleState } from "./cycle-state.ts";
export type { HostPort, NodeInfo, NodeInfoLister, PodInfo, Resource } from "./node-info.ts";
export type {
  ClusterEvent, ClusterEventAction, ClusterEventResource, MutableNodeInfo, NodeScore, NodeToStatus, PreFilterExtensions, PreFilterResult,
  SchedulerHandle, SchedulerPlugin, SchedulerPluginDefinition,
} from "./plugin.ts";
export { defineSchedulerPlugin } from "./plugin.ts";
export type { SchedulerPluginRegistration, SchedulerService } from "./service.ts";
