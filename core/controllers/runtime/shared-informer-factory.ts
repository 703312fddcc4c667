/**
 * Shared informers: one informer (one list+watch) per target and selectors, however many
 * controllers and plugins ask. Informers requested before `start` begin with it; those requested
 * after begin at once. Indexer names are shared by everyone using the informer: the first
 * definition of a name wins.
 */
import { resourceId, type CollectionTarget, type Informer, type InformerOptions, type KubeObject, type SharedInformerFactory } from "@lite/sdk";
import { createInformer, type InformerDeps, type RunnableInformer } from "./informer.ts";

export interface RunnableInformerFactory extends SharedInformerFactory {
  /** Runs every informer (present and future) until `signal` fires. Call once. */
  start(signal: AbortSignal): void;
  /** Resolves once every informer's run loop has ended (after the start signal fired). */
  stopped(): Promise<void>;
}

export function createSharedInformerFactory(deps: InformerDeps, defaults: { resyncMs?: number } = {}): RunnableInformerFactory {
  const informers = new Map<string, RunnableInformer<any>>();
  const runs: Promise<void>[] = [];
  let signal: AbortSignal | undefined;

  const launch = (inf: RunnableInformer<any>) => {
    if (!signal || signal.aborted) return;
    runs.push(inf.run(signal).catch((err) => deps.log.error("informer stopped with an error", { resource: inf.target.resource, error: String(err) })));
  };

  return {
    informerFor<T extends KubeObject>(target: CollectionTarget, options: InformerOptions<T> = {}): Informer<T> {
      const key = [resourceId(target), target.namespace ?? "", options.labelSelector ?? "", options.fieldSelector ?? ""].join("|");
      let inf = informers.get(key) as RunnableInformer<T> | undefined;
      if (!inf) {
        inf = createInformer<T>(deps, { group: target.group, version: target.version, resource: target.resource, namespace: target.namespace || undefined }, {
          labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, resyncMs: options.resyncMs ?? defaults.resyncMs,
        });
        informers.set(key, inf);
        launch(inf);
      }
      if (options.indexers) {
        const fresh = Object.fromEntries(Object.entries(options.indexers).filter(([name]) => !inf!.hasIndexer(name)));
        if (Object.keys(fresh).length) inf.addIndexers(fresh);
      }
      return inf;
    },
    async waitForSync(s) {
      const results = await Promise.all([...informers.values()].map((i) => i.waitForSync(s)));
      return results.every(Boolean);
    },
    start(s) {
      if (signal) throw new Error("informer factory already started");
      signal = s;
      for (const inf of informers.values()) launch(inf);
    },
    async stopped() {
      await Promise.all(runs);
    },
  };
}
