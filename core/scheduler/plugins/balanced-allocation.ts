/** NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory fractions stay close: (1 - std) * 100. */
import { defineSchedulerPlugin } from "@lite/sdk";

export const balancedAllocationPlugin = defineSchedulerPlugin({
  name: "NodeResourcesBalancedAllocation",
  weight: 1,
  create: (handle) => ({
    name: "NodeResourcesBalancedAllocation",
    score(_state, pod, ni) {
      const info = handle.podInfo(pod);
      const frac = (req: number, cap: number) => (cap === 0 ? 0 : Math.min(1, req / cap));
      const cpu = frac(ni.requested.milliCPU + info.requests.milliCPU, ni.allocatable.milliCPU);
      const mem = frac(ni.requested.memory + info.requests.memory, ni.allocatable.memory);
      const std = Math.abs(cpu - mem) / 2;
      return Math.trunc((1 - std) * 100);
    },
  }),
});
