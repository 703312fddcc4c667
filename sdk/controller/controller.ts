/**
 * defineController: how core and plugins write controllers. A controller watches some resources
 * through shared informers, maps every change to string keys in its work queue, and reconciles one
 * key at a time per key (level-triggered: read the cache, compute desired state, write the
 * difference). Declaring has no side effect; a controller runner starts it.
 */
import type { ApiClient } from "../client/api-client.ts";
import type { CollectionTarget, KubeObject } from "../client/resource.ts";
import type { Logger } from "../logger.ts";
import type { EventRecorder } from "./events.ts";
import type { Indexers, Informer, InformerOptions, SharedInformerFactory } from "./informer.ts";
import { objectKey } from "./keys.ts";

/** One watched resource and how its objects become queue keys. */
export interface WatchSpec<T extends KubeObject = KubeObject> {
  /** Resource (and optionally one namespace) to watch. */
  target: CollectionTarget;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Indexers<T>;
  /** Keys to enqueue for a changed object (default: its own key, "ns/name" or "name"). Return [] to ignore. */
  map?(obj: T): readonly string[];
  /** Only these events enqueue (default all). `update` also fires on resync. */
  events?: readonly ("add" | "update" | "delete")[];
}

/** Returned by reconcile to ask for another pass later (level-triggered polling, e.g. waiting on a deadline). */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  /** Fires when the controller stops (shutdown or lost leadership). Pass it to API calls. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly client: ApiClient;
  readonly events: EventRecorder;
  readonly informers: SharedInformerFactory;
  /** The informer of a watched resource (same target and selectors as declared). */
  informer<T extends KubeObject = KubeObject>(target: CollectionTarget, options?: InformerOptions<T>): Informer<T>;
  /** How often this key has failed in a row (0 on the first try). */
  readonly retries: number;
}

export interface ControllerSpec {
  /** Unique, e.g. "namespace"; used for the logger, Event source and metrics. */
  name: string;
  watches: readonly WatchSpec<any>[];
  /** Concurrent workers (default 1). A key is never reconciled by two workers at once. */
  workers?: number;
  /** Re-deliver every cached object as an update this often (default: never). */
  resyncMs?: number;
  /**
   * Make the world match the desired state for `key`. Throwing re-queues the key with back-off
   * (the error is logged); returning normally forgets its back-off, and `requeueAfterMs` asks for
   * another pass later.
   */
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | void>;
}

export interface ControllerDefinition extends Readonly<ControllerSpec> {
  readonly kind: "lite.controller";
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Declares a controller; throws TypeError on a malformed declaration. */
export function defineController(spec: ControllerSpec): ControllerDefinition {
  if (!NAME.test(spec.name)) throw new TypeError(`controller name ${JSON.stringify(spec.name)} is invalid: expected a DNS label`);
  if (!Array.isArray(spec.watches) || spec.watches.length === 0) throw new TypeError(`controller "${spec.name}": watches must name at least one resource`);
  if (spec.workers !== undefined && (!Number.isInteger(spec.workers) || spec.workers < 1)) {
    throw new TypeError(`controller "${spec.name}": workers must be a positive integer`);
  }
  if (typeof spec.reconcile !== "function") throw new TypeError(`controller "${spec.name}": reconcile must be a function`);
  return Object.freeze({ ...spec, watches: Object.freeze([...spec.watches]), kind: "lite.controller" as const });
}

/** The keys a watch spec enqueues for `obj`. */
export function keysFor<T extends KubeObject>(watch: WatchSpec<T>, obj: T): readonly string[] {
  return watch.map ? watch.map(obj) : [objectKey(obj)];
}

/** Runs controllers for a plugin (offered as `coreServices.controllers`). */
export interface ControllerRunner {
  /**
   * Starts the controller once its informers have synced; resolves when `signal` fires and every
   * worker has finished its current key.
   */
  run(controller: ControllerDefinition, signal: AbortSignal): Promise<void>;
}

