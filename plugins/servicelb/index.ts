import { coreServices, definePlugin, v } from "@lite/sdk";
import { serviceLBController } from "./service-controller.ts";
import { watchNodePorts } from "./node-ports.ts";

/**
 * servicelb: K3s' service load balancer. Services of type LoadBalancer (without a
 * loadBalancerClass) get the addresses of the nodes that serve them as
 * `status.loadBalancer.ingress`; lite's service proxy then accepts their traffic on those
 * addresses and ports. Where K3s runs a svclb DaemonSet pod per Service, lite needs none: the
 * proxy's nftables rules do the forwarding. Node half: reports ports a local process already holds.
 */
export default definePlugin({
  id: "servicelb",
  version: "0.1.0",
  sdk: "^1",
  description: "LoadBalancer Services on the nodes' addresses (K3s servicelb)",
  config: v.object({
    /** How often the node half re-reads the node's listening sockets, in ms. */
    portCheckIntervalMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100)), 2000),
  }),
  server: (ctx) => {
    ctx.status.report({ state: "Running", message: "serving LoadBalancer Services on node addresses" });
    const controller = serviceLBController({
      onSynced: ({ services }) => ctx.status.report({ state: "Running", message: `serving ${services} LoadBalancer Service(s) on node addresses`, details: { services } }),
    });
    ctx.run("service-controller", (signal) => ctx.use(coreServices.controllers).run(controller, signal));
  },
  node: (ctx) => {
    ctx.status.report({ state: "Running", message: "watching LoadBalancer ports on this node" });
    ctx.run("node-ports", (signal) => watchNodePorts({
      client: ctx.use(coreServices.apiClient),
      informers: ctx.use(coreServices.informers),
      nodeName: ctx.node.nodeName,
      nodeIP: ctx.node.nodeIP,
      log: ctx.log,
      status: ctx.status,
      intervalMs: ctx.config.portCheckIntervalMs,
    }, signal));
  },
});
