import { definePlugin, v } from "@lite/sdk";

/**
 * flannel: the pod network. Server half: assigns each Node a pod CIDR. Node half: writes the CNI
 * config and programs the backend (vxlan, host-gw) or nothing (none, for a bring-your-own CNI).
 * Behaviour arrives with the networking issue (#7); until then both halves report NotImplemented.
 */
export default definePlugin({
  id: "flannel",
  version: "0.1.0",
  sdk: "^1",
  description: "Pod network: per-node pod CIDRs, CNI configuration, VXLAN or host-gw routes",
  config: v.object({
    backend: v.optional(v.picklist(["vxlan", "host-gw", "none"]), "vxlan"),
    iface: v.optional(v.string()),
  }),
  // A node without pod networking must not run pods, so the configured CNI is critical.
  critical: (config) => config.backend !== "none",
  server: (ctx) => {
    ctx.status.report({ state: "NotImplemented", message: "pod CIDR allocation arrives with the networking issue (#7)" });
  },
  node: (ctx) => {
    const message = ctx.config.backend === "none"
      ? "backend none: lite programs no pod network; the operator's CNI takes over"
      : `the ${ctx.config.backend} backend arrives with the networking issue (#7)`;
    ctx.status.report({ state: "NotImplemented", message, details: { backend: ctx.config.backend } });
  },
});
