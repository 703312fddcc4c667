/**
 * Labels and annotations the kubelet puts on CRI sandboxes and containers, with upstream's keys
 * (kubelet `kuberuntime/labels.go`), so that a restarted kubelet finds its pods' containers again
 * and tools such as crictl show the same metadata as on any Kubernetes node.
 */
export const POD_NAME_LABEL = "io.kubernetes.pod.name";
export const POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
export const POD_UID_LABEL = "io.kubernetes.pod.uid";
export const CONTAINER_NAME_LABEL = "io.kubernetes.container.name";
export const RESTART_COUNT_ANNOTATION = "io.kubernetes.container.restartCount";
/** Marks what lite's kubelet created (others' containers in a shared runtime are left alone). */
export const MANAGED_BY_LABEL = "io.lite.kubelet";

export function restartCountOf(annotations: Record<string, string> | undefined): number {
  const n = Number(annotations?.[RESTART_COUNT_ANNOTATION] ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}
