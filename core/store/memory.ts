/**
 * In-memory driver: the full Store semantics (revisions, CAS, history, watch, compaction) with no
 * durability. For tests and `memory://`. Each call to createMemoryStore() is independent.
 */
import { rowToEvent, rowToKeyValue } from "./log-row.ts";
import type { LogRow } from "./log-row.ts";
import { applyMutation } from "./mutation.ts";
import type { Mutation } from "./mutation.ts";
import { CompactedError } from "./types.ts";
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent, WatchOptions } from "./types.ts";
import { WatchHub } from "./watch-hub.ts";

export function createMemoryStore(): Store {
  return new MemoryStore();
}

/** Index of the last element of `rows` (ascending by revision) with revision <= rev, or -1. */
function lastAtOrBefore(rows: readonly LogRow[], rev: number): number {
  let lo = 0, hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.revision <= rev) lo = mid + 1; else hi = mid;
  }
  return lo - 1;
}

/** First index in sorted `keys` whose key is >= k. */
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < k) lo = mid + 1; else hi = mid;
  }
  return lo;
}

class MemoryStore implements Store {
  /** Every retained row of each key, ascending by revision. */
  readonly #history = new Map<string, LogRow[]>();
  /** Keys that have retained rows, sorted. */
  #keys: string[] = [];
  /** Every retained row, ascending by revision. */
  #log: LogRow[] = [];
  #revision = 0;
  #compacted = 0;
  #closed = false;
  readonly #hub: WatchHub;

  constructor() {
    this.#hub = new WatchHub({
      startRevision: 0,
      ringSize: 4096,
      compactRevision: () => this.#compacted,
      readOlder: (after, upTo, prefix) => {
        const out: WatchEvent[] = [];
        for (let i = lastAtOrBefore(this.#log, after) + 1; i < this.#log.length; i++) {
          const row = this.#log[i]!;
          if (row.revision > upTo) break;
          if (row.key.startsWith(prefix)) out.push(rowToEvent(row));
        }
        return out;
      },
    });
  }

  currentRevision(): number { return this.#revision; }
  compactRevision(): number { return this.#compacted; }

  async get(key: string, revision?: number): Promise<{ revision: number; kv?: KeyValue }> {
    const rev = this.#readRevision(revision);
    const row = this.#rowAt(key, rev);
    return row ? { revision: rev, kv: rowToKeyValue(row) } : { revision: rev };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const rev = this.#readRevision(options.revision);
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const start = options.startKey !== undefined && options.startKey > prefix ? options.startKey : prefix;
    const kvs: KeyValue[] = [];
    let more = false;
    for (let i = lowerBound(this.#keys, start); i < this.#keys.length; i++) {
      const key = this.#keys[i]!;
      if (!key.startsWith(prefix)) break;
      const row = this.#rowAt(key, rev);
      if (!row) continue;
      if (kvs.length >= limit) { more = true; break; }
      kvs.push(rowToKeyValue(row));
    }
    return { revision: rev, kvs, more };
  }

  async count(prefix: string, options: ListOptions = {}): Promise<{ revision: number; count: number }> {
    const rev = this.#readRevision(options.revision);
    const start = options.startKey !== undefined && options.startKey > prefix ? options.startKey : prefix;
    let count = 0;
    for (let i = lowerBound(this.#keys, start); i < this.#keys.length; i++) {
      const key = this.#keys[i]!;
      if (!key.startsWith(prefix)) break;
      if (this.#rowAt(key, rev)) count++;
    }
    return { revision: rev, count };
  }

  async create(key: string, value: string, lease = 0): Promise<KeyValue> {
    return this.#write({ op: "create", key, value, lease });
  }

  async update(key: string, value: string, expectedModRevision: number, lease = 0): Promise<KeyValue> {
    return this.#write({ op: "update", key, value, expected: expectedModRevision, lease });
  }

  async delete(key: string, expectedModRevision = 0): Promise<KeyValue> {
    return this.#write({ op: "delete", key, expected: expectedModRevision });
  }

  watch(prefix: string, options: WatchOptions): AsyncIterable<WatchEvent> {
    return this.#hub.watch(prefix, options);
  }

  async compact(revision: number): Promise<number> {
    const target = Math.min(revision, this.#revision);
    if (target <= this.#compacted) return 0;
    this.#compacted = target;
    const removed = new Set<number>();
    for (const [key, rows] of this.#history) {
      let keepFrom = lastAtOrBefore(rows, target);
      if (keepFrom < 0) continue;
      if (rows[keepFrom]!.deleted) keepFrom++;
      for (let i = 0; i < keepFrom; i++) removed.add(rows[i]!.revision);
      if (keepFrom === 0) continue;
      rows.splice(0, keepFrom);
      if (rows.length === 0) this.#history.delete(key);
    }
    if (removed.size > 0) {
      this.#log = this.#log.filter((row) => !removed.has(row.revision));
      this.#keys = this.#keys.filter((key) => this.#history.has(key));
    }
    return removed.size;
  }

  dbSize(): number { return 0; }

  async close(): Promise<void> {
    this.#closed = true;
    this.#hub.close();
  }

  #write(m: Mutation): KeyValue {
    if (this.#closed) throw new Error("store is closed");
    let rows = this.#history.get(m.key);
    const row = applyMutation(rows?.[rows.length - 1], m, this.#revision + 1);
    this.#revision = row.revision;
    if (!rows) {
      rows = [];
      this.#history.set(m.key, rows);
      this.#keys.splice(lowerBound(this.#keys, m.key), 0, m.key);
    }
    rows.push(row);
    this.#log.push(row);
    this.#hub.publish([rowToEvent(row)]);
    return rowToKeyValue(row);
  }

  /** The revision a read happens at; throws CompactedError for compacted ones. */
  #readRevision(revision: number | undefined): number {
    if (!revision || revision <= 0) return this.#revision;
    if (revision < this.#compacted) throw new CompactedError(revision, this.#compacted);
    return Math.min(revision, this.#revision);
  }

  /** The key's live row as of `rev`, or undefined. */
  #rowAt(key: string, rev: number): LogRow | undefined {
    const rows = this.#history.get(key);
    if (!rows) return undefined;
    const row = rows[lastAtOrBefore(rows, rev)];
    return row && !row.deleted ? row : undefined;
  }
}
