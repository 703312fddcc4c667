/**
 * The storage of every served resource of one ApiServer: a ResourceStore per def and a started
 * WatchCache per storage prefix (versions of one group/resource share it). Follows the registry:
 * caches start when a resource is added, stop (ending their watches) when the last def of their
 * prefix is removed, and are rebuilt when a replacing def changes `storageFingerprint`.
 */
import type { Store } from "../../store/types.ts";
import type { KObject, ResourceDef, ResourceRegistry } from "../resources/index.ts";
import { WatchCache } from "../watch-cache/watch-cache.ts";
import { storageResourceOf } from "../conversion/convert.ts";
import { decodeStoredObject } from "./codec.ts";
import { resourcePrefix } from "./keys.ts";
import { ResourceStore } from "./resource-store.ts";

interface CacheEntry {
  cache: WatchCache;
  /** The def objects are decoded with (the latest one registered for the prefix). */
  def: ResourceDef;
}

export interface StorageSet {
  resourceStore(def: ResourceDef): ResourceStore;
  /** The started watch cache of def's prefix (await `.ready` before use). */
  watchCache(def: ResourceDef): WatchCache;
  /** One object as def's watch cache holds it now (undefined when absent or not listed yet). */
  cached(def: ResourceDef, namespace: string, name: string): KObject | undefined;
  /** Resolves when every cache existing now has listed once. */
  ready(): Promise<void>;
  /** Objects per stored group/resource (undefined before its cache listed), for /metrics. */
  objectCounts(): { group: string; resource: string; objects: number | undefined }[];
  stop(): void;
}

export function createStorageSet(store: Store, registry: ResourceRegistry, options: { watchCacheCapacity?: number } = {}): StorageSet {
  const stores = new WeakMap<ResourceDef, ResourceStore>();
  const caches = new Map<string, CacheEntry>();
  let stopped = false;

  const startCache = (def: ResourceDef): void => {
    const prefix = resourcePrefix(def);
    const entry: CacheEntry = { def, cache: undefined as unknown as WatchCache };
    entry.cache = new WatchCache(store, prefix, (kv, rev) => decodeStoredObject(entry.def, kv, rev), { capacity: options.watchCacheCapacity });
    caches.set(prefix, entry);
    entry.cache.start();
  };
  // Read-only kinds served by plugins are never stored: they have no cache.
  for (const def of registry.all()) if (!def.readOnly && !caches.has(resourcePrefix(def))) startCache(def);

  const unsubscribe = registry.onChange(({ removed, added }) => {
    if (stopped) return;
    const live = new Set(registry.all().map(resourcePrefix));
    for (const def of removed) {
      const prefix = resourcePrefix(def);
      const entry = caches.get(prefix);
      if (entry && !live.has(prefix)) { entry.cache.stop(); caches.delete(prefix); }
    }
    for (const def of added) {
      if (def.readOnly) continue;
      const prefix = resourcePrefix(def);
      const entry = caches.get(prefix);
      if (!entry) { startCache(def); continue; }
      if (entry.def.storageFingerprint !== def.storageFingerprint) { entry.cache.stop(); startCache(def); }
      else entry.def = def;
    }
  });

  return {
    resourceStore(def) {
      let rs = stores.get(def);
      if (!rs) {
        // Read-only kinds have no cache; a cache stopped since (its resource removed) answers undefined.
        const cachedWrite = (key: string, rev: number) => caches.get(resourcePrefix(def))?.cache.objectAt(key, rev) ?? Promise.resolve(undefined);
        rs = new ResourceStore(def, store, cachedWrite);
        stores.set(def, rs);
      }
      return rs;
    },
    watchCache(def) {
      const entry = caches.get(resourcePrefix(def));
      if (!entry) throw new Error(`no watch cache for ${def.resource}`);
      return entry.cache;
    },
    cached(def, namespace, name) {
      return this.watchCache(def).get(this.resourceStore(def).key(namespace, name));
    },
    objectCounts() {
      return [...caches.values()].map(({ def, cache }) => ({ ...storageResourceOf(def), objects: cache.isReady ? cache.objectCount : undefined }));
    },
    async ready() {
      await Promise.all([...caches.values()].map((e) => e.cache.ready));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      for (const e of caches.values()) e.cache.stop();
      caches.clear();
    },
  };
}
