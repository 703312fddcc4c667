/**
 * One row of the revision log, as both drivers hold it, and its conversions to the public
 * shapes. A row is immutable once committed.
 */
import type { KeyValue, WatchEvent } from "./types.ts";

export interface LogRow {
  /** The row's revision (its id in the log). */
  readonly revision: number;
  readonly key: string;
  /** For a deletion: the last value before deletion. */
  readonly value: string;
  /** True for the first row of a key (after creation or re-creation). */
  readonly created: boolean;
  /** True for a deletion tombstone. */
  readonly deleted: boolean;
  readonly createRevision: number;
  /** Revision of the key's previous row (0 if none). */
  readonly prevRevision: number;
  readonly lease: number;
  /** Value of the previous row (empty string for creations). */
  readonly oldValue: string;
}

export function rowToKeyValue(row: LogRow): KeyValue {
  return { key: row.key, value: row.value, createRevision: row.createRevision, modRevision: row.revision, lease: row.lease };
}

/**
 * The watch event a row represents. prevKv is rebuilt from oldValue/prevRevision; its lease is the
 * row's lease (leases are not versioned separately).
 */
export function rowToEvent(row: LogRow): WatchEvent {
  const kv = rowToKeyValue(row);
  if (row.created) return { type: "create", kv };
  const prevKv: KeyValue = {
    key: row.key, value: row.oldValue, createRevision: row.createRevision, modRevision: row.prevRevision, lease: row.lease,
  };
  return { type: row.deleted ? "delete" : "update", kv, prevKv };
}

/** Smallest string greater than every string starting with `prefix` ("" when there is none). */
export function prefixEnd(prefix: string): string {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return "";
}
