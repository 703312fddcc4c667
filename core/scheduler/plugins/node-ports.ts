/** NodePorts: a pod's hostPorts must be free on the node (same protocol and port, overlapping IPs conflict). */
import { Statuses, defineSchedulerPlugin, type HostPort } from "@lite/sdk";
import { podHostPorts } from "../helpers/pod-resources.ts";
import { NODE_ADD_UPDATE, POD_DELETE } from "./events.ts";

export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";

const conflicts = (a: HostPort, b: HostPort) =>
  a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === "0.0.0.0" || b.ip === "0.0.0.0");

export const nodePortsPlugin = defineSchedulerPlugin({
  name: "NodePorts",
  create: () => ({
    name: "NodePorts",
    events: [POD_DELETE, NODE_ADD_UPDATE],
    preFilter(_s, pod) { return { status: podHostPorts(pod).length ? Statuses.success() : Statuses.skip() }; },
    filter(_s, pod, ni) {
      for (const want of podHostPorts(pod)) if (ni.usedPorts.some((u) => conflicts(u, want))) return Statuses.unschedulable(ERR_REASON_PORTS);
      return Statuses.success();
    },
  }),
});
