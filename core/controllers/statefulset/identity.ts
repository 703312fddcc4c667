/**
 * A StatefulSet pod's stable identity (upstream stateful_set_utils.go): name `<set>-<ordinal>`,
 * hostname and subdomain, the pod-name and pod-index labels, and one PVC per volumeClaimTemplate
 * named `<claim>-<set>-<ordinal>` mounted in place of any template volume of the same name.
 */
import type { OwnerReference } from "@lite/sdk";
import { CONTROLLER_REVISION_HASH_LABEL } from "../controller-revision/controller-revision.ts";
import { podFromTemplate } from "../workload-pods/pod-from-template.ts";
import type { Pod, PodTemplate } from "../workload-pods/types.ts";
import { POD_INDEX_LABEL, POD_NAME_LABEL, type PersistentVolumeClaim, type StatefulSet } from "./types.ts";

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

/** The ordinal of a pod named `<set>-<n>`, or -1. */
export function ordinalOf(set: StatefulSet, pod: Pod): number {
  const name = pod.metadata.name ?? "";
  const prefix = `${set.metadata.name}-`;
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : -1;
}

export function claimName(set: StatefulSet, template: string, ordinal: number): string {
  return `${template}-${set.metadata.name}-${ordinal}`;
}

/** The PVCs a pod at `ordinal` needs (not yet created). */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const matchLabels = set.spec?.selector?.matchLabels ?? {};
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: "v1", kind: "PersistentVolumeClaim",
    metadata: {
      name: claimName(set, t.metadata?.name ?? "", ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...matchLabels },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
    },
    spec: structuredClone(t.spec ?? {}),
  }));
}

export function newStatefulSetPod(set: StatefulSet, template: PodTemplate | undefined, ordinal: number, revision: string, ownerRef: OwnerReference): Pod {
  const name = podName(set, ordinal);
  const pod = podFromTemplate(template, {
    namespace: set.metadata.namespace ?? "", name, ownerRef,
    extraLabels: { [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revision },
  });
  const spec = pod.spec!;
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  const templates = set.spec?.volumeClaimTemplates ?? [];
  if (templates.length > 0) {
    const names = new Set(templates.map((t) => t.metadata?.name ?? ""));
    spec.volumes = [
      ...(spec.volumes ?? []).filter((v) => !names.has(v.name)),
      ...templates.map((t) => ({ name: t.metadata?.name ?? "", persistentVolumeClaim: { claimName: claimName(set, t.metadata?.name ?? "", ordinal) } })),
    ];
  }
  return pod;
}
