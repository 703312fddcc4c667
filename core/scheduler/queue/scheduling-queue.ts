/**
 * The scheduling queue (upstream internal/queue.PriorityQueue):
 * - activeQ: pods ready to be scheduled, highest priority first, then oldest;
 * - backoffQ: pods that failed, waiting out their back-off (1 s doubling to 10 s per attempt);
 * - unschedulable: pods no node fits; they stay until a cluster event that one of the plugins
 *   that rejected them cares about (then to backoffQ or activeQ), or for at most 5 minutes.
 * A pod that failed while a cluster event happened during its cycle goes to backoffQ, not to
 * unschedulable (the event may have been the one it needed). `pop` waits; timers and waiters
 * end when the signal given to `run` fires.
 */
import type { ClusterEvent, ClusterEventAction, ClusterEventResource, Pod } from "@lite/sdk";
import type { Clock } from "../../controllers/runtime/clock.ts";
import { KeyedHeap } from "./heap.ts";

export interface QueuedPod {
  pod: Pod;
  readonly key: string;
  /** When it was (last) added to activeQ: the tie-breaker after priority. */
  timestamp: number;
  /** First time it entered the queue (for create-to-schedule metrics). */
  readonly initialTimestamp: number;
  attempts: number;
  /** Plugins that rejected it in its last cycle (empty: any event re-queues it). */
  unschedulablePlugins: Set<string>;
  backoffExpiry: number;
}

export interface SchedulingQueueOptions {
  clock: Clock;
  priorityOf(pod: Pod): number;
  /** For each plugin name, the cluster events that may help pods it rejected. */
  pluginEvents(plugin: string): readonly ClusterEvent[] | undefined;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxUnschedulableMs?: number;
}

export const podKey = (p: Pod): string => `${p.metadata.namespace}/${p.metadata.name}`;

export class SchedulingQueue {
  private readonly active: KeyedHeap<QueuedPod>;
  private readonly backoff = new KeyedHeap<QueuedPod>((a, b) => a.backoffExpiry < b.backoffExpiry);
  private readonly unschedulable = new Map<string, QueuedPod & { since: number }>();
  /** Pods popped and being scheduled (so updates/deletes of them are not lost). */
  private readonly inFlight = new Map<string, QueuedPod>();
  private waiters: (() => void)[] = [];
  private cycle = 0;
  private moveRequestCycle = -1;
  private closed = false;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxUnschedulable: number;

  constructor(private readonly o: SchedulingQueueOptions) {
    this.active = new KeyedHeap<QueuedPod>((a, b) => {
      const pa = o.priorityOf(a.pod), pb = o.priorityOf(b.pod);
      return pa !== pb ? pa > pb : a.timestamp < b.timestamp;
    });
    this.initialBackoff = o.initialBackoffMs ?? 1_000;
    this.maxBackoff = o.maxBackoffMs ?? 10_000;
    this.maxUnschedulable = o.maxUnschedulableMs ?? 5 * 60_000;
  }

  /** Flushes backoffQ every second and long-unschedulable pods every 30 s until `signal` fires. */
  run(signal: AbortSignal): void {
    const every = (ms: number, fn: () => void) => {
      let cancel = () => {};
      const tick = () => { if (signal.aborted) return; fn(); cancel = this.o.clock.setTimer(tick, ms); };
      cancel = this.o.clock.setTimer(tick, ms);
      return () => cancel();
    };
    const stopBackoff = every(1_000, () => this.flushBackoff());
    const stopLeftover = every(30_000, () => this.flushUnschedulableLeftover());
    signal.addEventListener("abort", () => { stopBackoff(); stopLeftover(); this.close(); }, { once: true });
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
  }

  /** A new pending pod. */
  add(pod: Pod): void {
    const key = podKey(pod);
    const now = this.o.clock.now();
    const existing = this.find(key);
    if (existing) { existing.pod = pod; return; }
    this.pushActive({ pod, key, timestamp: now, initialTimestamp: now, attempts: 0, unschedulablePlugins: new Set(), backoffExpiry: 0 });
  }

  /** The pod changed: take the new version; an unschedulable pod whose spec changed is retried. */
  update(oldPod: Pod, pod: Pod): void {
    const key = podKey(pod);
    const inFlight = this.inFlight.get(key);
    if (inFlight) { inFlight.pod = pod; return; }
    const act = this.active.get(key);
    if (act) { act.pod = pod; this.active.upsert(key, act); return; }
    const bo = this.backoff.get(key);
    if (bo) { bo.pod = pod; return; }
    const un = this.unschedulable.get(key);
    if (un) {
      un.pod = pod;
      if (specChanged(oldPod, pod)) {
        this.unschedulable.delete(key);
        if (this.isBackingOff(un)) this.backoff.upsert(key, un); else this.pushActive(un);
      }
      return;
    }
    this.add(pod);
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  /** The next pod to schedule; undefined once closed. */
  async pop(): Promise<QueuedPod | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const qp = this.active.pop();
      if (qp) {
        qp.attempts++;
        this.cycle++;
        this.inFlight.set(qp.key, qp);
        return qp;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** The number of the latest scheduling cycle (incremented by every pop). */
  schedulingCycle(): number { return this.cycle; }

  /** The pod's cycle ended (scheduled, or failed and re-queued): it is no longer in flight. */
  done(key: string): void { this.inFlight.delete(key); }

  /**
   * A pod failed in cycle `podCycle`. Unschedulable pods park in `unschedulable` unless a move
   * request happened since that cycle began; errors go to backoffQ.
   */
  requeueFailed(qp: QueuedPod, podCycle: number, unschedulable: boolean): void {
    if (!this.inFlight.has(qp.key)) return; // deleted meanwhile
    this.inFlight.delete(qp.key);
    qp.backoffExpiry = this.o.clock.now() + this.backoffDuration(qp);
    if (unschedulable && this.moveRequestCycle < podCycle) {
      this.unschedulable.set(qp.key, Object.assign(qp, { since: this.o.clock.now() }));
    } else {
      this.backoff.upsert(qp.key, qp);
    }
  }

  /** A cluster event: unschedulable pods some rejector of which cares move to backoffQ/activeQ. */
  moveOnEvent(resource: ClusterEventResource, action: ClusterEventAction, accept?: (pod: Pod) => boolean): void {
    this.moveRequestCycle = this.cycle;
    for (const [key, qp] of this.unschedulable) {
      if (accept && !accept(qp.pod)) continue;
      if (!this.interested(qp, resource, action)) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(qp)) this.backoff.upsert(key, qp); else this.pushActive(qp);
    }
  }

  /** Moves a pod (e.g. a nominated preemptor) straight back to activeQ. */
  activate(key: string): void {
    const qp = this.unschedulable.get(key) ?? this.backoff.get(key);
    if (!qp) return;
    this.unschedulable.delete(key);
    this.backoff.delete(key);
    this.pushActive(qp);
  }

  counts(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  flushBackoff(): void {
    const now = this.o.clock.now();
    for (let top = this.backoff.peek(); top && top.backoffExpiry <= now; top = this.backoff.peek()) {
      this.backoff.pop();
      this.pushActive(top);
    }
  }

  flushUnschedulableLeftover(): void {
    const now = this.o.clock.now();
    for (const [key, qp] of this.unschedulable) {
      if (now - qp.since < this.maxUnschedulable) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(qp)) this.backoff.upsert(key, qp); else this.pushActive(qp);
    }
  }

  private interested(qp: QueuedPod, resource: ClusterEventResource, action: ClusterEventAction): boolean {
    if (qp.unschedulablePlugins.size === 0) return true;
    for (const plugin of qp.unschedulablePlugins) {
      const events = this.o.pluginEvents(plugin);
      if (!events) return true;
      if (events.some((e) => e.resource === resource && e.actions.includes(action))) return true;
    }
    return false;
  }

  private backoffDuration(qp: QueuedPod): number {
    let d = this.initialBackoff;
    for (let i = 1; i < qp.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoff) return this.maxBackoff;
    }
    return d;
  }

  private isBackingOff(qp: QueuedPod): boolean { return qp.backoffExpiry > this.o.clock.now(); }

  private find(key: string): QueuedPod | undefined {
    return this.inFlight.get(key) ?? this.active.get(key) ?? this.backoff.get(key) ?? this.unschedulable.get(key);
  }

  private pushActive(qp: QueuedPod): void {
    qp.timestamp = this.o.clock.now();
    this.active.upsert(qp.key, qp);
    const w = this.waiters.shift();
    if (w) w();
  }
}

/** Spec (or labels) changed in a way that may change scheduling (status-only updates do not). */
function specChanged(a: Pod, b: Pod): boolean {
  return a.spec !== b.spec || a.metadata.labels !== b.metadata.labels;
}
