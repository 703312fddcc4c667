/** NodeUnschedulable: cordoned nodes (spec.unschedulable) take only pods tolerating node.kubernetes.io/unschedulable:NoSchedule. */
import { Statuses, defineSchedulerPlugin } from "@lite/sdk";
import { toleratesTaint } from "../helpers/selectors.ts";
import { NODE_ADD_UPDATE } from "./events.ts";

export const ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable";
const TAINT = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" as const };

export const nodeUnschedulablePlugin = defineSchedulerPlugin({
  name: "NodeUnschedulable",
  create: () => ({
    name: "NodeUnschedulable",
    events: [NODE_ADD_UPDATE],
    filter(_s, pod, ni) {
      if (!ni.node.spec?.unschedulable) return Statuses.success();
      return (pod.spec.tolerations ?? []).some((t) => toleratesTaint(t, TAINT)) ? Statuses.success() : Statuses.unresolvable(ERR_REASON_UNSCHEDULABLE);
    },
  }),
});
