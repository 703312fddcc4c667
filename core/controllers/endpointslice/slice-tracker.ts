/**
 * Remembers this controller's own slice writes until the informer has seen them (upstream's
 * endpointSliceTracker), so a pass never works from a cache that misses a slice it just created
 * (which would create a duplicate) or still shows one it deleted.
 */
import type { KubeObject } from "@lite/sdk";

export interface SliceTracker {
  /** A write by this controller: the stored slice (resourceVersion) or, for a delete, `deleted`. */
  wrote(serviceKey: string, name: string, stored: KubeObject | "deleted"): void;
  /** True when the cache reflects every tracked write of the Service (forgetting those it does). */
  cacheCurrent(serviceKey: string, cached: (name: string) => KubeObject | undefined): boolean;
}

export function createSliceTracker(): SliceTracker {
  const writes = new Map<string, Map<string, number>>();
  return {
    wrote(serviceKey, name, stored) {
      let m = writes.get(serviceKey);
      if (!m) writes.set(serviceKey, m = new Map());
      m.set(name, stored === "deleted" ? -1 : Number(stored.metadata.resourceVersion ?? 0));
    },
    cacheCurrent(serviceKey, cached) {
      const m = writes.get(serviceKey);
      if (!m) return true;
      for (const [name, rv] of m) {
        const c = cached(name);
        const seen = rv < 0 ? !c : !!c && Number(c.metadata.resourceVersion ?? 0) >= rv;
        if (seen) m.delete(name);
      }
      if (m.size === 0) writes.delete(serviceKey);
      return m.size === 0;
    },
  };
}
