/**
 * Informers: a local, indexed, eventually consistent cache of one resource, filled by a list
 * followed by a watch from the list's resourceVersion (relisting when the watch expires).
 * Cached objects are frozen and shared: never mutate them; copy (structuredClone) before writing.
 */
import type { CollectionTarget, KubeObject } from "../client/resource.ts";

/** Index name -> function giving the index values of an object (e.g. by node name). */
export type Indexers<T extends KubeObject = KubeObject> = Record<string, (obj: T) => readonly string[]>;

/** The built-in index every informer keeps: objects by metadata.namespace. */
export const NAMESPACE_INDEX = "namespace";

export interface InformerHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  /** `obj` is the last state the cache knew (it may be stale when the deletion was seen on a relist). */
  delete?(obj: T): void;
}

export interface Informer<T extends KubeObject = KubeObject> {
  readonly target: CollectionTarget;
  /** Cached objects, optionally of one namespace. */
  list(namespace?: string): readonly T[];
  /** A cached object by key ("ns/name" or "name") or by namespace and name. */
  get(keyOrNamespace: string, name?: string): T | undefined;
  /** Objects whose index `indexName` contains `value`. Throws for an unknown index. */
  byIndex(indexName: string, value: string): readonly T[];
  /** Adds indexers (existing objects are indexed at once). Re-adding a name throws. */
  addIndexers(indexers: Indexers<T>): void;
  /**
   * Subscribes to changes. A handler added after the initial sync first receives `add` for every
   * cached object. Resync (when configured) delivers `update(obj, obj)` for every object. Handlers run
   * synchronously and must not block; the returned function unsubscribes.
   */
  on(handlers: InformerHandlers<T>): () => void;
  /** True once the first list has been delivered. */
  hasSynced(): boolean;
  /** Resolves true when synced, false if `signal` fires first. */
  waitForSync(signal: AbortSignal): Promise<boolean>;
  /** The resourceVersion of the last list or event seen ("" before the first list). */
  lastSyncResourceVersion(): string;
}

export interface InformerOptions<T extends KubeObject = KubeObject> {
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Indexers<T>;
  /** Periodic resync of handlers from the cache (0 or absent: none). */
  resyncMs?: number;
}

/**
 * Hands out informers shared by everyone asking for the same target and selectors: one list+watch
 * per resource, however many controllers read it. Informers run from the moment they are requested
 * (once the factory has started) until the factory's owner stops it.
 */
export interface SharedInformerFactory {
  informerFor<T extends KubeObject = KubeObject>(target: CollectionTarget, options?: InformerOptions<T>): Informer<T>;
  /** Resolves true when every informer requested so far has synced; false if `signal` fires first. */
  waitForSync(signal: AbortSignal): Promise<boolean>;
}
