/**
 * How the kubelet kills a container whose liveness or startup probe failed (upstream
 * computePodActions / computeInitContainerActions messages and setTerminationGracePeriod): the
 * Normal `Killing` event message, and the grace period, where the probe's own
 * terminationGracePeriodSeconds overrides the pod's (a pod being deleted keeps its deletion grace).
 */
import { isSidecar, type Pod } from "../pod-types.ts";
import { findContainer } from "./manager.ts";
import type { Probe } from "./probe-types.ts";

/** Upstream's minimumGracePeriodInSeconds. */
const MINIMUM_GRACE_SECONDS = 2;

export function probeFailureKill(pod: Pod, containerName: string, kind: "liveness" | "startup"): { message: string; gracePeriodSeconds: number } {
  const container = findContainer(pod, containerName);
  const sidecar = container !== undefined && isSidecar(container) && pod.spec.initContainers?.includes(container) === true;
  const what = `${sidecar ? "Init container" : "Container"} ${containerName} failed ${kind} probe`;
  const message = sidecar || pod.spec.restartPolicy === "Never" ? what : `${what}, will be restarted`;
  return { message, gracePeriodSeconds: killGracePeriod(pod, container?.[`${kind}Probe`] as Probe | undefined) };
}

function killGracePeriod(pod: Pod, probe: Probe | undefined): number {
  if (pod.metadata.deletionGracePeriodSeconds != null) return pod.metadata.deletionGracePeriodSeconds;
  if (pod.spec.terminationGracePeriodSeconds == null) return MINIMUM_GRACE_SECONDS;
  return probe?.terminationGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds;
}
