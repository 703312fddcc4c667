/**
 * A pod's startup as a client watching it sees it: the wall time at which each milestone first
 * appeared in a watch event, plus the CRI calls' begin/return times from containerd's log.
 * The API's timestamps are whole seconds, so sub-second phases come from these receive times.
 *
 * Milestones (first watch event showing it):
 *   bound       spec.nodeName set (the scheduler's binding)
 *   sandboxSeen PodReadyToStartContainers=True
 *   runningSeen containerStatuses[].state.running on every container
 *   phaseRunning status.phase == Running (the kubelet's status report)
 */
import type { RuntimeCalls } from "./containerd-log.ts";

export interface PodTimeline {
  name: string;
  /** Just before the create request was sent. */
  createSent: number;
  /** The create response arrived. */
  created?: number;
  bound?: number;
  sandboxSeen?: number;
  runningSeen?: number;
  phaseRunning?: number;
  /** Status changes carrying hostIP (only the kubelet sets it) seen up to phase Running: the kubelet's status writes. */
  statusWrites: number;
  /** The pod's CRI calls as containerd logged them (wall ms). */
  runtime?: RuntimeCalls;
}

export function newTimeline(name: string, createSent: number): PodTimeline {
  return { name, createSent, statusWrites: 0 };
}

/**
 * Records the milestones `pod` shows that `t` has not seen yet, at receive time `at`.
 * `previousStatus` is the JSON of the status in the event before (to count the kubelet's writes).
 */
export function observe(t: PodTimeline, pod: any, at: number, previousStatus?: string): void {
  const status = pod?.status ?? {};
  const counting = t.phaseRunning === undefined;
  if (t.bound === undefined && pod?.spec?.nodeName) t.bound = at;
  const ready = (status.conditions ?? []).find((c: any) => c.type === "PodReadyToStartContainers");
  if (t.sandboxSeen === undefined && ready?.status === "True") t.sandboxSeen = at;
  const containers: any[] = status.containerStatuses ?? [];
  const specCount = pod?.spec?.containers?.length ?? 1;
  if (t.runningSeen === undefined && containers.length >= specCount && containers.every((c) => c.state?.running)) t.runningSeen = at;
  if (t.phaseRunning === undefined && status.phase === "Running") t.phaseRunning = at;
  if (counting && status.hostIP && previousStatus !== undefined && previousStatus !== JSON.stringify(status)) t.statusWrites++;
}

/** Per-phase durations in ms, undefined where a milestone is missing. */
export interface Phases {
  /** create sent → Running observed: the headline latency. */
  total?: number;
  /** create sent → bound observed (API write, scheduler, binding, watch delivery). */
  scheduling?: number;
  /** bound observed → PodReadyToStartContainers observed. */
  sandboxSeen?: number;
  /** PodReadyToStartContainers observed → containers running observed. */
  containerSeen?: number;
  /** containers running observed → phase Running observed. */
  statusSeen?: number;
  /** From containerd's log: bound observed → RunPodSandbox begins (the kubelet notices the pod, prepares volumes). */
  kubeletToSandbox?: number;
  /** RunPodSandbox (runtime: snapshot, CNI, pause task). */
  runPodSandbox?: number;
  /** RunPodSandbox returned → CreateContainer begins (kubelet: sandbox status, image, container config). */
  kubeletToCreate?: number;
  /** CreateContainer (runtime). */
  createContainer?: number;
  /** CreateContainer returned → StartContainer begins (kubelet). */
  kubeletToStart?: number;
  /** StartContainer (runtime: the runc task). */
  startContainer?: number;
  /** StartContainer returned → phase Running observed (the kubelet's status write, API, watch delivery). */
  statusReport?: number;
}

export function phases(t: PodTimeline): Phases {
  const d = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : b - a);
  const r = t.runtime ?? {};
  return {
    total: d(t.createSent, t.phaseRunning),
    scheduling: d(t.createSent, t.bound),
    sandboxSeen: d(t.bound, t.sandboxSeen),
    containerSeen: d(t.sandboxSeen, t.runningSeen),
    statusSeen: d(t.runningSeen, t.phaseRunning),
    kubeletToSandbox: d(t.bound, r.sandboxStart),
    runPodSandbox: d(r.sandboxStart, r.sandboxEnd),
    kubeletToCreate: d(r.sandboxEnd, r.createStart),
    createContainer: d(r.createStart, r.createEnd),
    kubeletToStart: d(r.createEnd, r.startStart),
    startContainer: d(r.startStart, r.startEnd),
    statusReport: d(r.startEnd, t.phaseRunning),
  };
}
