/**
 * The state of one PriorityLevelConfiguration while requests run (upstream's queueset, simplified):
 * - `limit` seats (every request takes one seat; upstream's width estimate of lists and of watch
 *   notifications after writes is not made). Exempt levels have no limit.
 * - A request runs at once when a seat is free and nobody waits (the fast path: two counters).
 *   Otherwise, with `limitResponse.type: Reject` it is rejected (concurrency-limit); with `Queue` its flow
 *   (FlowSchema name and distinguisher) is hashed as upstream's hashFlowID (SHA-256, first 8 bytes little
 *   endian) and dealt a hand of `handSize` of the `queues` queues by upstream's shuffle-sharding dealer;
 *   it joins the hand's queue with the fewest waiting plus executing requests (first of the hand on a tie),
 *   or is rejected when that queue holds `queueLengthLimit` requests (queue-full).
 * - When a seat frees, the next waiting request is taken from the queues round-robin (upstream's fair
 *   queuing by virtual finish time, for requests of one seat and like durations), FIFO within a queue.
 * - A waiting request gives up after the wait limit (time-out) or when its client goes away (cancelled).
 * - Retry-After of rejections follows upstream's droppedRequestsTracker: 1 s, doubled (to 32 s at most)
 *   when a level drops 3×retryAfter requests within retryAfter seconds, decreased by one when it drops fewer
 *   than retryAfter.
 */
import { createHash } from "node:crypto";

export type RejectReason = "queue-full" | "concurrency-limit" | "time-out" | "cancelled";

export interface LevelSpec {
  readonly name: string;
  readonly uid: string;
  readonly exempt: boolean;
  /** Seats (Infinity: unlimited). */
  readonly limit: number;
  readonly nominalLimit: number;
  /** 0: Reject (no queuing). */
  readonly queues: number;
  readonly handSize: number;
  readonly queueLengthLimit: number;
}

/** A waiting or queued-then-executing request, for the debug dumps. */
export interface RequestRecord {
  readonly flowSchema: string;
  readonly distinguisher: string;
  readonly arrive: number;
  start: number;
  queue: number;
  readonly user: string;
  readonly verb: string;
  readonly path: string;
  readonly namespace: string;
  readonly name: string;
  readonly apiVersion: string;
  readonly resource: string;
  readonly subresource: string;
}

interface Waiter {
  readonly record: RequestRecord;
  readonly done: (dispatched: boolean) => void;
}

/** upstream hashFlowID: SHA-256 of name, NUL, distinguisher; the first 8 bytes as a little-endian uint64. */
export function hashFlowID(fsName: string, distinguisher: string): bigint {
  const sum = createHash("sha256").update(fsName).update("\u0000").update(distinguisher).digest();
  return sum.readBigUInt64LE(0);
}

/** upstream shufflesharding Dealer.Deal: `handSize` distinct cards of `deckSize`, from `hash`. */
export function dealHand(hash: bigint, deckSize: number, handSize: number): number[] {
  const remainders: number[] = [];
  let h = hash;
  for (let i = 0; i < handSize; i++) {
    const d = BigInt(deckSize - i);
    const next = h / d;
    remainders.push(Number(h - d * next));
    h = next;
  }
  const hand: number[] = [];
  for (let i = 0; i < handSize; i++) {
    let card = remainders[i]!;
    for (let j = i; j > 0; j--) if (card >= remainders[j - 1]!) card++;
    hand.push(card);
  }
  return hand;
}

const MAX_RETRY_AFTER = 32;

/** upstream droppedRequestsStats, per level. */
export class DroppedRequests {
  private retryAfter = 1;
  private retryAfterUpdate = 0;
  private currentUnix = 0;
  private currentCount = 0;
  private readonly history: { unix: number; count: number }[] = [];

  record(unix: number): void {
    if (unix === this.currentUnix) { this.currentCount++; return; }
    if (this.currentCount > 0 || this.currentUnix > 0) {
      this.history.push({ unix: this.currentUnix, count: this.currentCount });
      while (this.history.length && this.currentUnix - this.history[0]!.unix > MAX_RETRY_AFTER) this.history.shift();
    }
    this.currentUnix = unix;
    this.currentCount = 1;
    let dropped = 0;
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i]!;
      if (unix - h.unix > this.retryAfter) break;
      if (h.unix < unix) dropped += h.count;
    }
    if (unix - this.retryAfterUpdate >= this.retryAfter && dropped >= 3 * this.retryAfter) {
      this.retryAfter = Math.min(this.retryAfter * 2, MAX_RETRY_AFTER);
      this.retryAfterUpdate = unix;
    } else if (dropped < this.retryAfter && this.retryAfter > 1) {
      this.retryAfter--;
    }
  }

  get(): number {
    return this.retryAfter;
  }
}

export class PriorityLevel {
  spec: LevelSpec;
  executing = 0;
  waiting = 0;
  dispatched = 0;
  rejected = 0;
  timedout = 0;
  cancelled = 0;
  readonly dropped = new DroppedRequests();
  /** Requests of this level executing now that were counted (not exempt), for dump_requests. */
  readonly running = new Set<RequestRecord>();
  private queues: Waiter[][] = [];
  private queueExecuting: number[] = [];
  private next = 0;
  private readonly hands = new Map<string, number[]>();

  constructor(spec: LevelSpec) {
    this.spec = spec;
    this.reshape();
  }

  /** A new configuration of the same level: waiting requests are dealt again if the queues changed. */
  update(spec: LevelSpec): void {
    const old = this.spec;
    this.spec = spec;
    if (old.queues !== spec.queues || old.handSize !== spec.handSize) {
      const waiters = this.queues.flat();
      this.reshape();
      for (const w of waiters) {
        if (spec.queues === 0) { this.waiting--; w.record.queue = -1; w.done(true); this.executing++; continue; }
        const q = this.chooseQueue(w.record.flowSchema, w.record.distinguisher);
        w.record.queue = q;
        this.queues[q]!.push(w);
      }
    }
    this.dispatch();
  }

  private reshape(): void {
    this.queues = Array.from({ length: this.spec.queues }, () => []);
    this.queueExecuting = new Array(this.spec.queues).fill(0);
    this.next = 0;
    this.hands.clear();
  }

  /** A seat now, without waiting (no one waits and a seat is free). */
  tryAcquire(): boolean {
    if (this.waiting === 0 && this.executing < this.spec.limit) {
      this.executing++;
      return true;
    }
    return false;
  }

  /**
   * Queues `record`; `done(true)` when it got a seat (executing already counted), `done(false)` never
   * from here (the caller times out or cancels with `abandon`). Returns the reason of an immediate rejection.
   */
  enqueue(record: RequestRecord, done: (dispatched: boolean) => void): RejectReason | Waiter {
    if (this.spec.queues === 0) return "concurrency-limit";
    const q = this.chooseQueue(record.flowSchema, record.distinguisher);
    const queue = this.queues[q]!;
    if (queue.length >= this.spec.queueLengthLimit) return "queue-full";
    record.queue = q;
    const w: Waiter = { record, done };
    queue.push(w);
    this.waiting++;
    return w;
  }

  /** Takes a waiting request out of its queue (timed out or cancelled); false if it was dispatched meanwhile. */
  abandon(w: Waiter): boolean {
    const queue = this.queues[w.record.queue];
    const i = queue ? queue.indexOf(w) : -1;
    if (i < 0) return false;
    queue!.splice(i, 1);
    this.waiting--;
    return true;
  }

  /** Frees the seat of a request (`queue`: the queue it was dispatched from, -1 for none). */
  release(queue: number): void {
    this.executing--;
    if (queue >= 0 && queue < this.queueExecuting.length) this.queueExecuting[queue]!--;
    if (this.waiting > 0) this.dispatch();
  }

  /** Gives free seats to waiting requests, round-robin over the queues. */
  dispatch(): void {
    const n = this.queues.length;
    while (this.waiting > 0 && this.executing < this.spec.limit) {
      let found = -1;
      for (let k = 0; k < n; k++) {
        const q = (this.next + k) % n;
        if (this.queues[q]!.length > 0) { found = q; break; }
      }
      if (found < 0) return;
      this.next = (found + 1) % n;
      const w = this.queues[found]!.shift()!;
      this.waiting--;
      this.executing++;
      this.queueExecuting[found]!++;
      w.done(true);
    }
  }

  /** Waiting requests per queue and executing dispatched from each (dump_queues). */
  queueDigest(): { waiting: RequestRecord[]; executing: number }[] {
    return this.queues.map((q, i) => ({ waiting: q.map((w) => w.record), executing: this.queueExecuting[i] ?? 0 }));
  }

  activeQueues(): number {
    let n = 0;
    for (const q of this.queues) if (q.length) n++;
    return n;
  }

  private chooseQueue(fsName: string, distinguisher: string): number {
    const n = this.queues.length;
    if (n <= 1) return 0;
    const key = `${fsName}\u0000${distinguisher}`;
    let hand = this.hands.get(key);
    if (!hand) {
      hand = dealHand(hashFlowID(fsName, distinguisher), n, Math.min(this.spec.handSize, n));
      if (this.hands.size > 4096) this.hands.clear();
      this.hands.set(key, hand);
    }
    let best = hand[0]!, bestLoad = Infinity;
    for (const q of hand) {
      const load = this.queues[q]!.length + this.queueExecuting[q]!;
      if (load < bestLoad) { best = q; bestLoad = load; }
    }
    return best;
  }
}
