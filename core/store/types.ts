/**
 * The datastore contract: a kine-shaped, revisioned key-value log.
 *
 * Every successful write appends one row to a single log; its row id is the new cluster-wide
 * revision. A key's current value is its newest row; a deletion is a row with `deleted` set.
 * Writes are compare-and-swap on the key's mod revision. Watches tail the log from any retained
 * revision; revisions older than the compacted revision are gone (`CompactedError`, HTTP 410).
 *
 * Durability: a write's promise resolves only after the row is durable on disk (for durable
 * drivers). Concurrent writes may be committed together (group commit); each still gets its own
 * revision, in the order the driver assigned them.
 */

export interface KeyValue {
  readonly key: string;
  /** The stored bytes as a string (the API layer stores JSON). */
  readonly value: string;
  /** Revision of the row that created this key (its first row since the last deletion). */
  readonly createRevision: number;
  /** Revision of the row holding this value. */
  readonly modRevision: number;
  /** Lease id (0 = none). Kept for kine shape; TTL leases are handled by the API layer (Events). */
  readonly lease: number;
}

export type WatchEventType = "create" | "update" | "delete";

export interface WatchEvent {
  readonly type: WatchEventType;
  /** The key's state after the event (for delete: the last value before deletion, with modRevision = the delete's revision). */
  readonly kv: KeyValue;
  /** The previous state, for update and delete. */
  readonly prevKv?: KeyValue;
}

export interface ListResult {
  /** Revision at which the list was read. */
  readonly revision: number;
  readonly kvs: KeyValue[];
  /** True when `limit` cut the result short. */
  readonly more: boolean;
}

export interface ListOptions {
  /** Only keys >= startKey (still within the prefix). Used for pagination. */
  startKey?: string;
  /** At most this many results (0 or undefined = all). */
  limit?: number;
  /** Read as of this revision (0 or undefined = current). Older than compacted: CompactedError. */
  revision?: number;
}

export interface WatchOptions {
  /** Deliver events with revision > afterRevision. Older than compacted: CompactedError thrown synchronously by watch(). */
  afterRevision: number;
  /** Ends the watch; the iterator then completes. */
  signal: AbortSignal;
  /**
   * Progress notification (optional): called with a revision R once every event with revision
   * <= R under the prefix has been yielded AND consumed (the consumer asked for the next one).
   * Lets a cache know it reflects revision R even when R touched other prefixes.
   */
  progress?: (revision: number) => void;
}

export interface Store {
  /** Current (latest committed) revision. */
  currentRevision(): number;
  /**
   * The compacted revision C: events <= C are gone, and so is the state as of revisions < C.
   * Reads at a revision < C and watches with afterRevision < C throw CompactedError; reading at C
   * itself and watching from afterRevision = C still work.
   */
  compactRevision(): number;
  /** Read one key; undefined if absent (or deleted) at that revision. */
  get(key: string, revision?: number): Promise<{ revision: number; kv?: KeyValue }>;
  /** Keys under `prefix` in key order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /**
   * Count of live keys under `prefix`, as of `options.revision` (default: current) and only those
   * >= `options.startKey` when given (a list's remainingItemCount); `limit` is ignored.
   */
  count(prefix: string, options?: ListOptions): Promise<{ revision: number; count: number }>;
  /** Create a key that must not exist; throws KeyExistsError. Resolves once durable. */
  create(key: string, value: string, lease?: number): Promise<KeyValue>;
  /**
   * Replace a key whose current modRevision equals `expectedModRevision`; throws ConflictError /
   * KeyNotFoundError. Refusals (these and create's KeyExistsError) are reported only once a read
   * shows the row they were decided against, so a retry after one reads what the write lost to.
   */
  update(key: string, value: string, expectedModRevision: number, lease?: number): Promise<KeyValue>;
  /** Delete a key whose current modRevision equals `expectedModRevision` (0 = any); returns the deleted value. */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /**
   * Events for keys under `prefix` with revision > afterRevision, in revision order, live until the
   * signal fires (or the store closes); then the iterator completes. Never misses or reorders events.
   * Throws CompactedError if afterRevision is compacted. A watcher is never buffered without bound
   * and never slows writers: one that falls so far behind that compaction removes events it has not
   * read yet ends with CompactedError from its iterator (map it to 410 Gone; the client re-lists).
   */
  watch(prefix: string, options: WatchOptions): AsyncIterable<WatchEvent>;
  /**
   * Drop history before `revision` (clamped to the current one): rows superseded at or before it and
   * deletion tombstones at or before it. Afterwards compactRevision() = revision. Concurrent writes
   * proceed while it runs. Returns rows removed (0 if already compacted that far).
   */
  compact(revision: number): Promise<number>;
  /** Size of the database on disk in bytes (0 for memory). */
  dbSize(): number;
  /** Flush, stop background work, close. Idempotent. */
  close(): Promise<void>;
}

export class KeyExistsError extends Error {
  constructor(readonly key: string) { super(`key already exists: ${key}`); this.name = "KeyExistsError"; }
}
export class KeyNotFoundError extends Error {
  constructor(readonly key: string) { super(`key not found: ${key}`); this.name = "KeyNotFoundError"; }
}
export class ConflictError extends Error {
  constructor(readonly key: string, readonly expected: number, readonly actual: number) {
    super(`revision conflict on ${key}: expected ${expected}, found ${actual}`); this.name = "ConflictError";
  }
}
export class CompactedError extends Error {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`revision ${requested} has been compacted (oldest retained is ${compacted + 1})`); this.name = "CompactedError";
  }
}
