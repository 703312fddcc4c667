import { coreServices, definePlugin, v } from "@lite/sdk";
import { createCommandRunner, type CommandRunner } from "./command-runner.ts";
import { startNodeNetwork } from "./node-network.ts";
import { podCidrController } from "./pod-cidr-controller.ts";
import { createSubnetAllocator } from "./subnet-allocator.ts";

export { createCommandRunner, type CommandRunner } from "./command-runner.ts";
export { uninstallFlannel } from "./uninstall.ts";

/** How the node half reaches the host; tests give a scratch sysctl tree and a runner bound to a network namespace. */
export interface FlannelHostOptions {
  /** Where the node half writes sysctls (default /proc/sys). */
  procSys?: string;
  /** Runs ip, bridge and nft (default: in lite's own network namespace). */
  runner?: CommandRunner;
  /** Full resync period of the node half (default 30 s). */
  resyncMs?: number;
}

/**
 * flannel: the pod network. Server half: assigns each Node a pod CIDR (a /24 of the cluster CIDR
 * by default). Node half: once its Node has one, programs the backend (vxlan: the flannel.1 device;
 * host-gw: nothing of its own), publishes upstream flannel's Node annotations, masquerades traffic
 * leaving the cluster CIDR, writes the CNI bridge configuration (so the runtime reports
 * NetworkReady and pods get addresses) and keeps routes to every other node's pods. Backend `none`
 * leaves all of it to the operator's CNI.
 */
export function createFlannelPlugin(host: FlannelHostOptions = {}) {
  return definePlugin({
    id: "flannel",
    version: "0.3.0",
    sdk: "^1",
    description: "Pod network: per-node pod CIDRs, CNI configuration, VXLAN or host-gw routes",
    config: v.object({
      backend: v.optional(v.picklist(["vxlan", "host-gw", "none"]), "vxlan"),
      /** The interface (name, or one of its IPv4 addresses) pod traffic to other nodes leaves by: --flannel-iface. Default: the node IP's. */
      iface: v.optional(v.pipe(v.string(), v.minLength(1, "must name an interface"))),
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
        client: ctx.use(coreServices.apiClient),
        nodeName: ctx.node.nodeName,
        nodeIP: ctx.node.nodeIP,
        iface: ctx.config.iface,
        backend: ctx.config.backend,
        cniConfDir: ctx.node.cniConfDir,
        clusterCIDR: ipv4ClusterCIDR(ctx.cluster.clusterCIDR),
        bridge: ctx.config.bridge,
        ipamDataDir: `${ctx.stateDir}/ipam`,
        status: ctx.status,
        log: ctx.log,
        procSys: host.procSys ?? "/proc/sys",
        runner: host.runner ?? createCommandRunner(),
        resyncMs: host.resyncMs,
      });
      return { stop };
    },
  });
}

/** The IPv4 entry of a (possibly dual-stack, comma-separated) cluster CIDR; IPv6 pod networks are not supported yet. */
function ipv4ClusterCIDR(clusterCIDR: string): string {
  const v4 = clusterCIDR.split(",").map((s) => s.trim()).find((s) => s.includes("."));
  if (!v4) throw new Error(`cluster CIDR ${JSON.stringify(clusterCIDR)} has no IPv4 range; IPv6-only pod networks are not supported yet`);
  return v4;
}

export default createFlannelPlugin();
