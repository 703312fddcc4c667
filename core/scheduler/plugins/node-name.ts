/** NodeName: a pod that names a node fits only that node. */
import { Statuses, defineSchedulerPlugin } from "@lite/sdk";
import { NODE_ADD_UPDATE } from "./events.ts";

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export const nodeNamePlugin = defineSchedulerPlugin({
  name: "NodeName",
  create: () => ({
    name: "NodeName",
    events: [NODE_ADD_UPDATE],
    filter: (_s, pod, ni) => (!pod.spec.nodeName || pod.spec.nodeName === ni.name ? Statuses.success() : Statuses.unresolvable(ERR_REASON_NODE_NAME)),
  }),
});
