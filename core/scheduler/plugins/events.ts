/** Cluster events in-tree plugins register (which changes may make a rejected pod schedulable). */
import type { ClusterEvent } from "@lite/sdk";

export const NODE_ADD_UPDATE: ClusterEvent = { resource: "Node", actions: ["Add", "Update"] };
export const POD_DELETE: ClusterEvent = { resource: "Pod", actions: ["Delete"] };
export const POD_ALL: ClusterEvent = { resource: "Pod", actions: ["Add", "Update", "Delete"] };
