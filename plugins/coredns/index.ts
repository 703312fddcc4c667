import { coreServices, definePlugin } from "@lite/sdk";
import { configSchema } from "./config.ts";
import { kubeDnsServiceController } from "./kube/kube-dns-service.ts";
import { startNodeDns } from "./node-dns.ts";

/**
 * coredns: cluster DNS. The server half keeps the selector-less Service kube-system/kube-dns at
 * ClusterIP `--cluster-dns`; every node half serves DNS on its node IP (Services, Pods, node
 * names and coredns-custom records; other names forwarded upstream through a cache) and publishes
 * itself as an endpoint of that Service. See README.md beside this file.
 */
export default definePlugin({
  id: "coredns",
  version: "1.0.0",
  sdk: "^1",
  description: "Cluster DNS for Services and Pods (the kube-dns Service)",
  config: configSchema,
  server: (ctx) => {
    ctx.status.report({ state: "Running", message: `ensuring Service kube-system/kube-dns with ClusterIP ${ctx.cluster.clusterDNS}`, details: { clusterIP: ctx.cluster.clusterDNS } });
    const controller = kubeDnsServiceController({ clusterIP: ctx.cluster.clusterDNS, status: ctx.status });
    ctx.run("kube-dns-service", (signal) => ctx.use(coreServices.controllers).run(controller, signal));
  },
  node: (ctx) => startNodeDns(ctx),
});
