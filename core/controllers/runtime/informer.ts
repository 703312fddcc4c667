/**
 * A running informer: a reflector feeding an IndexedCache, and handlers notified of every change
 * the cache applies. Handlers are called synchronously in event order; one that throws is logged
 * and does not stop the others.
 */
import {
  objectKey, type ApiClient, type CollectionTarget, type Indexers, type Informer, type InformerHandlers, type InformerOptions,
  type KubeObject, type Logger, type WatchEvent,
} from "@lite/sdk";
import type { Clock } from "./clock.ts";
import { IndexedCache } from "./indexed-cache.ts";
import { runReflector } from "./reflector.ts";

export interface RunnableInformer<T extends KubeObject> extends Informer<T> {
  /** True when an index of this name exists. */
  hasIndexer(name: string): boolean;
  /** Lists, watches and dispatches until `signal` fires. Call once. */
  run(signal: AbortSignal): Promise<void>;
}

export interface InformerDeps {
  client: ApiClient;
  clock: Clock;
  log: Logger;
}

export function createInformer<T extends KubeObject = KubeObject>(
  deps: InformerDeps, target: CollectionTarget, options: InformerOptions<T> = {},
): RunnableInformer<T> {
  const cache = new IndexedCache<T>(options.indexers);
  const handlers = new Set<InformerHandlers<T>>();
  const syncWaiters = new Set<() => void>();
  let synced = false;
  let lastRV = "";
  let running = false;

  const notify = (fn: (h: InformerHandlers<T>) => void) => {
    for (const h of [...handlers]) {
      try {
        fn(h);
      } catch (err) {
        deps.log.error("informer handler failed", { resource: target.resource, error: err instanceof Error ? err.message : String(err) });
      }
    }
  };

  const sink = {
    replace(items: T[], resourceVersion: string) {
      lastRV = resourceVersion;
      const seen = new Set<string>();
      for (const item of items) {
        const key = objectKey(item);
        seen.add(key);
        const old = cache.get(key);
        if (old && old.metadata.resourceVersion === item.metadata.resourceVersion) continue;
        cache.upsert(item);
        if (old) notify((h) => h.update?.(old, item));
        else notify((h) => h.add?.(item));
      }
      for (const key of [...cache.keys()]) {
        if (seen.has(key)) continue;
        const old = cache.remove(key)!;
        notify((h) => h.delete?.(old));
      }
      if (!synced) {
        synced = true;
        for (const w of [...syncWaiters]) w();
      }
    },
    apply(event: WatchEvent<T>) {
      const obj = event.object;
      if (!obj.kind || !obj.apiVersion) return; // malformed; the next relist repairs
      lastRV = obj.metadata.resourceVersion ?? lastRV;
      if (event.type === "DELETED") {
        const old = cache.remove(objectKey(obj));
        if (old) notify((h) => h.delete?.(obj));
        return;
      }
      const old = cache.upsert(obj);
      if (old) notify((h) => h.update?.(old, obj));
      else notify((h) => h.add?.(obj));
    },
    bookmark(resourceVersion: string) {
      lastRV = resourceVersion;
    },
  };

  const informer: RunnableInformer<T> = {
    target,
    list(namespace) {
      return namespace === undefined ? cache.all() : cache.byIndex("namespace", namespace);
    },
    get(keyOrNamespace, name) {
      if (name === undefined) return cache.get(keyOrNamespace);
      return cache.get(keyOrNamespace ? `${keyOrNamespace}/${name}` : name);
    },
    byIndex: (indexName, value) => cache.byIndex(indexName, value),
    addIndexers: (indexers: Indexers<T>) => cache.addIndexers(indexers),
    hasIndexer: (name) => cache.hasIndexer(name),
    on(h) {
      handlers.add(h);
      if (synced && h.add) for (const obj of cache.all()) {
        try { h.add(obj); } catch (err) { deps.log.error("informer handler failed", { resource: target.resource, error: String(err) }); }
      }
      return () => { handlers.delete(h); };
    },
    hasSynced: () => synced,
    waitForSync(signal) {
      if (synced) return Promise.resolve(true);
      if (signal.aborted) return Promise.resolve(false);
      return new Promise((resolve) => {
        const done = (ok: boolean) => { syncWaiters.delete(onSync); signal.removeEventListener("abort", onAbort); resolve(ok); };
        const onSync = () => done(true);
        const onAbort = () => done(false);
        syncWaiters.add(onSync);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    },
    lastSyncResourceVersion: () => lastRV,
    async run(signal) {
      if (running) throw new Error(`informer for ${target.resource} is already running`);
      running = true;
      let stopResync = () => {};
      if (options.resyncMs && options.resyncMs > 0) {
        const period = options.resyncMs;
        const tick = () => {
          if (signal.aborted) return;
          if (synced) for (const obj of cache.all()) notify((h) => h.update?.(obj, obj));
          stopResync = deps.clock.setTimer(tick, period);
        };
        stopResync = deps.clock.setTimer(tick, period);
      }
      try {
        await runReflector<T>({
          client: deps.client, target, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
          clock: deps.clock, log: deps.log, sink,
        }, signal);
      } finally {
        stopResync();
      }
    },
  };
  return informer;
}
