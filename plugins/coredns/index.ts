import { definePlugin, v } from "@lite/sdk";

/**
 * coredns: cluster DNS. Serves Service and Pod names under the cluster domain at the kube-dns
 * Service's ClusterIP, and forwards other names to the configured upstreams.
 * Behaviour arrives with the networking issue (#7); until then it reports NotImplemented.
 */
export default definePlugin({
  id: "coredns",
  version: "0.1.0",
  sdk: "^1",
  description: "Cluster DNS for Services and Pods (the kube-dns Service)",
  config: v.object({
    /** Upstream resolvers ("host:port"); defaults to the node's resolv.conf. */
    upstreams: v.optional(v.array(v.string())),
  }),
  server: (ctx) => {
    ctx.status.report({
      state: "NotImplemented",
      message: "cluster DNS arrives with the networking issue (#7)",
      details: { clusterDNS: ctx.cluster.clusterDNS, clusterDomain: ctx.cluster.clusterDomain },
    });
  },
});
