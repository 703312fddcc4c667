/**
 * One LIST page from the watch cache at an exact revision (consistent reads served from memory,
 * as upstream's ConsistentListFromCache). Same paging contract as the store path in list.ts:
 * items whose key (relative to the prefix) is >= `start`, in key order, that match `pred`; with
 * `limit` > 0 at most `limit` of them, and `nextStart` is the relative key of the first further
 * match ("" when there is none); `remaining` counts the keys from `nextStart` on, matching or not
 * (the list's remainingItemCount when it has no selectors).
 */
import type { KObject, ResourceDef } from "../../resources/index.ts";
import { toServed } from "../../conversion/convert.ts";
import type { WatchCache } from "../../watch-cache/watch-cache.ts";
import type { Predicate } from "./predicate.ts";

export interface CachePage {
  readonly items: KObject[];
  readonly revision: number;
  readonly nextStart: string;
  readonly remaining: number;
}

/** Undefined when the cache cannot show the state as of exactly `revision` (use the store). */
export function cachePageAt(
  cache: WatchCache, def: ResourceDef, prefix: string, revision: number,
  pred: Predicate, limit: number, start: string,
): CachePage | undefined {
  const snap = cache.snapshotAt(revision, prefix);
  if (!snap) return undefined;
  const from = prefix + start;
  const items: KObject[] = [];
  for (let i = 0; i < snap.items.length; i++) {
    const { key, object } = snap.items[i]!;
    if (start && key < from) continue;
    const obj = toServed(def, object);
    if (!pred.matches(obj)) continue;
    if (limit > 0 && items.length >= limit) return { items, revision: snap.revision, nextStart: key.slice(prefix.length), remaining: snap.items.length - i };
    items.push(obj);
  }
  return { items, revision: snap.revision, nextStart: "", remaining: 0 };
}
