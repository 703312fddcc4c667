/**
 * SIMULATOR: the pod statuses a simulated kubelet reports (no containers run). Pure builders.
 * Running: every container ready and started; Succeeded: every container terminated with exit 0.
 */
import type { KubeObject } from "@lite/sdk";
import { isoSeconds } from "./node-objects.ts";

interface Container { name: string; image?: string }
type Pod = KubeObject & { spec?: { containers?: Container[]; initContainers?: Container[]; nodeName?: string }; status?: Record<string, unknown> };

/** Pod IPs from 10.42.0.0/16, handed out in order (skipping .0 and .255). */
export function podIpAllocator(): () => string {
  let n = 0;
  return () => {
    for (;;) {
      n = (n + 1) % 65536;
      if ((n & 255) !== 0 && (n & 255) !== 255) return `10.42.${n >> 8}.${n & 255}`;
    }
  };
}

const condition = (type: string, ok: boolean, at: string, reason?: string) => ({
  type, status: ok ? "True" : "False", lastProbeTime: null, lastTransitionTime: at, ...(reason ? { reason } : {}),
});

const containerId = (pod: Pod, c: Container) => `sim://${pod.metadata.uid ?? pod.metadata.name}/${c.name}`;

/** The status of a pod whose containers all run and are ready. */
export function runningStatus(pod: Pod, hostIP: string, podIP: string, nowMs: number): Record<string, unknown> {
  const at = isoSeconds(nowMs);
  const scheduledAt = ((pod.status?.conditions as { type: string; lastTransitionTime?: string }[] | undefined) ?? [])
    .find((c) => c.type === "PodScheduled")?.lastTransitionTime ?? at;
  return {
    ...(pod.status ?? {}),
    phase: "Running",
    conditions: [
      condition("PodReadyToStartContainers", true, at), condition("Initialized", true, at), condition("Ready", true, at),
      condition("ContainersReady", true, at), { ...condition("PodScheduled", true, scheduledAt) },
    ],
    hostIP, hostIPs: [{ ip: hostIP }], podIP, podIPs: [{ ip: podIP }], startTime: at,
    ...(pod.spec?.initContainers?.length ? {
      initContainerStatuses: pod.spec.initContainers.map((c) => ({
        name: c.name, image: c.image ?? "", imageID: c.image ?? "", containerID: containerId(pod, c), ready: true, started: false, restartCount: 0,
        state: { terminated: { exitCode: 0, reason: "Completed", startedAt: at, finishedAt: at, containerID: containerId(pod, c) } }, lastState: {},
      })),
    } : {}),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name, image: c.image ?? "", imageID: c.image ?? "", containerID: containerId(pod, c),
      ready: true, started: true, restartCount: 0, state: { running: { startedAt: at } }, lastState: {},
    })),
  };
}

/** The status of a pod whose containers all exited 0 (a finished Job pod). */
export function succeededStatus(pod: Pod, nowMs: number): Record<string, unknown> {
  const at = isoSeconds(nowMs);
  const prior = (pod.status ?? {}) as Record<string, unknown>;
  const startedAt = (prior.startTime as string | undefined) ?? at;
  const scheduledAt = ((prior.conditions as { type: string; lastTransitionTime?: string }[] | undefined) ?? [])
    .find((c) => c.type === "PodScheduled")?.lastTransitionTime ?? at;
  return {
    ...prior,
    phase: "Succeeded",
    conditions: [
      condition("PodReadyToStartContainers", false, at), condition("Initialized", true, startedAt, "PodCompleted"),
      condition("Ready", false, at, "PodCompleted"), condition("ContainersReady", false, at, "PodCompleted"), condition("PodScheduled", true, scheduledAt),
    ],
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name, image: c.image ?? "", imageID: c.image ?? "", containerID: containerId(pod, c),
      ready: false, started: false, restartCount: 0,
      state: { terminated: { exitCode: 0, reason: "Completed", startedAt, finishedAt: at, containerID: containerId(pod, c) } }, lastState: {},
    })),
  };
}

/** True when a Job owns the pod (the simulator then completes it). */
export function ownedByJob(pod: KubeObject): boolean {
  return (pod.metadata.ownerReferences ?? []).some((o) => o.kind === "Job" && o.apiVersion.startsWith("batch/"));
}
