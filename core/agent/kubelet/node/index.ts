/** The kubelet's Node: registration, status, Lease and node pressure. */
export { startNodeStatus, NODE_STATUS_REPORT_MS, NODE_STATUS_UPDATE_MS, RUNTIME_CHECK_MS } from "./start-node-status.ts";
export type { NodeStatusHandle, NodeStatusOptions } from "./start-node-status.ts";
export { PRESSURE_TRANSITION_PERIOD_MS } from "./eviction-signals.ts";
export type { EvictionSignals, FsStats } from "./eviction-signals.ts";
export { LEASE_DURATION_SECONDS, LEASE_NAMESPACE } from "./node-lease.ts";
export type { MachineInfo } from "./machine-info.ts";
export type { Node, NodeCondition, NodePressure, NodeStatus, Taint } from "./types.ts";
