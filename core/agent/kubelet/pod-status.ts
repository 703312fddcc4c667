/**
 * The Pod status the kubelet reports, generated from the spec, the runtime and the kubelet's own
 * knowledge (waiting reasons, probe results), with upstream's rules (kubelet `generateAPIPodStatus`,
 * `getPhase`, `status/generate.go`): phase, the five conditions, container statuses with
 * state/lastState/restartCount/ready/started/image/imageID/containerID, pod and host IPs, start time.
 */
import type { ContainerStatus } from "../cri/types.ts";
import { isSidecar, type ContainerSpec, type ContainerStateApi, type ContainerStatusApi, type Pod, type PodCondition, type PodStatusApi } from "./pod-types.ts";
import { latestContainer, previousContainer, type PodRuntime } from "./runtime-snapshot.ts";
import { formatTime } from "../../kube-time.ts";

export interface StatusInputs {
  pod: Pod;
  runtime: PodRuntime | undefined;
  /** The sandbox the pod runs in now (its IP), if any. */
  sandbox?: { id: string; ready: boolean; ip?: string };
  hostIP: string;
  /** Why a container is not running (CrashLoopBackOff, ErrImagePull, CreateContainerConfigError, ...). */
  waiting: (container: string) => { reason: string; message?: string } | undefined;
  ready: (container: string) => boolean;
  started: (container: string) => boolean;
  /** Runtime name for container IDs ("containerd"). */
  runtimeName: string;
  qosClass: string;
  now: number;
  /** The pod reached a terminal phase earlier and must stay there. */
  terminal?: boolean;
}

const nsToTime = (ns: number) => (ns > 0 ? formatTime(Math.floor(ns / 1e6)) : undefined);

function terminatedState(s: ContainerStatus, runtimeName: string): ContainerStateApi {
  return {
    terminated: {
      exitCode: s.exitCode,
      reason: s.reason || (s.exitCode === 0 ? "Completed" : "Error"),
      ...(s.message ? { message: s.message } : {}),
      ...(nsToTime(s.startedAt) ? { startedAt: nsToTime(s.startedAt) } : {}),
      ...(nsToTime(s.finishedAt) ? { finishedAt: nsToTime(s.finishedAt) } : {}),
      containerID: `${runtimeName}://${s.id}`,
    },
  };
}

function containerStatus(inputs: StatusInputs, spec: ContainerSpec, defaultWaiting: string): ContainerStatusApi {
  const cur = latestContainer(inputs.runtime, spec.name);
  const prev = previousContainer(inputs.runtime, spec.name);
  const override = inputs.waiting(spec.name);
  let state: ContainerStateApi;
  let lastState: ContainerStateApi = prev?.status.state === "CONTAINER_EXITED" ? terminatedState(prev.status, inputs.runtimeName) : {};
  const running = cur?.status.state === "CONTAINER_RUNNING";
  if (running) {
    state = { running: { startedAt: nsToTime(cur!.status.startedAt) ?? formatTime(inputs.now) } };
  } else if (cur?.status.state === "CONTAINER_EXITED") {
    if (override) {
      state = { waiting: { reason: override.reason, ...(override.message ? { message: override.message } : {}) } };
      lastState = terminatedState(cur.status, inputs.runtimeName);
    } else {
      state = terminatedState(cur.status, inputs.runtimeName);
    }
  } else {
    const w = override ?? { reason: defaultWaiting };
    state = { waiting: { reason: w.reason, ...(w.message ? { message: w.message } : {}) } };
  }
  return {
    name: spec.name,
    state,
    lastState,
    ready: running && inputs.ready(spec.name),
    restartCount: cur?.restartCount ?? 0,
    image: spec.image ?? "",
    imageID: cur?.status.imageRef ?? "",
    ...(cur ? { containerID: `${inputs.runtimeName}://${cur.id}` } : {}),
    started: running && inputs.started(spec.name),
  };
}

/** Upstream getPhase over the generated statuses. */
export function podPhase(pod: Pod, init: ContainerStatusApi[], regular: ContainerStatusApi[], terminal: boolean): NonNullable<PodStatusApi["phase"]> {
  let pendingSidecars = 0, pendingInit = 0, failedInit = 0;
  for (const c of pod.spec.initContainers ?? []) {
    const s = init.find((x) => x.name === c.name);
    if (isSidecar(c)) { if (!s?.state.running) pendingSidecars++; continue; }
    if (!s) { pendingInit++; continue; }
    if (s.state.running) pendingInit++;
    else if (s.state.terminated) { if (s.state.terminated.exitCode !== 0) failedInit++; }
    else if (s.state.waiting) {
      if (s.lastState.terminated) { if (s.lastState.terminated.exitCode !== 0) failedInit++; }
      else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of pod.spec.containers) {
    const s = regular.find((x) => x.name === c.name);
    if (!s) { unknown++; continue; }
    if (s.state.running) running++;
    else if (s.state.terminated) { stopped++; if (s.state.terminated.exitCode === 0) succeeded++; }
    else if (s.state.waiting) { if (s.lastState.terminated) stopped++; else waiting++; }
    else unknown++;
  }
  const policy = pod.spec.restartPolicy ?? "Always";
  if (failedInit > 0 && policy === "Never") return "Failed";
  if (pendingInit > 0 || (pendingSidecars > 0 && running === 0)) return "Pending";
  if (waiting > 0) return "Pending";
  if (running > 0 && unknown === 0) return "Running";
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (terminal) return stopped === succeeded ? "Succeeded" : "Failed";
    if (policy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (policy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

function condition(old: PodCondition[] | undefined, type: string, ok: boolean, now: number, reason?: string, message?: string): PodCondition {
  const status = ok ? "True" : "False";
  const prior = old?.find((c) => c.type === type);
  return {
    type, status, lastProbeTime: null,
    lastTransitionTime: prior?.status === status && prior.lastTransitionTime ? prior.lastTransitionTime : formatTime(now),
    ...(!ok && reason ? { reason } : {}), ...(!ok && message ? { message } : {}),
  };
}

export function generatePodStatus(inputs: StatusInputs): PodStatusApi {
  const { pod, now } = inputs;
  const old = pod.status ?? {};
  const initStatuses = (pod.spec.initContainers ?? []).map((c) => containerStatus(inputs, c, "PodInitializing"));
  const firstPendingInit = (pod.spec.initContainers ?? []).findIndex((c, i) => {
    const s = initStatuses[i]!;
    return isSidecar(c) ? !s.started : !(s.state.terminated?.exitCode === 0);
  });
  // Only the init container being run waits for ContainerCreating; those after it wait for PodInitializing.
  initStatuses.forEach((s, i) => {
    if (i === firstPendingInit && s.state.waiting?.reason === "PodInitializing") s.state = { waiting: { reason: inputs.waiting(s.name)?.reason ?? "ContainerCreating" } };
  });
  // A regular init container is ready once it completed, never while it runs (upstream prober manager UpdatePodStatus).
  (pod.spec.initContainers ?? []).forEach((c, i) => {
    const s = initStatuses[i]!;
    if (!isSidecar(c)) s.ready = s.state.terminated?.exitCode === 0;
  });
  const initDone = firstPendingInit < 0;
  const regular = pod.spec.containers.map((c) => containerStatus(inputs, c, initDone ? "ContainerCreating" : "PodInitializing"));
  // Ephemeral containers never count for readiness or the phase.
  const ephemeral = (pod.spec.ephemeralContainers ?? []).map((c) => ({ ...containerStatus(inputs, c, "ContainerCreating"), ready: false }));
  const phase = inputs.terminal && (old.phase === "Succeeded" || old.phase === "Failed") ? old.phase : podPhase(pod, initStatuses, regular, !!inputs.terminal);
  const terminalPhase = phase === "Succeeded" || phase === "Failed";

  const notInit = (pod.spec.initContainers ?? []).filter((c, i) => (isSidecar(c) ? !initStatuses[i]!.started : !(initStatuses[i]!.state.terminated?.exitCode === 0))).map((c) => c.name);
  const unready = [...(pod.spec.initContainers ?? []).filter((c, i) => isSidecar(c) && !initStatuses[i]!.ready).map((c) => c.name),
    ...regular.filter((s) => !s.ready).map((s) => s.name)];
  const gatesOk = (pod.spec.readinessGates ?? []).filter((g) => old.conditions?.find((c) => c.type === g.conditionType)?.status !== "True").map((g) => g.conditionType);
  const containersReady = unready.length === 0;
  const conds: PodCondition[] = [
    condition(old.conditions, "PodReadyToStartContainers", !!inputs.sandbox?.ready && !terminalPhase, now),
    terminalPhase && initDone
      ? condition(old.conditions, "Initialized", true, now)
      : condition(old.conditions, "Initialized", notInit.length === 0, now, "ContainersNotInitialized", `containers with incomplete status: [${notInit.join(" ")}]`),
    terminalPhase
      ? condition(old.conditions, "Ready", false, now, "PodCompleted")
      : !containersReady
        ? condition(old.conditions, "Ready", false, now, "ContainersNotReady", `containers with unready status: [${unready.join(" ")}]`)
        : condition(old.conditions, "Ready", gatesOk.length === 0, now, "ReadinessGatesNotReady", `corresponding condition of pod readiness gate "${gatesOk[0]}" does not exist.`),
    terminalPhase
      ? condition(old.conditions, "ContainersReady", false, now, "PodCompleted")
      : condition(old.conditions, "ContainersReady", containersReady, now, "ContainersNotReady", `containers with unready status: [${unready.join(" ")}]`),
  ];
  // Conditions other writers own (PodScheduled, readiness gates, DisruptionTarget) are kept as they are.
  const mine = new Set(conds.map((c) => c.type));
  const conditions = [...conds, ...(old.conditions ?? []).filter((c) => !mine.has(c.type))];
  const podIP = pod.spec.hostNetwork ? inputs.hostIP : inputs.sandbox?.ip;
  return {
    ...old,
    phase,
    conditions,
    hostIP: inputs.hostIP,
    hostIPs: [{ ip: inputs.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: old.startTime ?? formatTime(now),
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: regular,
    ...(ephemeral.length ? { ephemeralContainerStatuses: ephemeral } : {}),
    qosClass: inputs.qosClass,
  };
}
