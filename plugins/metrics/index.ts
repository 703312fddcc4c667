import { definePlugin, v } from "@lite/sdk";

/**
 * metrics: the metrics.k8s.io API (kubectl top, HorizontalPodAutoscaler) from the kubelets' stats.
 * K3s calls it metrics-server; `--disable=metrics-server` is accepted as an alias.
 * Behaviour arrives with the addons issue (#8); until then it reports NotImplemented.
 */
export default definePlugin({
  id: "metrics",
  version: "0.1.0",
  sdk: "^1",
  description: "metrics.k8s.io resource metrics for kubectl top and autoscaling",
  config: v.object({
    /** How often node and pod usage is scraped, in seconds. */
    resolutionSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 15),
  }),
  server: (ctx) => {
    ctx.status.report({ state: "NotImplemented", message: "the metrics.k8s.io API arrives with the addons issue (#8)" });
  },
});
