/** The SchedulerHandle plugins receive, backed by the scheduler's cache, framework and nominator. */
import type { ApiClient, CycleState, EventRecorder, Logger, NodeInfo, Pod, PodInfo, SchedulerHandle, SharedInformerFactory } from "@lite/sdk";
import { NodeInfoImpl } from "../cache/node-info.ts";
import type { SchedulerCache } from "../cache/scheduler-cache.ts";
import type { Framework } from "./framework.ts";

export interface HandleDeps {
  client: ApiClient;
  informers: SharedInformerFactory;
  events: EventRecorder;
  log: Logger;
  signal: AbortSignal;
  cache: SchedulerCache;
  framework: () => Framework;
  podPriority(pod: Pod): number;
  nominatedPodsFor(nodeName: string): readonly PodInfo[];
}

export function createHandle(d: HandleDeps): SchedulerHandle {
  return {
    client: d.client,
    informers: d.informers,
    events: d.events,
    log: d.log,
    signal: d.signal,
    snapshot: () => d.cache,
    runFilterPlugins: (state: CycleState, pod: Pod, ni: NodeInfo) => d.framework().runFilter(state, pod, ni),
    runPreFilterExtensionAddPod: (state, pod, pi, ni) => d.framework().runPreFilterExtension("addPod", state, pod, pi, ni),
    runPreFilterExtensionRemovePod: (state, pod, pi, ni) => d.framework().runPreFilterExtension("removePod", state, pod, pi, ni),
    cloneNodeInfo: (ni) => (ni instanceof NodeInfoImpl ? ni.clone() : (() => { throw new Error("foreign NodeInfo"); })()),
    podPriority: d.podPriority,
    nominatedPodsFor: d.nominatedPodsFor,
    podInfo: (pod) => d.cache.podInfo(pod),
    recordEvent: (obj, type, reason, message) => d.events.event(obj, type, reason, message),
  };
}
