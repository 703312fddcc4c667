/**
 * A view of a shared factory for one plugin: the same informers, but every handler the plugin
 * registers is removed by `dispose()` (when the plugin stops), so a stopped plugin leaves nothing behind.
 */
import type { Informer, KubeObject, SharedInformerFactory } from "@lite/sdk";

export interface ScopedInformerFactory extends SharedInformerFactory {
  dispose(): void;
}

export function scopedInformerFactory(shared: SharedInformerFactory): ScopedInformerFactory {
  const unsubscribes = new Set<() => void>();
  return {
    informerFor<T extends KubeObject>(...args: Parameters<SharedInformerFactory["informerFor"]>): Informer<T> {
      const inf = shared.informerFor<T>(args[0], args[1] as never);
      return {
        ...inf,
        target: inf.target,
        list: (ns) => inf.list(ns),
        get: (k, n) => inf.get(k, n),
        byIndex: (i, v) => inf.byIndex(i, v),
        addIndexers: (x) => inf.addIndexers(x),
        hasSynced: () => inf.hasSynced(),
        waitForSync: (s) => inf.waitForSync(s),
        lastSyncResourceVersion: () => inf.lastSyncResourceVersion(),
        on(handlers) {
          const off = inf.on(handlers);
          const wrapped = () => { off(); unsubscribes.delete(wrapped); };
          unsubscribes.add(wrapped);
          return wrapped;
        },
      };
    },
    waitForSync: (s) => shared.waitForSync(s),
    dispose() {
      for (const off of [...unsubscribes]) off();
    },
  };
}
