import type { KObject } from "../resources/index.ts";

export type CacheEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One change to one object. Objects are shared and must not be mutated. */
export interface CacheEvent {
  readonly type: CacheEventType;
  readonly key: string;
  /** State after the change; for DELETED the last state, with resourceVersion = the delete's revision. */
  readonly object: KObject;
  /** State before the change (MODIFIED, DELETED). */
  readonly prevObject?: KObject;
  readonly revision: number;
}

export interface CachedObject {
  readonly key: string;
  readonly object: KObject;
}
