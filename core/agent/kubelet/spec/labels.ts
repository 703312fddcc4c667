/**
 * Labels and annotations on CRI sandboxes and containers (upstream kuberuntime labels.go). The
 * container's annotations carry what the kubelet needs to know about a container it finds again
 * after a restart: its spec hash, restart count, termination message settings, grace period,
 * preStop handler and ports.
 */
import { CONTAINER_NAME_LABEL, MANAGED_BY_LABEL, POD_NAMESPACE_LABEL, POD_NAME_LABEL, POD_UID_LABEL, RESTART_COUNT_ANNOTATION } from "../runtime-labels.ts";
import type { Container, Pod } from "./types.ts";

export const CONTAINER_HASH_ANNOTATION = "io.kubernetes.container.hash";
export const TERMINATION_MESSAGE_PATH_ANNOTATION = "io.kubernetes.container.terminationMessagePath";
export const TERMINATION_MESSAGE_POLICY_ANNOTATION = "io.kubernetes.container.terminationMessagePolicy";
export const PRESTOP_HANDLER_ANNOTATION = "io.kubernetes.container.preStopHandler";
export const PORTS_ANNOTATION = "io.kubernetes.container.ports";
export const POD_DELETION_GRACE_PERIOD_ANNOTATION = "io.kubernetes.pod.deletionGracePeriod";
export const POD_TERMINATION_GRACE_PERIOD_ANNOTATION = "io.kubernetes.pod.terminationGracePeriod";

const podIdentity = (pod: Pod) => ({
  [POD_NAME_LABEL]: pod.metadata.name ?? "",
  [POD_NAMESPACE_LABEL]: pod.metadata.namespace ?? "",
  [POD_UID_LABEL]: pod.metadata.uid ?? "",
  [MANAGED_BY_LABEL]: "true",
});

/** The pod's labels plus its name, namespace, uid and lite's managed-by mark (which win over same-named pod labels). */
export function sandboxLabels(pod: Pod): Record<string, string> {
  return { ...pod.metadata.labels, ...podIdentity(pod) };
}

/** The pod's annotations, as given. */
export function sandboxAnnotations(pod: Pod): Record<string, string> {
  return { ...pod.metadata.annotations };
}

export function containerLabels(pod: Pod, container: Container): Record<string, string> {
  return { ...podIdentity(pod), [CONTAINER_NAME_LABEL]: container.name };
}

/** 32-bit FNV-1a over UTF-8 bytes. */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The container's spec hash, hex: over the fields whose change means "recreate the container"
 * (upstream hashes only name and image, the only mutable ones). Stable across lite restarts, but
 * not numerically equal to upstream's.
 */
export function containerHash(container: Container): string {
  return fnv1a32(JSON.stringify({ image: container.image ?? "", name: container.name })).toString(16);
}

/** Ports as upstream's JSON (Go field order, empty fields omitted). */
function portsJson(container: Container): string {
  return JSON.stringify((container.ports ?? []).map((p) => ({
    ...(p.name ? { name: p.name } : {}),
    ...(p.hostPort ? { hostPort: p.hostPort } : {}),
    containerPort: p.containerPort,
    ...(p.protocol ? { protocol: p.protocol } : {}),
    ...(p.hostIP ? { hostIP: p.hostIP } : {}),
  })));
}

export function containerAnnotations(pod: Pod, container: Container, restartCount: number): Record<string, string> {
  const out: Record<string, string> = {
    [CONTAINER_HASH_ANNOTATION]: containerHash(container),
    [RESTART_COUNT_ANNOTATION]: String(restartCount),
    [TERMINATION_MESSAGE_PATH_ANNOTATION]: container.terminationMessagePath ?? "",
    [TERMINATION_MESSAGE_POLICY_ANNOTATION]: container.terminationMessagePolicy ?? "",
  };
  if (pod.metadata.deletionGracePeriodSeconds !== undefined) out[POD_DELETION_GRACE_PERIOD_ANNOTATION] = String(pod.metadata.deletionGracePeriodSeconds);
  if (pod.spec.terminationGracePeriodSeconds !== undefined) out[POD_TERMINATION_GRACE_PERIOD_ANNOTATION] = String(pod.spec.terminationGracePeriodSeconds);
  if (container.lifecycle?.preStop) out[PRESTOP_HANDLER_ANNOTATION] = JSON.stringify(container.lifecycle.preStop);
  if (container.ports?.length) out[PORTS_ANNOTATION] = portsJson(container);
  return out;
}
