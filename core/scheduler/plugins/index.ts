/** The default profile's in-tree plugins, in upstream's order. */
import type { SchedulerPluginDefinition } from "@lite/sdk";
import { balancedAllocationPlugin } from "./balanced-allocation.ts";
import { defaultBinderPlugin } from "./default-binder.ts";
import { defaultPreemptionPlugin } from "./default-preemption.ts";
import { interPodAffinityPlugin } from "./inter-pod-affinity.ts";
import { nodeAffinityPlugin } from "./node-affinity.ts";
import { nodeNamePlugin } from "./node-name.ts";
import { nodePortsPlugin } from "./node-ports.ts";
import { nodeResourcesFitPlugin } from "./node-resources-fit.ts";
import { nodeUnschedulablePlugin } from "./node-unschedulable.ts";
import { podTopologySpreadPlugin } from "./pod-topology-spread.ts";
import { taintTolerationPlugin } from "./taint-toleration.ts";
import { volumeBindingPlugin } from "./volume-binding.ts";

export function defaultSchedulerPlugins(): SchedulerPluginDefinition<any>[] {
  return [
    nodeUnschedulablePlugin, nodeNamePlugin, taintTolerationPlugin, nodeAffinityPlugin, nodePortsPlugin, nodeResourcesFitPlugin,
    volumeBindingPlugin, podTopologySpreadPlugin, interPodAffinityPlugin, defaultPreemptionPlugin, balancedAllocationPlugin, defaultBinderPlugin,
  ];
}
