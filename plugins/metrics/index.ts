import { builtinResources, coreServices, definePlugin, v } from "@lite/sdk";
import { metricsApiGroup } from "./metrics-api.ts";
import { runScraper, type ScrapeResult } from "./scraper.ts";
import { MetricsStorage } from "./storage.ts";

/**
 * metrics: the metrics.k8s.io/v1beta1 API (kubectl top, HorizontalPodAutoscaler) from the kubelets'
 * Summary API, as metrics-server serves it. K3s calls it metrics-server; `--disable=metrics-server`
 * is accepted as an alias. See README.md beside this file.
 */
export default definePlugin({
  id: "metrics",
  version: "1.0.0",
  sdk: "^1",
  description: "metrics.k8s.io resource metrics for kubectl top and autoscaling",
  config: v.object({
    /** How often node and pod usage is scraped, in seconds (metrics-server's --metric-resolution). */
    resolutionSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 15),
  }),
  server: (ctx) => {
    const resolutionMs = ctx.config.resolutionSeconds * 1000;
    const client = ctx.use(coreServices.apiClient);
    const informers = ctx.use(coreServices.informers);
    const nodes = informers.informerFor(builtinResources.nodes);
    const pods = informers.informerFor(builtinResources.pods);
    const storage = new MetricsStorage(resolutionMs);
    const stopServing = ctx.use(coreServices.apiGroups).serve(metricsApiGroup({ storage, nodes, pods }));
    ctx.signal.addEventListener("abort", stopServing, { once: true });

    let last: ScrapeResult | undefined;
    const report = () => {
      const errors = Object.keys(last?.errors ?? {});
      ctx.status.report({
        state: "Running",
        message: errors.length ? `serving metrics.k8s.io/v1beta1; failed scraping ${errors.join(", ")}` : "serving metrics.k8s.io/v1beta1",
        details: { resolutionSeconds: ctx.config.resolutionSeconds, ...storage.size(), ...(last ? { lastScrape: new Date(last.at).toISOString(), scrapedNodes: last.nodes, errors: last.errors } : {}) },
      });
    };
    report();
    ctx.run("scraper", async (signal) => {
      if (!(await informers.waitForSync(signal))) return;
      await runScraper({ client, nodes, storage, log: ctx.log, timeoutMs: Math.max(1000, Math.floor(resolutionMs * 0.9)) }, resolutionMs, signal, (r) => {
        last = r;
        report();
      });
    });
  },
});
