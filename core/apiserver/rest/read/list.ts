/**
 * LIST: from the watch cache for resourceVersion=0 (and NotOlderThan N when the cache is at N),
 * otherwise a consistent read, paged with limit/continue pinned to a revision. A consistent read
 * (resourceVersion unset) is served from the watch cache once it has caught up with the store's
 * current revision (bounded wait, else the store); a page at a pinned revision comes from the
 * cache only when it still shows exactly that revision (list-cache.ts), else from the store.
 * Returns typed items (kind/apiVersion set) and list metadata.
 */
import { CompactedError } from "../../../store/types.ts";
import { apiErrors } from "../../errors/index.ts";
import type { KObject } from "../../resources/index.ts";
import { toServed, toServedAsync } from "../../conversion/convert.ts";
import type { ApiContext, RequestScope } from "../context.ts";
import { parseResourceVersion, type ListOptions } from "../options.ts";
import { decodeContinue, encodeContinue, EXPIRED_CONTINUE_MESSAGE, LATEST_REVISION } from "./continue-token.ts";
import { buildPredicate } from "./predicate.ts";
import { cachePageAt } from "./list-cache.ts";

/** How long a consistent LIST waits for the watch cache to reach the store's revision before reading the store. */
const CONSISTENT_CACHE_WAIT_MS = 3000;

export interface ListResultData {
  readonly items: KObject[];
  readonly resourceVersion: string;
  readonly continueToken: string;
  readonly remainingItemCount?: number;
}

export async function listObjects(ctx: ApiContext, scope: RequestScope, opts: ListOptions): Promise<ListResultData> {
  const result = await listStored(ctx, scope, opts);
  // Webhook conversion: items (possibly stored in several versions) become the served version in one
  // review. Selectors were matched on the stored form: right for labels and metadata fields; a CRD's
  // selectableFields that differ between versions are matched as stored (a known gap).
  if (!scope.def.asyncConversion) return result;
  return { ...result, items: await toServedAsync(scope.def, result.items) };
}

async function listStored(ctx: ApiContext, scope: RequestScope, opts: ListOptions): Promise<ListResultData> {
  const { def, info } = scope;
  const pred = buildPredicate(def, opts.labelSelector, opts.fieldSelector);
  const rs = ctx.resourceStore(def);
  const prefix = rs.listPrefix(info.namespace);
  if (opts.continueToken && opts.resourceVersion) {
    throw apiErrors.badRequest("specifying resource version is not allowed when using continue");
  }
  const rv = opts.continueToken ? 0 : parseResourceVersion(opts.resourceVersion);
  if (opts.resourceVersionMatch && opts.resourceVersion === "" ) {
    throw apiErrors.badRequest(`resourceVersionMatch is forbidden unless resourceVersion is provided`);
  }
  if (opts.resourceVersionMatch === "Exact" && rv === 0) throw apiErrors.badRequest("resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
  const fromCache = !opts.continueToken && opts.resourceVersionMatch !== "Exact" && opts.resourceVersion !== ""
    && (rv === 0 || (opts.limit === 0 && ctx.watchCache(def).revision >= rv));
  if (fromCache) {
    const cache = ctx.watchCache(def);
    await cache.ready;
    const snap = cache.snapshot(prefix);
    const items = snap.items.map((i) => toServed(def, i.object)).filter((o) => pred.matches(o));
    return { items, resourceVersion: String(snap.revision), continueToken: "" };
  }
  let revision = 0;
  let start = "";
  if (opts.continueToken) {
    const state = decodeContinue(opts.continueToken);
    revision = state.revision === LATEST_REVISION ? 0 : state.revision;
    start = state.start;
  } else if (opts.resourceVersionMatch === "Exact") {
    revision = rv;
  }
  /** Upstream's answer to a compacted continue token: 410 with a token that goes on, inconsistently, at the latest revision. */
  const expiredContinue = () => apiErrors.expiredContinue(EXPIRED_CONTINUE_MESSAGE, encodeContinue({ revision: LATEST_REVISION, start }));
  // As etcd: the state at the compacted revision itself is still readable, older ones are gone.
  if (revision > 0 && revision < ctx.store.compactRevision()) {
    if (opts.continueToken) throw expiredContinue();
    throw apiErrors.tooOldResourceVersion(revision, ctx.store.compactRevision() + 1);
  }
  if (revision > ctx.store.currentRevision()) {
    throw apiErrors.tooManyRequests(`Too large resource version: ${revision}, current: ${ctx.store.currentRevision()}`, 1);
  }
  if (opts.resourceVersionMatch !== "Exact") {
    const cache = ctx.watchCache(def);
    const page = revision > 0
      ? cachePageAt(cache, def, prefix, revision, pred, opts.limit, start)
      : await consistentCachePage(cache, ctx.store.currentRevision(), (rev) => cachePageAt(cache, def, prefix, rev, pred, opts.limit, start));
    if (page) {
      const continueToken = page.nextStart ? encodeContinue({ revision: page.revision, start: page.nextStart }) : "";
      return { items: page.items, resourceVersion: String(page.revision), continueToken, ...(continueToken && pred.empty ? { remainingItemCount: page.remaining } : {}) };
    }
  }
  const items: KObject[] = [];
  let nextStart = "";
  let readRevision = revision;
  try {
    for (;;) {
      const want = opts.limit > 0 ? opts.limit - items.length : 0;
      const pageLimit = opts.limit > 0 ? Math.max(want, pred.empty ? want : 50) + 1 : 0;
      const page = await ctx.store.list(prefix, { startKey: start ? prefix + start : undefined, limit: pageLimit, revision: readRevision || undefined });
      readRevision = page.revision;
      let cutAt = -1;
      for (let i = 0; i < page.kvs.length; i++) {
        const kv = page.kvs[i];
        if (!kv) continue;
        const obj = rs.decode(kv);
        if (!pred.matches(obj)) continue;
        if (opts.limit > 0 && items.length >= opts.limit) { cutAt = i; nextStart = kv.key.slice(prefix.length); break; }
        items.push(obj);
      }
      if (cutAt >= 0) break;
      if (!page.more || page.kvs.length === 0) break;
      const last = page.kvs[page.kvs.length - 1];
      if (!last) break;
      start = `${last.key.slice(prefix.length)}\u0000`;
    }
  } catch (err) {
    if (err instanceof CompactedError) {
      if (opts.continueToken) throw expiredContinue();
      throw apiErrors.tooOldResourceVersion(err.requested, err.compacted + 1);
    }
    throw err;
  }
  const continueToken = nextStart ? encodeContinue({ revision: readRevision, start: nextStart }) : "";
  if (!continueToken || !pred.empty) return { items, resourceVersion: String(readRevision), continueToken };
  // Without selectors every further key is an item: count them at the same revision (upstream
  // sets remainingItemCount only then, from etcd's count).
  const rest = await ctx.store.count(prefix, { startKey: prefix + nextStart, revision: readRevision });
  return { items, resourceVersion: String(readRevision), continueToken, remainingItemCount: rest.count };
}

/** Waits (bounded) until the cache reflects `target`, then reads it at its current revision; undefined = use the store. */
async function consistentCachePage<T>(
  cache: { waitForRevision(rev: number, timeoutMs: number): Promise<boolean>; readonly revision: number },
  target: number,
  read: (revision: number) => T | undefined,
): Promise<T | undefined> {
  try {
    if (!(await cache.waitForRevision(target, CONSISTENT_CACHE_WAIT_MS))) return undefined;
  } catch {
    return undefined; // the cache never loaded: the store answers
  }
  return read(cache.revision);
}
