/**
 * Keeps a derived index in step with one of the API server's watch caches: a full build from a
 * snapshot, then every event applied synchronously as the cache receives it. When the cache resets
 * (relist) or cannot replay, the follower drops its subscription and rebuilds on the next `sync()`.
 * Objects handed to the handlers are the cache's frozen, shared objects: never mutate them.
 */
import type { KObject, WatchCache } from "../../../apiserver/index.ts";

export interface CacheHandlers {
  /** Replace the whole index with these objects. */
  reset(objects: readonly KObject[]): void;
  /** An object was added or changed (`prev` is the old state, if known). */
  upsert(obj: KObject, prev: KObject | undefined): void;
  remove(obj: KObject): void;
  /** Called after any change (for listeners such as the aggregation reconciler). */
  changed?(): void;
}

export interface CacheFollower {
  /** Ensure the index reflects the cache (cheap when already following). */
  sync(): void;
  stop(): void;
}

export function followCache(cache: WatchCache, handlers: CacheHandlers): CacheFollower {
  let unsubscribe: (() => void) | undefined;
  let stopped = false;
  const sync = (): void => {
    if (unsubscribe || stopped) return;
    const snap = cache.snapshot();
    handlers.reset(snap.items.map((i) => i.object));
    try {
      unsubscribe = cache.subscribe(snap.revision, {
        onEvent(ev) {
          if (ev.type === "DELETED") handlers.remove(ev.object);
          else handlers.upsert(ev.object, ev.prevObject);
          handlers.changed?.();
        },
        onEnd() {
          unsubscribe = undefined;
          // The cache relists shortly; rebuild then so listeners see the new state.
          if (!stopped) setTimeout(() => { sync(); handlers.changed?.(); }, 100);
        },
      });
    } catch {
      unsubscribe = undefined; // too old: the next sync rebuilds from a fresh snapshot
    }
    handlers.changed?.();
  };
  return {
    sync,
    stop() {
      stopped = true;
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
