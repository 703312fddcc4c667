/**
 * Where a watch's events come from: the watch cache (normal case), or, for a resourceVersion
 * older than the cache's window but still retained by the store, a direct store watch.
 */
import { CompactedError, type Store } from "../../../store/types.ts";
import type { KObject } from "../../resources/index.ts";
import type { CacheEvent } from "../../watch-cache/types.ts";
import { TooOldError, type WatchCache } from "../../watch-cache/watch-cache.ts";
import type { KeyValue } from "../../../store/types.ts";

export interface EventSink {
  onEvent(e: CacheEvent): void;
  onEnd(reason: "stopped" | "reset" | "error"): void;
}

/** Starts delivering events after `afterRevision`; returns a stopper. Throws TooOldError if nobody has them. */
export function openEventSource(
  cache: WatchCache, store: Store, decode: (kv: KeyValue, rev?: number) => KObject, afterRevision: number, sink: EventSink,
): () => void {
  try {
    return cache.subscribe(afterRevision, sink);
  } catch (err) {
    if (!(err instanceof TooOldError)) throw err;
    if (afterRevision <= store.compactRevision()) throw new TooOldError(afterRevision, store.compactRevision() + 1);
  }
  const abort = new AbortController();
  let iterator: AsyncIterable<import("../../../store/types.ts").WatchEvent>;
  try {
    iterator = store.watch(cache.prefix, { afterRevision, signal: abort.signal });
  } catch (err) {
    if (err instanceof CompactedError) throw new TooOldError(afterRevision, err.compacted + 1);
    throw err;
  }
  void (async () => {
    try {
      for await (const ev of iterator) {
        const rev = ev.kv.modRevision;
        if (ev.type === "delete") {
          const last = decode(ev.prevKv ?? ev.kv, rev);
          sink.onEvent({ type: "DELETED", key: ev.kv.key, object: last, prevObject: ev.prevKv ? decode(ev.prevKv) : undefined, revision: rev });
        } else {
          const object = decode(ev.kv);
          const prevObject = ev.prevKv ? decode(ev.prevKv) : undefined;
          sink.onEvent({ type: prevObject ? "MODIFIED" : "ADDED", key: ev.kv.key, object, prevObject, revision: rev });
        }
      }
      sink.onEnd(abort.signal.aborted ? "stopped" : "reset");
    } catch {
      sink.onEnd("error");
    }
  })();
  return () => abort.abort();
}
