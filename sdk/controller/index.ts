/** The controller contract: informers, work queues, events and defineController. */
export type { Indexers, Informer, InformerHandlers, InformerOptions, SharedInformerFactory } from "./informer.ts";
export { NAMESPACE_INDEX } from "./informer.ts";
export type { RateLimiter, WorkQueue } from "./workqueue.ts";
export { DEFAULT_CONTROLLER_RATE_LIMITS } from "./workqueue.ts";
export type { EventRecorder, EventType } from "./events.ts";
export type { ControllerDefinition, ControllerRunner, ControllerSpec, ReconcileContext, ReconcileResult, WatchSpec } from "./controller.ts";
export { defineController, keysFor } from "./controller.ts";
export { namespacedKey, objectKey, splitKey } from "./keys.ts";
