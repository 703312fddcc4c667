/**
 * NodeResourcesFit: the pod's requests must fit the node's allocatable minus what its pods
 * request ("Insufficient cpu", "Too many pods", ...). Score: LeastAllocated over cpu and memory
 * (weights 1:1), using non-zero requests as upstream.
 */
import { Statuses, defineSchedulerPlugin, type CycleState, type NodeInfo, type Pod, type PodInfo, type SchedulerHandle, type StateData } from "@lite/sdk";
import { NODE_ADD_UPDATE, POD_DELETE } from "./events.ts";

const KEY = "PreFilterNodeResourcesFit";
class PodRequestsState implements StateData {
  constructor(readonly info: PodInfo) {}
  clone() { return this; }
}

/** The reasons the pod does not fit (empty: it fits). */
export function insufficientResources(info: PodInfo, ni: NodeInfo): string[] {
  const out: string[] = [];
  const req = info.requests, a = ni.allocatable, used = ni.requested;
  if (used.allowedPodNumber + 1 > a.allowedPodNumber) out.push("Too many pods");
  if (req.milliCPU > 0 && req.milliCPU > a.milliCPU - used.milliCPU) out.push("Insufficient cpu");
  if (req.memory > 0 && req.memory > a.memory - used.memory) out.push("Insufficient memory");
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > a.ephemeralStorage - used.ephemeralStorage) out.push("Insufficient ephemeral-storage");
  for (const k in req.scalar) {
    if (req.scalar[k]! > 0 && req.scalar[k]! > (a.scalar[k] ?? 0) - (used.scalar[k] ?? 0)) out.push(`Insufficient ${k}`);
  }
  return out;
}

const leastAllocated = (requested: number, capacity: number) => (capacity === 0 || requested > capacity ? 0 : ((capacity - requested) * 100) / capacity);

function requestsOf(state: CycleState, handle: SchedulerHandle, pod: Pod): PodInfo {
  return state.read<PodRequestsState>(KEY)?.info ?? handle.podInfo(pod);
}

export const nodeResourcesFitPlugin = defineSchedulerPlugin({
  name: "NodeResourcesFit",
  weight: 1,
  create: (handle) => ({
    name: "NodeResourcesFit",
    events: [POD_DELETE, NODE_ADD_UPDATE],
    preFilter(state, pod) {
      state.write(KEY, new PodRequestsState(handle.podInfo(pod)));
      return { status: Statuses.success() };
    },
    filter(state, pod, ni) {
      const reasons = insufficientResources(requestsOf(state, handle, pod), ni);
      return reasons.length ? Statuses.unschedulable(...reasons) : Statuses.success();
    },
    score(state, pod, ni) {
      const info = requestsOf(state, handle, pod);
      const cpu = leastAllocated(ni.nonZeroRequested.milliCPU + info.nonZeroRequests.milliCPU, ni.allocatable.milliCPU);
      const mem = leastAllocated(ni.nonZeroRequested.memory + info.nonZeroRequests.memory, ni.allocatable.memory);
      return Math.trunc((cpu + mem) / 2);
    },
  }),
});
