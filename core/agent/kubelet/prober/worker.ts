/**
 * One probe of one running container instance (upstream pkg/kubelet/prober/worker.go). A worker
 * lives as long as its container instance: a restarted container gets a new worker.
 *
 * Timing: the first probe runs at once, after a random jitter in [0, period) when the kubelet
 * started less than one period ago (so adopted pods are not all probed together); then one probe
 * per period tick (ticks missed while a probe runs collapse into one), plus manual triggers.
 * Nothing is probed before initialDelaySeconds since the container started; liveness and
 * readiness wait until the container has started (startup probe passed), the startup probe stops
 * once it has. A result changes only after successThreshold / failureThreshold equal outcomes in a
 * row; prober errors are thrown away. After liveness or startup fails past the threshold the
 * worker holds (probes no more) until it is replaced. When the pod is being deleted, liveness and
 * startup report success one last time and end; readiness keeps probing.
 */
import type { Clock } from "../../../controllers/runtime/clock.ts";
import type { ContainerSpec, Pod } from "../pod-types.ts";
import type { ProbeTarget } from "../ports.ts";
import type { ProbeKind, TimedProbe } from "./probe-types.ts";

/** What a worker needs from its manager. */
export interface WorkerHost {
  readonly clock: Clock;
  /** When the manager (the kubelet) started, ms since the epoch. */
  readonly startedAt: number;
  random(): number;
  /** The latest version of the pod. */
  pod(): Pod;
  /** Whether this worker's container has started (its startup probe, if any, passed). */
  started(worker: ProbeWorker): boolean;
  /** Runs the probe once and records its events. */
  probe(worker: ProbeWorker, pod: Pod): Promise<"success" | "failure" | "error">;
  /** The worker's result changed. */
  changed(worker: ProbeWorker, ok: boolean): void;
  /** The worker's loop failed unexpectedly. */
  crashed(worker: ProbeWorker, err: unknown): void;
}

export class ProbeWorker {
  /** Current result; undefined while unknown (a startup probe before its verdict). */
  result: boolean | undefined;
  /** The loop has ended (pod deletion); the worker no longer stands for its probe. */
  done = false;
  private onHold = false;
  private lastResult: "success" | "failure" | undefined;
  private resultRun = 0;
  private stopped = false;
  private wake: AbortController | undefined;
  private triggered = false;
  private jittering = false;

  constructor(
    readonly kind: ProbeKind,
    readonly probe: TimedProbe,
    readonly container: ContainerSpec,
    /** Updated by the manager when the pod IP changes; the container id never does. */
    public target: ProbeTarget,
    private readonly host: WorkerHost,
  ) {
    // Upstream's initial values: not ready, alive, start unknown.
    this.result = kind === "readiness" ? false : kind === "liveness" ? true : undefined;
  }

  /** Starts the loop (after the caller's current turn: never calls back synchronously). */
  start(): void {
    queueMicrotask(() => {
      this.run().catch((err) => {
        this.done = true;
        this.host.crashed(this, err);
      });
    });
  }

  /** Ends the loop; idempotent. A probe in flight is let finish and its result discarded. */
  stop(): void {
    this.stopped = true;
    this.wake?.abort();
  }

  /** Probes now instead of at the next tick (non-blocking; at most one trigger is pending). */
  trigger(): void {
    this.triggered = true;
    if (!this.jittering) this.wake?.abort();
  }

  private async run(): Promise<void> {
    const { clock } = this.host;
    const period = this.probe.periodSeconds * 1000;
    if (period > clock.now() - this.host.startedAt) {
      const jitter = this.host.random() * period;
      this.jittering = true;
      if (jitter > 0) await this.sleep(jitter);
      this.jittering = false;
    }
    let nextTick = clock.now() + period;
    while (!this.stopped && (await this.doProbe()) && !this.stopped) {
      if (this.triggered) { this.triggered = false; continue; }
      let now = clock.now();
      if (now < nextTick) {
        await this.sleep(nextTick - now);
        if (this.stopped) break;
        now = clock.now();
        if (this.triggered) { this.triggered = false; if (now < nextTick) continue; }
      }
      while (nextTick <= now) nextTick += period;
    }
    this.done = true;
  }

  private async sleep(ms: number): Promise<void> {
    this.wake = new AbortController();
    if (this.stopped) this.wake.abort();
    await this.host.clock.sleep(ms, this.wake.signal);
    this.wake = undefined;
  }

  /** One round; false ends the loop. */
  private async doProbe(): Promise<boolean> {
    if (this.onHold) return true;
    const pod = this.host.pod();
    if (pod.metadata.deletionTimestamp && this.kind !== "readiness") {
      this.set(true); // a quiet shutdown: no restart while the pod terminates
      return false;
    }
    const sinceStart = Math.floor((this.host.clock.now() - this.target.startedAt) / 1000);
    if (sinceStart < this.probe.initialDelaySeconds) return true;
    const started = this.host.started(this);
    if (this.kind === "startup" ? started : !started) return true;

    const verdict = await this.host.probe(this, pod);
    if (this.stopped) return false;
    if (verdict === "error") return true;
    if (this.lastResult === verdict) this.resultRun++;
    else { this.lastResult = verdict; this.resultRun = 1; }
    const threshold = verdict === "failure" ? this.probe.failureThreshold : this.probe.successThreshold;
    if (this.resultRun < threshold) return true;
    this.set(verdict === "success");
    if (this.kind !== "readiness" && verdict === "failure") {
      // The kubelet restarts the container; probing it meanwhile could only confuse.
      this.onHold = true;
      this.resultRun = 0;
    }
    return true;
  }

  private set(ok: boolean): void {
    if (this.result === ok) return;
    this.result = ok;
    this.host.changed(this, ok);
  }
}
