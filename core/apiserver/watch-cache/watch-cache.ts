/**
 * A watch cache for one store prefix (one group/resource): the current objects plus a window
 * of recent events, fed by a single store watch. It serves `resourceVersion=0` lists and every
 * watch from memory. Objects handed out are shared and deep-frozen (in-process informers keep
 * them as they are: rest/in-process-objects.ts).
 *
 * Contract:
 * - `start()` lists the prefix and begins tailing; `ready` resolves after the first list.
 * - `revision` is the revision the cache reflects: the newest event applied, or newer when the
 *   store's watch reports progress past it (writes to other prefixes); never more than the store's.
 * - `waitForRevision(rev)` resolves once the cache reflects rev (consistent reads from the cache).
 * - `objectAt(key, rev)` is the cache's own object for a write the caller just made, if the cache
 *   applies that revision within the current turn of the event loop (see there).
 * - `subscribe(after, fn)` delivers, synchronously and in order, every event with revision > after;
 *   it throws `TooOldError` when `after` is older than the window (`windowStart`).
 * - If the store watch fails (e.g. compaction overtook it), subscribers are ended via `onEnd`
 *   and the cache relists.
 */
import type { KeyValue, Store, WatchEvent } from "../../store/types.ts";
import { deepFreeze } from "../machinery/json-value.ts";
import type { KObject } from "../resources/index.ts";
import type { CacheEvent, CachedObject } from "./types.ts";

export class TooOldError extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
    this.name = "TooOldError";
  }
}

export interface Subscriber {
  onEvent(event: CacheEvent): void;
  /** The cache can no longer serve this subscriber (relist or stop). */
  onEnd(reason: "stopped" | "reset"): void;
}

export interface WatchCacheOptions {
  /** Events kept for watches that resume from an older revision. */
  capacity?: number;
}

export type ObjectDecoder = (kv: KeyValue, revision?: number) => KObject;

export class WatchCache {
  private readonly objects = new Map<string, KObject>();
  private readonly events: CacheEvent[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private readonly capacity: number;
  private abort = new AbortController();
  private stopped = false;
  private readyResolve!: () => void;
  private readyReject!: (e: unknown) => void;
  private waiters: Array<{ rev: number; resolve: () => void }> = [];
  /** objectAt callers waiting for their revision; answered undefined at the latest by `sweepScheduled`'s setImmediate. */
  private objectWaiters: Array<{ key: string; rev: number; resolve: (o: KObject | undefined) => void }> = [];
  private sweepScheduled = false;
  /** Newest revision applied. */
  revision = 0;
  /** Revision of the newest change to the cached state (the event applied, or the relist). */
  private changedRevision = 0;
  /** Sorted snapshots per key prefix, valid while `changedRevision` is what they were taken at. */
  private readonly sortedByPrefix = new Map<string, { changed: number; items: CachedObject[] }>();
  /** Events with revision > windowStart are all buffered. */
  windowStart = 0;
  readonly ready: Promise<void>;
  /** True once `ready` has resolved (the first list is in). */
  isReady = false;

  constructor(private readonly store: Store, readonly prefix: string, private readonly decode: ObjectDecoder, options: WatchCacheOptions = {}) {
    this.capacity = options.capacity ?? 4096;
    this.ready = new Promise((resolve, reject) => { this.readyResolve = resolve; this.readyReject = reject; });
    this.ready.catch(() => {});
  }

  start(): void {
    void this.run();
  }

  private async run(): Promise<void> {
    let first = true;
    while (!this.stopped) {
      try {
        const listed = await this.store.list(this.prefix);
        this.objects.clear();
        this.sortedByPrefix.clear();
        for (const kv of listed.kvs) this.objects.set(kv.key, deepFreeze(this.decode(kv)));
        this.events.length = 0;
        this.revision = listed.revision;
        this.changedRevision = listed.revision;
        this.windowStart = listed.revision;
        if (first) { first = false; this.isReady = true; this.readyResolve(); }
        this.flushWaiters();
        const signal = this.abort.signal;
        const progress = (rev: number) => this.progress(rev);
        for await (const ev of this.store.watch(this.prefix, { afterRevision: listed.revision, signal, progress })) {
          this.apply(ev);
        }
        if (this.stopped) return;
      } catch (err) {
        if (this.stopped) return;
        if (first) { first = false; this.readyReject(err); return; }
      }
      // The watch ended without stop: tell subscribers to rewatch, then relist.
      for (const s of [...this.subscribers]) s.onEnd("reset");
      this.subscribers.clear();
      await Bun.sleep(50);
    }
  }

  private apply(ev: WatchEvent): void {
    const rev = ev.kv.modRevision;
    const prev = this.objects.get(ev.kv.key);
    let event: CacheEvent;
    if (ev.type === "delete") {
      const last = prev ?? (ev.prevKv ? this.decode(ev.prevKv) : this.decode(ev.kv));
      const object = deepFreeze({ ...last, metadata: { ...last.metadata, resourceVersion: String(rev) } });
      this.objects.delete(ev.kv.key);
      event = { type: "DELETED", key: ev.kv.key, object, prevObject: prev, revision: rev };
    } else {
      const object = deepFreeze(this.decode(ev.kv));
      this.objects.set(ev.kv.key, object);
      event = prev ? { type: "MODIFIED", key: ev.kv.key, object, prevObject: prev, revision: rev } : { type: "ADDED", key: ev.kv.key, object, revision: rev };
    }
    this.events.push(event);
    if (this.events.length > this.capacity) {
      const dropped = this.events.shift();
      if (dropped) this.windowStart = dropped.revision;
    }
    this.revision = rev;
    this.changedRevision = rev;
    // A change invalidates every memoized snapshot; dropping them keeps no replaced object alive.
    if (this.sortedByPrefix.size) this.sortedByPrefix.clear();
    for (const s of this.subscribers) s.onEvent(event);
    this.flushWaiters();
  }

  /** The store reports every event <= rev under the prefix applied: the cache reflects rev. */
  private progress(rev: number): void {
    if (rev <= this.revision || this.stopped) return;
    this.revision = rev;
    this.flushWaiters();
  }

  private flushWaiters(): void {
    if (this.objectWaiters.length > 0) this.flushObjectWaiters(false);
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (w.rev <= this.revision ? w.resolve() : still.push(w));
    this.waiters = still;
  }

  /**
   * The cached object for `key` as of revision `rev`, for a writer that has just stored that
   * revision: resolves with the cache's own (shared, frozen) object once the cache has applied
   * `rev` and still holds exactly that revision for the key; with undefined when the key holds
   * another revision by then, or when the cache has not applied `rev` before the event loop's next
   * turn (the store publishes a commit's events before it resolves the writes, and the cache
   * follows them in microtasks, so a healthy cache always answers within the turn; a relisting or
   * stopped one is not waited for). Undefined answers cost the caller a decode, never a wrong object.
   */
  objectAt(key: string, rev: number): Promise<KObject | undefined> {
    if (this.revision >= rev) return Promise.resolve(this.exactly(key, rev));
    if (this.stopped || !this.isReady) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.objectWaiters.push({ key, rev, resolve });
      if (!this.sweepScheduled) {
        this.sweepScheduled = true;
        setImmediate(() => { this.sweepScheduled = false; this.flushObjectWaiters(true); });
      }
    });
  }

  private exactly(key: string, rev: number): KObject | undefined {
    const object = this.objects.get(key);
    return object !== undefined && object.metadata.resourceVersion === String(rev) ? object : undefined;
  }

  /** Answers the objectAt callers whose revision is applied; with `giveUp`, the rest with undefined. */
  private flushObjectWaiters(giveUp: boolean): void {
    const still: typeof this.objectWaiters = [];
    for (const w of this.objectWaiters) {
      if (w.rev <= this.revision) w.resolve(this.exactly(w.key, w.rev));
      else if (giveUp) w.resolve(undefined);
      else still.push(w);
    }
    this.objectWaiters = still;
  }

  /** Resolves once `revision` >= rev, or after `timeoutMs` (returns whether it was reached). */
  async waitForRevision(rev: number, timeoutMs: number): Promise<boolean> {
    await this.ready;
    if (this.revision >= rev) return true;
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => { this.waiters = this.waiters.filter((w) => w !== entry); resolve(false); }, timeoutMs);
      const entry = { rev, resolve: () => { clearTimeout(timer); resolve(true); } };
      this.waiters.push(entry);
    });
  }

  /**
   * Current objects in key order, with the revision they reflect. The items array is shared by
   * every caller until the next change (LISTs between writes cost no scan and sort): callers must
   * not modify it.
   */
  snapshot(keyPrefix = this.prefix): { revision: number; items: readonly CachedObject[] } {
    const memo = this.sortedByPrefix.get(keyPrefix);
    if (memo && memo.changed === this.changedRevision) return { revision: this.revision, items: memo.items };
    const items: CachedObject[] = [];
    for (const [key, object] of this.objects) if (key.startsWith(keyPrefix)) items.push({ key, object });
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // Bounded: one entry per prefix asked between two changes (a resource's namespaces).
    if (this.sortedByPrefix.size >= 1000) this.sortedByPrefix.clear();
    this.sortedByPrefix.set(keyPrefix, { changed: this.changedRevision, items });
    return { revision: this.revision, items };
  }

  /**
   * The objects as of exactly revision `rev`, if the cache can tell: no change since `rev` and the
   * cache reflects at least `rev`. Otherwise undefined (read the store at `rev`).
   */
  snapshotAt(rev: number, keyPrefix = this.prefix): { revision: number; items: readonly CachedObject[] } | undefined {
    if (this.changedRevision > rev || this.revision < rev || this.changedRevision === 0) return undefined;
    return { revision: rev, items: this.snapshot(keyPrefix).items };
  }

  /** Objects cached now (apiserver_storage_objects). */
  get objectCount(): number {
    return this.objects.size;
  }

  get(key: string): KObject | undefined {
    return this.objects.get(key);
  }

  /**
   * Subscribe to events after `afterRevision` (buffered ones are replayed synchronously first).
   * Returns an unsubscribe function.
   */
  subscribe(afterRevision: number, subscriber: Subscriber): () => void {
    if (afterRevision < this.windowStart) throw new TooOldError(afterRevision, this.windowStart + 1);
    for (const e of this.events) if (e.revision > afterRevision) subscriber.onEvent(e);
    this.subscribers.add(subscriber);
    return () => { this.subscribers.delete(subscriber); };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    for (const s of [...this.subscribers]) s.onEnd("stopped");
    this.subscribers.clear();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    this.flushObjectWaiters(true);
  }
}
