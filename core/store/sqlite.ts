/**
 * SQLite driver on bun:sqlite (WAL).
 *
 * Writes: each write is decided immediately, in arrival order, against an in-memory index of every
 * key's newest row (CAS conflicts are thrown before anything is queued, so a rejected write changes
 * nothing). Accepted rows get consecutive revisions and wait in a queue; the queue is committed as
 * one transaction on the next turn of the event loop (group commit), on the main thread.
 *
 * Durability: the connection runs at synchronous=NORMAL, so a COMMIT only writes WAL frames; the
 * WAL is then fdatasynced (wal-sync.ts) and a write's promise resolves, and its watch event is
 * published, only after a sync that began after its COMMIT has completed. One sync runs at a time,
 * on the runtime's thread pool, covering every commit made before it began, so the event loop goes
 * on deciding and committing writes while the disk flushes (a sync took ~0.5-1 ms here, which
 * blocked the event loop when SQLite did it inside COMMIT). An isolated commit (one or two writes,
 * no sync running) is synced on this thread at once, which saves the thread hand-off.
 * "Committed" below means durable: reads and `currentRevision()` stop at the newest synced
 * revision, so nothing is visible that a power loss could take back.
 *
 * WAL checkpoints run on a worker thread (sqlite-checkpointer.ts). Figures: bench/store/RESULTS.md.
 *
 * Reads go to SQLite, bounded by the committed revision, so they never see a queued row.
 * Watch: see watch-hub.ts; events older than the in-memory ring are read from the table.
 * Compaction sweeps (previous sweep, target] in small transactions, yielding between them; its
 * progress is stored, so a compaction cut short (crash, close) is finished by the next one.
 * A failed commit rejects every write of its batch and reloads the index from the table.
 */
import { Database } from "bun:sqlite";
import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DEFAULT_COMPACTOR, startCompactor } from "./compactor.ts";
import type { Compactor, CompactorOptions } from "./compactor.ts";
import { prefixEnd, rowToEvent, rowToKeyValue } from "./log-row.ts";
import type { LogRow } from "./log-row.ts";
import { applyMutation } from "./mutation.ts";
import type { LatestRow, Mutation } from "./mutation.ts";
import { startCheckpointer } from "./sqlite-checkpointer.ts";
import type { Checkpointer } from "./sqlite-checkpointer.ts";
import { PRAGMA_SQL, SCHEMA_SQL, prepareStatements, synchronousLevel } from "./sqlite-schema.ts";
import type { RowRecord, Statements } from "./sqlite-schema.ts";
import { CompactedError } from "./types.ts";
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent, WatchOptions } from "./types.ts";
import { openWalSync, type WalSync } from "./wal-sync.ts";
import { WatchHub } from "./watch-hub.ts";

export interface SqliteStoreOptions {
  /** Periodic compaction; default DEFAULT_COMPACTOR (5 min, keep 1000 revisions). false = none. */
  readonly compactor?: CompactorOptions | false;
  /** Recent events kept in memory for watchers (default 10,000). */
  readonly watchRingSize?: number;
  /**
   * Most revisions swept per compaction transaction (default 2000). The batch adapts below this
   * so that each transaction takes a few milliseconds and writes are not held up.
   */
  readonly compactBatch?: number;
  /** Run WAL checkpoints on a worker thread every this many ms (default 200; 0 = let SQLite do it inline). */
  readonly checkpointIntervalMs?: number;
  /** Told about background failures (compaction, checkpoints, WAL syncs). Default: console.error. */
  readonly onBackgroundError?: (err: unknown) => void;
  /** How the WAL is made durable (tests substitute one they control). Default: openWalSync(path). */
  readonly walSync?: (databasePath: string) => WalSync;
}

/** Commits of at most this many writes are synced on the main thread when no sync is running. */
const INLINE_SYNC_MAX_WRITES = 2;

/** The SQLite store: a Store whose pending writes can be awaited. */
export interface SqliteStoreHandle extends Store {
  /**
   * Resolves once every write accepted before the call has settled (acknowledged or rejected), so
   * reads after it see what those writes did.
   */
  settled(): Promise<void>;
  /** The write connection's `PRAGMA synchronous` (1 = NORMAL: COMMITs leave the WAL sync to the store). */
  synchronousLevel(): number;
}

/** Open (creating if needed, with 0700 parent directories) the database at `path`. */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStoreHandle> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path, { create: true, strict: false });
  try {
    chmodSync(path, 0o600);
    for (const sql of PRAGMA_SQL) db.run(sql);
    for (const sql of SCHEMA_SQL) db.run(sql);
    return new SqliteStore(db, path, options);
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The index entry of a key's newest row (committed or queued). `value` is kept only while queued. */
interface Head {
  revision: number;
  deleted: boolean;
  createRevision: number;
  lease: number;
  value: string | undefined;
}

interface QueuedWrite {
  readonly row: LogRow;
  readonly resolve: (kv: KeyValue) => void;
  readonly reject: (err: unknown) => void;
}

const META_COMPACT = "compact_revision";
const META_SWEPT = "compact_swept";

function recordToRow(r: RowRecord): LogRow {
  return {
    revision: r.id, key: r.name, value: r.value ?? "", created: r.created !== 0, deleted: r.deleted !== 0,
    createRevision: r.create_revision, prevRevision: r.prev_revision, lease: r.lease, oldValue: r.old_value ?? "",
  };
}

class SqliteStore implements SqliteStoreHandle {
  readonly #db: Database;
  readonly #sql: Statements;
  readonly #hub: WatchHub;
  readonly #heads = new Map<string, Head>();
  readonly #compactBatch: number;
  readonly #compactor: Compactor | undefined;
  readonly #checkpointer: Checkpointer | undefined;
  readonly #onError: (err: unknown) => void;
  /** Highest revision durably committed (its WAL frames synced). */
  #committed: number;
  /** Highest revision in a SQLite COMMIT that returned (durable or waiting for a sync). */
  #written: number;
  /** Highest revision handed out (committed, written or queued). */
  #assigned: number;
  #compacted: number;
  /** How far compaction has swept (rows <= this are already cleaned). */
  #swept: number;
  #queue: QueuedWrite[] = [];
  #flushScheduled = false;
  readonly #walSync: WalSync;
  /** Written (COMMIT returned) and waiting for a WAL sync, in revision order. */
  #unsynced: QueuedWrite[] = [];
  /** A sync is running on the thread pool. */
  #syncing = false;
  /** Set when a WAL sync failed: what was written is of unknown durability, so writes stop. */
  #failed: Error | undefined;
  /** settled() callers: each waits for every revision up to `upTo` to settle. */
  #settleWaiters: { upTo: number; resolve: () => void }[] = [];
  #compaction: Promise<number> = Promise.resolve(0);
  #closed = false;

  constructor(db: Database, path: string, options: SqliteStoreOptions) {
    this.#db = db;
    this.#sql = prepareStatements(db);
    this.#compactBatch = Math.max(1, options.compactBatch ?? 2000);
    const onError = options.onBackgroundError ?? ((err: unknown) => console.error("store:", err));
    this.#committed = this.#sql.maxRevision.get()?.rev ?? 0;
    this.#compacted = this.#sql.getMeta.get(META_COMPACT)?.value ?? 0;
    this.#swept = this.#sql.getMeta.get(META_SWEPT)?.value ?? 0;
    this.#committed = Math.max(this.#committed, this.#compacted);
    this.#written = this.#committed;
    this.#assigned = this.#committed;
    this.#walSync = (options.walSync ?? openWalSync)(path);
    this.#onError = onError;
    this.#loadHeads();
    this.#hub = new WatchHub({
      startRevision: this.#committed,
      ringSize: options.watchRingSize ?? 10_000,
      compactRevision: () => this.#compacted,
      readOlder: (after, upTo, prefix) => this.#readEvents(after, upTo, prefix),
    });
    const compactor = options.compactor ?? DEFAULT_COMPACTOR;
    this.#compactor = compactor === false ? undefined : startCompactor(this, { onError, ...compactor });
    const checkpointMs = options.checkpointIntervalMs ?? 200;
    if (checkpointMs > 0) this.#checkpointer = startCheckpointer(path, checkpointMs, onError);
    else db.run("PRAGMA wal_autocheckpoint = 1000");
  }

  currentRevision(): number { return this.#committed; }
  compactRevision(): number { return this.#compacted; }
  synchronousLevel(): number { return synchronousLevel(this.#db); }

  async get(key: string, revision?: number): Promise<{ revision: number; kv?: KeyValue }> {
    const rev = this.#readRevision(revision);
    const rec = this.#sql.getAt.get(key, rev);
    this.#checkStillRetained(rev);
    if (!rec || rec.deleted !== 0) return { revision: rev };
    return { revision: rev, kv: rowToKeyValue(recordToRow(rec)) };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const rev = this.#readRevision(options.revision);
    const want = options.limit && options.limit > 0 ? options.limit : 0;
    const start = options.startKey !== undefined && options.startKey > prefix ? options.startKey : prefix;
    const end = prefixEnd(prefix);
    const sqlLimit = want > 0 ? want + 1 : -1;
    const recs = end === "" ? this.#sql.listFrom.all(start, rev, sqlLimit) : this.#sql.listRange.all(start, end, rev, sqlLimit);
    const kvs: KeyValue[] = [];
    let more = false;
    for (const r of recs) {
      if (want > 0 && kvs.length === want) { more = true; break; }
      kvs.push({ key: r.name, value: r.value ?? "", createRevision: r.create_revision, modRevision: r.id, lease: r.lease });
    }
    this.#checkStillRetained(rev);
    return { revision: rev, kvs, more };
  }

  async count(prefix: string, options: ListOptions = {}): Promise<{ revision: number; count: number }> {
    const rev = this.#readRevision(options.revision);
    const start = options.startKey !== undefined && options.startKey > prefix ? options.startKey : prefix;
    const end = prefixEnd(prefix);
    const rec = end === "" ? this.#sql.countFrom.get(start, rev) : this.#sql.countRange.get(start, end, rev);
    this.#checkStillRetained(rev);
    return { revision: rev, count: rec?.n ?? 0 };
  }

  create(key: string, value: string, lease = 0): Promise<KeyValue> {
    return this.#write({ op: "create", key, value, lease });
  }

  update(key: string, value: string, expectedModRevision: number, lease = 0): Promise<KeyValue> {
    return this.#write({ op: "update", key, value, expected: expectedModRevision, lease });
  }

  delete(key: string, expectedModRevision = 0): Promise<KeyValue> {
    return this.#write({ op: "delete", key, expected: expectedModRevision });
  }

  watch(prefix: string, options: WatchOptions): AsyncIterable<WatchEvent> {
    this.#assertOpen();
    return this.#hub.watch(prefix, options);
  }

  compact(revision: number): Promise<number> {
    // Compactions run one at a time, in call order.
    const next = this.#compaction.then(() => this.#compactTo(revision), () => this.#compactTo(revision));
    this.#compaction = next.catch(() => 0);
    return next;
  }

  settled(): Promise<void> {
    if (this.#committed >= this.#assigned || this.#failed) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#settleWaiters.push({ upTo: this.#assigned, resolve });
    return promise;
  }

  /** Wakes the settled() callers whose writes have all settled (all of them when `all`). */
  #wakeSettled(all: boolean): void {
    if (this.#settleWaiters.length === 0) return;
    const waiting: { upTo: number; resolve: () => void }[] = [];
    for (const w of this.#settleWaiters) {
      if (all || w.upTo <= this.#committed) w.resolve();
      else waiting.push(w);
    }
    this.#settleWaiters = waiting;
  }

  dbSize(): number {
    if (this.#closed) return 0;
    return this.#sql.pageBytes.get()?.bytes ?? 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#compactor?.stop();
    this.#flush();
    this.#closed = true;
    // Every write acknowledged or rejected before the descriptor and the connection go.
    await this.settled();
    this.#hub.close();
    await this.#compaction;
    await this.#checkpointer?.stop();
    this.#walSync.close();
    this.#db.close();
  }

  // ---- writes ----

  #write(m: Mutation): Promise<KeyValue> {
    try {
      this.#assertOpen();
      if (this.#failed) throw this.#failed;
      const row = applyMutation(this.#latest(m.key), m, this.#assigned + 1);
      this.#assigned = row.revision;
      this.#heads.set(row.key, {
        revision: row.revision, deleted: row.deleted, createRevision: row.createRevision, lease: row.lease, value: row.value,
      });
      const { promise, resolve, reject } = Promise.withResolvers<KeyValue>();
      this.#queue.push({ row, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
      return promise;
    } catch (err) {
      // A refusal decided against a row that is not synced yet (the key's newest row) is reported
      // once that row is readable, so a read after the error sees what the write lost to.
      const head = this.#heads.get(m.key);
      if (head && head.revision > this.#committed && !this.#failed) return this.settled().then(() => Promise.reject(err));
      return Promise.reject(err);
    }
  }

  /** The key's newest row for a CAS decision; a committed value is read back from the table. */
  #latest(key: string): LatestRow | undefined {
    const head = this.#heads.get(key);
    if (!head) return undefined;
    let value = head.value;
    if (value === undefined) value = head.deleted ? "" : this.#sql.valueById.get(head.revision)?.value ?? "";
    return { revision: head.revision, deleted: head.deleted, createRevision: head.createRevision, lease: head.lease, value };
  }

  /** Commit every queued row in one transaction, then have it synced (#sync). */
  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const sql = this.#sql;
    try {
      sql.begin.run();
      try {
        for (const { row } of batch) {
          sql.insert.run(row.revision, row.key, row.created ? 1 : 0, row.deleted ? 1 : 0, row.createRevision,
            row.prevRevision, row.lease, row.value, row.oldValue);
        }
        sql.commit.run();
      } catch (err) {
        if (this.#db.inTransaction) sql.rollback.run();
        throw err;
      }
    } catch (err) {
      // Nothing of this batch was written. Every queued write was in it, so forget them all.
      this.#assigned = this.#written;
      this.#loadHeads();
      for (const w of batch) w.reject(err);
      // The rejected writes are settled; what was written before them settles with its sync.
      for (const w of this.#settleWaiters) w.upTo = Math.min(w.upTo, this.#written);
      this.#wakeSettled(false);
      return;
    }
    this.#written = batch[batch.length - 1]!.row.revision;
    for (const { row } of batch) {
      // The value is readable from the table now.
      const head = this.#heads.get(row.key);
      if (head && head.revision === row.revision) head.value = undefined;
    }
    for (const w of batch) this.#unsynced.push(w);
    this.#sync();
  }

  /**
   * Makes the written writes durable, then settles them. With no sync running, a small batch is
   * synced here and now; otherwise one sync on the thread pool covers everything written before it
   * began, and when it ends the next one starts for what was written meanwhile.
   */
  #sync(): void {
    if (this.#syncing || this.#unsynced.length === 0) return;
    const covered = this.#unsynced;
    this.#unsynced = [];
    if (covered.length <= INLINE_SYNC_MAX_WRITES) {
      let err: Error | null = null;
      try {
        this.#walSync.syncNow();
      } catch (e) {
        err = e as Error;
      }
      this.#settle(covered, err);
      return;
    }
    this.#syncing = true;
    this.#walSync.sync((err) => {
      this.#syncing = false;
      this.#settle(covered, err);
      this.#sync();
    });
  }

  /** After the sync of `covered` (in revision order): publish and resolve them, or fail the store. */
  #settle(covered: QueuedWrite[], err: Error | null): void {
    if (err) {
      // The frames are in the WAL but may not be on disk: neither acknowledge nor deny them
      // (they may survive a crash), and accept nothing more on top of them.
      this.#failed ??= new Error(`store: the write-ahead log could not be synced to disk (${err.message}); writes are refused until lite restarts`);
      this.#onError(err);
      for (const w of [...covered, ...this.#unsynced.splice(0), ...this.#queue.splice(0)]) w.reject(this.#failed);
      this.#wakeSettled(true);
      return;
    }
    this.#committed = covered[covered.length - 1]!.row.revision;
    this.#hub.publish(covered.map(({ row }) => rowToEvent(row)));
    for (const { row, resolve } of covered) resolve(rowToKeyValue(row));
    this.#wakeSettled(false);
  }

  #loadHeads(): void {
    this.#heads.clear();
    for (const h of this.#sql.heads.iterate()) {
      this.#heads.set(h.name, {
        revision: h.id, deleted: h.deleted !== 0, createRevision: h.create_revision, lease: h.lease, value: undefined,
      });
    }
  }

  // ---- reads ----

  #assertOpen(): void {
    if (this.#closed) throw new Error("store is closed");
  }

  #readRevision(revision: number | undefined): number {
    this.#assertOpen();
    if (!revision || revision <= 0) return this.#committed;
    if (revision < this.#compacted) throw new CompactedError(revision, this.#compacted);
    return Math.min(revision, this.#committed);
  }

  /** After a read at `rev`: throw if a compaction that began meanwhile may have removed rows it needed. */
  #checkStillRetained(rev: number): void {
    if (rev < this.#compacted) throw new CompactedError(rev, this.#compacted);
  }

  #readEvents(after: number, upTo: number, prefix: string): WatchEvent[] {
    const out: WatchEvent[] = [];
    for (const rec of this.#sql.rowsBetween.iterate(after, upTo)) {
      if (rec.name.startsWith(prefix)) out.push(rowToEvent(recordToRow(rec)));
    }
    return out;
  }

  // ---- compaction ----

  async #compactTo(revision: number): Promise<number> {
    if (this.#closed) return 0;
    const target = Math.min(revision, this.#committed);
    if (target <= this.#compacted && this.#swept >= this.#compacted) return 0;
    // Raise the compact revision before removing anything (readers check it after reading).
    if (target > this.#compacted) {
      this.#sql.setMeta.run(META_COMPACT, target);
      this.#compacted = target;
    }
    const goal = this.#compacted;
    let removed = 0;
    let batch = Math.min(128, this.#compactBatch);
    while (this.#swept < goal && !this.#closed) {
      const from = this.#swept;
      const to = Math.min(goal, from + batch);
      const started = performance.now();
      removed += this.#sweep(from, to);
      this.#swept = to;
      // Aim for 2-6 ms per transaction.
      const ms = performance.now() - started;
      if (ms > 6) batch = Math.max(16, batch >> 1);
      else if (ms < 2) batch = Math.min(this.#compactBatch, batch * 2);
      // Let queued writes commit between batches, and wait for the WAL sync that covers them:
      // a sweep's frames make the next sync longer, so sweeping on while one runs would keep
      // writers waiting behind ever larger syncs.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await this.settled();
    }
    return removed;
  }

  /**
   * Remove rows superseded by, and tombstones among, the rows in (from, to]. One transaction,
   * committed without a WAL sync of its own: losing a sweep to a crash only means sweeping again,
   * and the next write's sync covers its frames. Writes waiting behind a sweep wait for its work,
   * not also for a disk flush.
   */
  #sweep(from: number, to: number): number {
    let removed = 0;
    const tombstones: { name: string; id: number }[] = [];
    removed = this.#sweepTransaction(from, to, tombstones);
    // A key whose newest row was a removed tombstone is simply absent now.
    for (const t of tombstones) {
      if (this.#heads.get(t.name)?.revision === t.id) this.#heads.delete(t.name);
    }
    return removed;
  }

  #sweepTransaction(from: number, to: number, tombstones: { name: string; id: number }[]): number {
    const sql = this.#sql;
    let removed = 0;
    sql.begin.run();
    try {
      for (const r of sql.sweepRange.all(from, to)) {
        if (r.prev_revision > 0) removed += sql.deleteById.run(r.prev_revision).changes;
        if (r.deleted !== 0) {
          removed += sql.deleteById.run(r.id).changes;
          tombstones.push({ name: r.name, id: r.id });
        }
      }
      sql.setMeta.run(META_SWEPT, to);
      sql.commit.run();
    } catch (err) {
      if (this.#db.inTransaction) sql.rollback.run();
      throw err;
    }
    return removed;
  }
}
