/**
 * The kubelet's probe manager (upstream pkg/kubelet/prober/prober_manager.go + results): one
 * worker per (running container instance, probe kind), fed by the pod workers through `sync`.
 *
 * Results as upstream: readiness is false until the probe succeeds (true without a readiness
 * probe); a container has started once its startup probe succeeded (at once without one);
 * liveness is true until it fails past its threshold. A restarted container (new id) gets fresh
 * workers and results.
 *
 * `onChange` is called (asynchronously, never from inside `sync`) when a probe changes a result:
 * readiness or startup flipping, or liveness/startup failing past the threshold. On
 * `(…, "liveness" | "startup", false)` the kubelet kills and restarts the container
 * (`probeFailureKill` gives the message and grace period); the worker then holds until the
 * restarted container is passed to `sync`.
 */
import type { Logger } from "@lite/sdk";
import { realClock, type Clock } from "../../../controllers/runtime/clock.ts";
import type { CriClient } from "../../cri/types.ts";
import type { ContainerSpec, Pod } from "../pod-types.ts";
import type { ProbesPort, ProbeTarget } from "../ports.ts";
import { probeOf, type ProbeKind } from "./probe-types.ts";
import { probeContainer, type RecordEvent } from "./run-probe.ts";
import { ProbeWorker, type WorkerHost } from "./worker.ts";

export interface ProbeManagerDeps {
  cri: CriClient;
  log: Logger;
  /** Probe events (Unhealthy, ProbeWarning); `fieldPath` names the container. */
  recordEvent: RecordEvent;
  onChange(podUid: string, containerName: string, kind: ProbeKind, ok: boolean): void;
  clock?: Clock;
  /** [0, 1) for the start-up jitter; Math.random by default. */
  random?: () => number;
  /** Called for every probe that ran and gave a verdict (prober errors are not counted): `prober_probe_total`. */
  observe?(pod: Pod, containerName: string, kind: ProbeKind, verdict: "success" | "failure"): void;
}

interface PodEntry {
  pod: Pod;
  running: Map<string, ProbeTarget>;
  /** By `${container}/${kind}`. */
  workers: Map<string, ProbeWorker>;
}

const KINDS: ProbeKind[] = ["startup", "liveness", "readiness"];

export function findContainer(pod: Pod, name: string): ContainerSpec | undefined {
  return pod.spec.containers.find((c) => c.name === name) ?? pod.spec.initContainers?.find((c) => c.name === name);
}

export class ProbeManager implements ProbesPort {
  private readonly pods = new Map<string, PodEntry>();
  private readonly clock: Clock;
  private readonly startedAt: number;
  private stopped = false;

  constructor(private readonly deps: ProbeManagerDeps) {
    this.clock = deps.clock ?? realClock();
    this.startedAt = this.clock.now();
  }

  /**
   * Reconciles the pod's workers with its running containers (by name; sidecars included): new
   * container instances get workers for their probes, workers of containers no longer running
   * (or replaced by a new instance) stop. Call on every pod sync; `pod` is the latest object
   * (its deletionTimestamp quiets liveness and startup).
   */
  sync(pod: Pod, running: Map<string, ProbeTarget>): void {
    if (this.stopped) return;
    const uid = pod.metadata.uid ?? "";
    let entry = this.pods.get(uid);
    if (!entry) {
      entry = { pod, running: new Map(), workers: new Map() };
      this.pods.set(uid, entry);
    }
    entry.pod = pod;
    entry.running = new Map(running);
    for (const [key, w] of entry.workers) {
      const target = running.get(w.container.name);
      if (target?.containerId === w.target.containerId) w.target = target;
      else {
        w.stop();
        entry.workers.delete(key);
      }
    }
    for (const [name, target] of running) {
      const container = findContainer(pod, name);
      if (!container) continue;
      for (const kind of KINDS) {
        const key = `${name}/${kind}`;
        const probe = probeOf(container, kind);
        if (!probe || entry.workers.has(key)) continue;
        const worker = new ProbeWorker(kind, probe, container, target, this.host(uid, entry));
        entry.workers.set(key, worker);
        worker.start();
      }
    }
  }

  /**
   * Whether the running container is ready: started, and its readiness probe has succeeded (or it
   * has none). Like upstream's status update, asking about a started container whose readiness
   * probe has not succeeded asks that probe to run now.
   */
  ready(podUid: string, containerName: string): boolean {
    if (!this.started(podUid, containerName)) return false;
    const w = this.worker(podUid, containerName, "readiness");
    if (!w || w.result === true) return true;
    w.trigger();
    return false;
  }

  /** Whether the running container has started: its startup probe has succeeded, or it has none. */
  started(podUid: string, containerName: string): boolean {
    const entry = this.pods.get(podUid);
    if (!entry?.running.has(containerName)) return false;
    return this.startupPassed(podUid, containerName);
  }

  /** The current result of one probe; undefined when the container has no such probe running (or it is still unknown). */
  result(podUid: string, containerName: string, kind: ProbeKind): boolean | undefined {
    return this.worker(podUid, containerName, kind)?.result;
  }

  /** Stops the pod's workers and forgets its results. */
  removePod(podUid: string): void {
    const entry = this.pods.get(podUid);
    if (!entry) return;
    for (const w of entry.workers.values()) w.stop();
    this.pods.delete(podUid);
  }

  /** Stops every worker; later syncs are ignored. Idempotent. */
  stop(): void {
    this.stopped = true;
    for (const uid of [...this.pods.keys()]) this.removePod(uid);
  }

  private worker(podUid: string, containerName: string, kind: ProbeKind): ProbeWorker | undefined {
    const w = this.pods.get(podUid)?.workers.get(`${containerName}/${kind}`);
    return w && !w.done ? w : undefined;
  }

  private startupPassed(podUid: string, containerName: string): boolean {
    const w = this.worker(podUid, containerName, "startup");
    return !w || w.result === true;
  }

  private host(uid: string, entry: PodEntry): WorkerHost {
    const { deps } = this;
    return {
      clock: this.clock,
      startedAt: this.startedAt,
      random: deps.random ?? Math.random,
      pod: () => entry.pod,
      started: (w) => this.startupPassed(uid, w.container.name),
      probe: async (w, pod) => {
        const verdict = await probeContainer(w.kind, w.probe, { pod, container: w.container, target: w.target, cri: deps.cri }, deps.recordEvent);
        if (verdict !== "error") deps.observe?.(pod, w.container.name, w.kind, verdict);
        return verdict;
      },
      changed: (w, ok) => {
        deps.log.debug("probe result changed", { pod: uid, container: w.container.name, probe: w.kind, ok });
        try {
          deps.onChange(uid, w.container.name, w.kind, ok);
        } catch (err) {
          deps.log.warn("probe result handler failed", { pod: uid, container: w.container.name, probe: w.kind, error: String(err) });
        }
      },
      crashed: (w, err) => deps.log.error("probe worker failed", { pod: uid, container: w.container.name, probe: w.kind, error: String(err) }),
    };
  }
}
