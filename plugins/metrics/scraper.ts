/**
 * The scrape loop: every resolution, the Summary API of every Ready node (through the API
 * server's `nodes/proxy`, with the plugin's own client), in parallel, each bounded by a timeout;
 * the decoded batches replace the storage's view. A node that fails keeps no points (its metrics
 * disappear until it answers twice again), as in metrics-server.
 */
import { builtinResources, type ApiClient, type Informer, type KubeObject, type Logger } from "@lite/sdk";
import { decodeSummary, type NodeBatch } from "./summary.ts";
import type { MetricsStorage } from "./storage.ts";

export interface ScrapeResult {
  readonly at: number;
  readonly nodes: number;
  readonly errors: Readonly<Record<string, string>>;
}

export interface ScraperDeps {
  readonly client: ApiClient;
  readonly nodes: Informer;
  readonly storage: MetricsStorage;
  readonly log: Logger;
  readonly timeoutMs: number;
}

function isReady(node: KubeObject): boolean {
  const conditions = ((node.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions) ?? [];
  return conditions.some((c) => c.type === "Ready" && c.status === "True");
}

/** Scrapes every Ready node once and stores the result. */
export async function scrapeOnce(deps: ScraperDeps, signal: AbortSignal): Promise<ScrapeResult> {
  const nodes = deps.nodes.list().filter(isReady);
  const batches = new Map<string, NodeBatch>();
  const errors: Record<string, string> = {};
  await Promise.all(nodes.map(async (node) => {
    const name = node.metadata.name ?? "";
    try {
      const summary = await deps.client.get<KubeObject>(
        { ...builtinResources.nodes, name },
        { subresource: "proxy/stats/summary", signal: AbortSignal.any([signal, AbortSignal.timeout(deps.timeoutMs)]) },
      );
      batches.set(name, decodeSummary(summary));
    } catch (err) {
      if (signal.aborted) return;
      errors[name] = err instanceof Error ? err.message : String(err);
    }
  }));
  if (signal.aborted) return { at: Date.now(), nodes: 0, errors };
  for (const [node, error] of Object.entries(errors)) deps.log.warn("failed scraping node", { node, error });
  deps.storage.store(batches);
  return { at: Date.now(), nodes: batches.size, errors };
}

/** Scrapes now and then every `resolutionMs` until `signal` fires. */
export async function runScraper(deps: ScraperDeps, resolutionMs: number, signal: AbortSignal, onScrape: (r: ScrapeResult) => void): Promise<void> {
  while (!signal.aborted) {
    const started = Date.now();
    onScrape(await scrapeOnce(deps, signal));
    const wait = Math.max(0, resolutionMs - (Date.now() - started));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }
}
