/**
 * One serial worker per pod (upstream `pod_workers.go`): updates for a pod coalesce while its sync
 * runs and trigger exactly one more; a sync may ask to be run again after a delay (back-off,
 * polling); a pod that disappeared from the API is terminated and cleaned up, then forgotten.
 */
import type { Logger } from "@lite/sdk";
import type { Pod } from "./pod-types.ts";

export interface PodWorkerHandlers {
  sync(pod: Pod): Promise<number | undefined>;
  /** The pod is gone from the API: stop what runs, then remove its runtime state. */
  gone(pod: Pod): Promise<void>;
}

interface Worker {
  pod: Pod;
  gone: boolean;
  running: boolean;
  pending: boolean;
  timer?: ReturnType<typeof setTimeout>;
  done?: Promise<void>;
}

export class PodWorkers {
  private workers = new Map<string, Worker>();
  private stopped = false;

  constructor(private readonly handlers: PodWorkerHandlers, private readonly log: Logger) {}

  update(pod: Pod): void {
    const uid = pod.metadata.uid!;
    const w = this.workers.get(uid);
    if (w) { if (!w.gone) w.pod = pod; }
    else this.workers.set(uid, { pod, gone: false, running: false, pending: false });
    this.kick(uid);
  }

  remove(pod: Pod): void {
    const uid = pod.metadata.uid!;
    let w = this.workers.get(uid);
    if (!w) this.workers.set(uid, w = { pod, gone: true, running: false, pending: false });
    w.gone = true;
    this.kick(uid);
  }

  /** Runs the pod's sync soon (a runtime change was seen). */
  kick(uid: string): void {
    const w = this.workers.get(uid);
    if (!w || this.stopped) return;
    if (w.timer) { clearTimeout(w.timer); w.timer = undefined; }
    if (w.running) { w.pending = true; return; }
    w.running = true;
    w.done = this.loop(uid, w);
  }

  has(uid: string): boolean { return this.workers.has(uid); }
  pods(): Pod[] { return [...this.workers.values()].filter((w) => !w.gone).map((w) => w.pod); }

  private async loop(uid: string, w: Worker): Promise<void> {
    do {
      w.pending = false;
      if (w.gone) {
        try {
          await this.handlers.gone(w.pod);
        } catch (err) {
          this.log.error("pod cleanup failed", { uid, error: err instanceof Error ? err.message : String(err) });
        }
        this.workers.delete(uid);
        return;
      }
      let again: number | undefined;
      try {
        again = await this.handlers.sync(w.pod);
      } catch (err) {
        this.log.error("pod sync failed", { pod: `${w.pod.metadata.namespace}/${w.pod.metadata.name}`, error: err instanceof Error ? err.message : String(err) });
        again = 2_000;
      }
      if (again !== undefined && !w.pending && !this.stopped) w.timer = setTimeout(() => { w.timer = undefined; this.kick(uid); }, again);
    } while (w.pending && !this.stopped);
    w.running = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.workers.values()) if (w.timer) clearTimeout(w.timer);
    // Syncs in flight finish on their own; shutdown does not wait out a grace period (pods keep running).
    await Promise.race([Promise.all([...this.workers.values()].map((w) => w.done)), Bun.sleep(2_000)]);
  }
}
