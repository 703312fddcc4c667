import { coreServices, definePlugin, v } from "@lite/sdk";
import { startNodeNetwork } from "./node-network.ts";
import { podCidrController } from "./pod-cidr-controller.ts";
import { createSubnetAllocator } from "./subnet-allocator.ts";

/** Where the node half writes sysctls; tests give a scratch directory instead of the host's. */
export interface FlannelHostOptions {
  procSys?: string;
}

/**
 * flannel: the pod network. Server half: assigns each Node a pod CIDR (a /24 of the cluster CIDR
 * by default). Node half: once its Node has one, writes the CNI bridge configuration for it, so the
 * runtime reports NetworkReady and pods get addresses. Backend `none` leaves both to the operator's
 * CNI. Cross-node traffic (the vxlan and host-gw backends' routes) and masquerading arrive with
 * the networking issue (#7): until then pods reach each other on one node only.
 */
export function createFlannelPlugin(host: FlannelHostOptions = {}) {
  return definePlugin({
    id: "flannel",
    version: "0.2.0",
    sdk: "^1",
    description: "Pod network: per-node pod CIDRs, CNI configuration, VXLAN or host-gw routes",
    config: v.object({
      backend: v.optional(v.picklist(["vxlan", "host-gw", "none"]), "vxlan"),
      iface: v.optional(v.string()),
      /** The Linux bridge pods attach to. */
      bridge: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,15}$/, "must be a network interface name (1-15 letters, digits, _ . -)")), "cni0"),
      /** Prefix length of each node's pod CIDR (kube-controller-manager --node-cidr-mask-size). */
      nodeCIDRMaskSize: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(30)), 24),
    }),
    // A node without pod networking must not run pods, so the configured CNI is critical.
    critical: (config) => config.backend !== "none",
    server: (ctx) => {
      if (ctx.config.backend === "none") {
        ctx.status.report({ state: "Running", message: "backend none: no pod CIDRs assigned; the operator's CNI takes over", details: { backend: "none" } });
        return;
      }
      const allocator = createSubnetAllocator(ipv4ClusterCIDR(ctx.cluster.clusterCIDR), ctx.config.nodeCIDRMaskSize);
      const controller = podCidrController({ allocator, status: ctx.status, log: ctx.log });
      ctx.status.report({ state: "Running", message: `assigning /${allocator.maskSize} pod CIDRs from ${allocator.clusterCIDR}`, details: { clusterCIDR: allocator.clusterCIDR } });
      ctx.run("pod-cidr-allocator", (signal) => ctx.use(coreServices.controllers).run(controller, signal));
    },
    node: (ctx) => {
      if (ctx.config.backend === "none") {
        ctx.status.report({ state: "Running", message: "backend none: lite writes no CNI configuration; the operator's CNI takes over", details: { backend: "none", ready: true } });
        return;
      }
      const stop = startNodeNetwork({
        informers: ctx.use(coreServices.informers),
        nodeName: ctx.node.nodeName,
        cniConfDir: ctx.node.cniConfDir,
        clusterCIDR: ipv4ClusterCIDR(ctx.cluster.clusterCIDR),
        bridge: ctx.config.bridge,
        ipamDataDir: `${ctx.stateDir}/ipam`,
        status: ctx.status,
        log: ctx.log,
        procSys: host.procSys ?? "/proc/sys",
      });
      return { stop };
    },
  });
}

/** The IPv4 entry of a (possibly dual-stack, comma-separated) cluster CIDR; IPv6 pod networks arrive with #7. */
function ipv4ClusterCIDR(clusterCIDR: string): string {
  const v4 = clusterCIDR.split(",").map((s) => s.trim()).find((s) => s.includes("."));
  if (!v4) throw new Error(`cluster CIDR ${JSON.stringify(clusterCIDR)} has no IPv4 range; IPv6-only pod networks are not supported yet`);
  return v4;
}

export default createFlannelPlugin();
