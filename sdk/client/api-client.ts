/**
 * ApiClient: the Kubernetes API as controllers and plugins use it. Every call is one API
 * request made as the client's identity; failures reject with ApiStatusError. Objects passed in
 * are never mutated; objects returned are the caller's to keep.
 */
import type { CollectionTarget, KubeObject, ObjectList, ObjectTarget, ResourceRef } from "./resource.ts";
import type { Status } from "./errors.ts";

export type PatchType = "merge" | "strategic" | "json" | "apply";

export interface GetOptions {
  /** "0": any cached version is fine; "" (default): the latest. */
  resourceVersion?: string;
  /** GET a subresource of the object instead, e.g. "scale", or "proxy/stats/summary" of a node. */
  subresource?: string;
  signal?: AbortSignal;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** "" (default): latest from storage; "0": any cached version. */
  resourceVersion?: string;
  resourceVersionMatch?: "NotOlderThan" | "Exact";
  limit?: number;
  continue?: string;
  signal?: AbortSignal;
}

export interface WatchOptions {
  /** Deliver changes after this resourceVersion; "" or "0": start with the current state as ADDED events. */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  /** Ends the watch; the iteration then completes. Required: every watch must end. */
  signal: AbortSignal;
}

export interface WriteOptions {
  /** Defaults to the client's field manager. */
  fieldManager?: string;
  dryRun?: boolean;
  fieldValidation?: "Ignore" | "Warn" | "Strict";
  /** Write a subresource (e.g. "status", "finalize", "scale") instead of the main resource. */
  subresource?: string;
  signal?: AbortSignal;
}

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take ownership of conflicting fields. */
  force?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface DeleteCollectionOptions extends DeleteOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

/** One watch event. BOOKMARK objects carry only `metadata.resourceVersion` (and annotations). */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  readonly type: WatchEventType;
  readonly object: T;
}

/** One served resource as discovery reports it (preferred version of each group). */
export interface ApiResource extends ResourceRef {
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
}

/** What `discover()` found; failed groups are reported, not thrown (as upstream's ErrGroupDiscoveryFailed). */
export interface DiscoveryResult {
  readonly resources: readonly ApiResource[];
  /** groupVersion -> error message, for groups whose resource list could not be read. */
  readonly failedGroups: ReadonlyMap<string, string>;
}

export interface ApiClient {
  /** The field manager writes default to. */
  readonly fieldManager: string;
  get<T extends KubeObject = KubeObject>(target: ObjectTarget, options?: GetOptions): Promise<T>;
  list<T extends KubeObject = KubeObject>(target: CollectionTarget, options?: ListOptions): Promise<ObjectList<T>>;
  /** POST. The namespace defaults to `object.metadata.namespace`. */
  create<T extends KubeObject = KubeObject>(target: CollectionTarget, object: T, options?: WriteOptions): Promise<T>;
  /** PUT. Name and namespace default to the object's; metadata.resourceVersion makes it conditional (Conflict on mismatch). */
  update<T extends KubeObject = KubeObject>(target: CollectionTarget & { name?: string }, object: T, options?: WriteOptions): Promise<T>;
  /** PUT of the status subresource. */
  updateStatus<T extends KubeObject = KubeObject>(target: CollectionTarget & { name?: string }, object: T, options?: WriteOptions): Promise<T>;
  /** PATCH; `apply` is server-side apply (`patch` is then the applied configuration). */
  patch<T extends KubeObject = KubeObject>(target: ObjectTarget, type: PatchType, patch: unknown, options?: PatchOptions): Promise<T>;
  /** DELETE. Resolves with the object (when deletion is pending on finalizers) or a Success Status. */
  delete(target: ObjectTarget, options?: DeleteOptions): Promise<KubeObject | Status>;
  deleteCollection(target: CollectionTarget, options?: DeleteCollectionOptions): Promise<void>;
  /**
   * WATCH as an async iteration. An ERROR event rejects the iteration with ApiStatusError
   * (410 Expired: start over with a list). Ends when `signal` fires or the server closes the stream.
   */
  watch<T extends KubeObject = KubeObject>(target: CollectionTarget, options: WatchOptions): AsyncIterable<WatchEvent<T>>;
  /** Served resources (preferred version per group), from discovery. */
  discover(options?: { signal?: AbortSignal }): Promise<DiscoveryResult>;
}
