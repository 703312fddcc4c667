/**
 * Watch fan-out shared by the drivers.
 *
 * The driver publishes every committed event, in revision order, with no gaps. The hub keeps the
 * most recent ones in a ring; each watcher only holds a cursor (the last revision it has looked
 * at) and pulls the next events from the ring, or from the driver's durable history when it has
 * fallen behind the ring. Writers therefore never wait for watchers and no per-watcher queue
 * grows: a slow watcher simply reads older history later. If its cursor falls behind the
 * compacted revision, its iterator ends with CompactedError (HTTP 410 Gone for the API layer).
 *
 * A watcher that has consumed everything waits idle. A publish wakes only the idle watchers whose
 * prefix one of its events falls under; the others are moved past the batch where they sit and
 * told so through their progress callback, synchronously, without resuming their iterators (a
 * server has one watcher per resource, so every write used to resume them all).
 */
import type { WatchEvent, WatchOptions } from "./types.ts";
import { CompactedError } from "./types.ts";

export interface WatchHubOptions {
  /** Revision already committed when the hub starts; events after it are published. */
  readonly startRevision: number;
  /** How many recent events to keep in memory. */
  readonly ringSize: number;
  /** Events with revision in (after, upTo] under prefix, in order, from durable history. */
  readOlder(after: number, upTo: number, prefix: string): readonly WatchEvent[] | Promise<readonly WatchEvent[]>;
  /** The driver's compacted revision, raised BEFORE any row is removed. */
  compactRevision(): number;
}

/** Events a watcher takes per pull; bounds the work done between two yields. */
const PULL_BATCH = 1000;

interface IdleWatcher {
  readonly prefix: string;
  /** Every event <= cursor under the prefix has been consumed; publish moves it past batches that hold none. */
  cursor: number;
  readonly wake: () => void;
  readonly progress?: (revision: number) => void;
}

export class WatchHub {
  readonly #opts: WatchHubOptions;
  readonly #ring: (WatchEvent | undefined)[];
  /** Oldest revision the ring was ever able to hold (events before it were never published here). */
  readonly #firstPublished: number;
  #committed: number;
  /** Watchers waiting for events after `cursor` (= the committed revision when they began waiting). */
  #idle = new Set<IdleWatcher>();
  #closed = false;

  constructor(opts: WatchHubOptions) {
    this.#opts = opts;
    this.#ring = new Array<WatchEvent | undefined>(Math.max(1, opts.ringSize));
    this.#committed = opts.startRevision;
    this.#firstPublished = opts.startRevision + 1;
  }

  /** Latest revision published. */
  get revision(): number { return this.#committed; }

  /** Publish committed events; their revisions must continue the sequence without gaps. */
  publish(events: readonly WatchEvent[]): void {
    for (const ev of events) {
      const rev = ev.kv.modRevision;
      if (rev !== this.#committed + 1) throw new Error(`watch hub: revision ${rev} published after ${this.#committed}`);
      this.#ring[rev % this.#ring.length] = ev;
      this.#committed = rev;
    }
    if (events.length === 0) return;
    for (const w of this.#idle) {
      if (events.some((ev) => ev.kv.key.startsWith(w.prefix))) {
        this.#idle.delete(w);
        w.wake();
      } else {
        w.cursor = this.#committed;
        try {
          w.progress?.(this.#committed);
        } catch {
          // a consumer's callback never fails a publish (the driver publishes after its commit)
        }
      }
    }
  }

  /** Stop every watcher (their iterators complete). Idempotent. */
  close(): void {
    this.#closed = true;
    this.#wakeAll();
  }

  /** See Store.watch. Throws CompactedError synchronously when afterRevision is compacted. */
  watch(prefix: string, options: WatchOptions): AsyncIterable<WatchEvent> {
    const compacted = this.#opts.compactRevision();
    if (options.afterRevision < compacted) throw new CompactedError(options.afterRevision, compacted);
    return this.#run(prefix, options.afterRevision, options.signal, options.progress);
  }

  #wakeAll(): void {
    const idle = this.#idle;
    this.#idle = new Set();
    for (const w of idle) w.wake();
  }

  #oldestInRing(): number {
    return Math.max(this.#firstPublished, this.#committed - this.#ring.length + 1);
  }

  async *#run(prefix: string, afterRevision: number, signal: AbortSignal, progress?: (revision: number) => void): AsyncGenerator<WatchEvent> {
    let cursor = afterRevision;
    let idle: IdleWatcher | undefined;
    const onAbort = (): void => idle?.wake();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal.aborted && !this.#closed) {
        if (cursor >= this.#committed) {
          await new Promise<void>((resolve) => {
            idle = { prefix, cursor, wake: resolve, progress };
            this.#idle.add(idle);
          });
          // publish may have moved the cursor past batches with nothing under the prefix.
          cursor = idle!.cursor;
          this.#idle.delete(idle!);
          idle = undefined;
          continue;
        }
        let upTo = Math.min(this.#committed, cursor + PULL_BATCH);
        let batch: readonly WatchEvent[];
        const oldest = this.#oldestInRing();
        if (cursor + 1 >= oldest) {
          const out: WatchEvent[] = [];
          for (let rev = cursor + 1; rev <= upTo; rev++) {
            const ev = this.#ring[rev % this.#ring.length];
            if (ev !== undefined && ev.kv.key.startsWith(prefix)) out.push(ev);
          }
          batch = out;
        } else {
          upTo = Math.min(upTo, oldest - 1);
          this.#checkCompacted(cursor);
          batch = await this.#opts.readOlder(cursor, upTo, prefix);
          // A compaction that started during the read may have removed rows we needed.
          this.#checkCompacted(cursor);
        }
        cursor = upTo;
        for (const ev of batch) {
          if (signal.aborted || this.#closed) return;
          yield ev;
        }
        // Every event up to upTo under the prefix has been consumed.
        progress?.(upTo);
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      if (idle) this.#idle.delete(idle);
    }
  }

  #checkCompacted(cursor: number): void {
    const compacted = this.#opts.compactRevision();
    if (cursor < compacted) throw new CompactedError(cursor, compacted);
  }
}
