/**
 * A daemon pod for one node (upstream daemon/util): the template with the default DaemonSet
 * tolerations added and its required node affinity replaced by `metadata.name In [node]`, so the
 * default scheduler binds it to that node. Labels carry the revision hash and template generation.
 */
import type { OwnerReference } from "@lite/sdk";
import { CONTROLLER_REVISION_HASH_LABEL } from "../controller-revision/controller-revision.ts";
import { podFromTemplate } from "../workload-pods/pod-from-template.ts";
import type { Pod, PodTemplate, Toleration } from "../workload-pods/types.ts";
import { POD_TEMPLATE_GENERATION_LABEL, type DaemonSet } from "./types.ts";

/** Tolerations every daemon pod gets (network-unavailable only with hostNetwork, as upstream). */
export function defaultDaemonTolerations(hostNetwork: boolean): Toleration[] {
  return [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
    ...(hostNetwork ? [{ key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" } as Toleration] : []),
  ];
}

/** The template's pod with default tolerations (used to judge node eligibility and to create pods). */
export function daemonPodTemplate(ds: DaemonSet, template: PodTemplate | undefined = ds.spec?.template): PodTemplate {
  const t = structuredClone(template ?? {}) as PodTemplate;
  const spec = (t.spec ??= {});
  const tolerations = [...(spec.tolerations ?? [])];
  for (const d of defaultDaemonTolerations(spec.hostNetwork === true)) {
    if (!tolerations.some((x) => x.key === d.key && x.effect === d.effect)) tolerations.push(d);
  }
  spec.tolerations = tolerations;
  return t;
}

export function newDaemonPod(ds: DaemonSet, template: PodTemplate, nodeName: string, hash: string, ownerRef: OwnerReference): Pod {
  const pod = podFromTemplate(template, {
    namespace: ds.metadata.namespace ?? "", generateName: `${ds.metadata.name}-`, ownerRef,
    extraLabels: { [CONTROLLER_REVISION_HASH_LABEL]: hash, [POD_TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation ?? 1) },
  });
  const spec = pod.spec!;
  const affinity = spec.affinity ?? {};
  const nodeAffinity = affinity.nodeAffinity ?? {};
  spec.affinity = {
    ...affinity,
    nodeAffinity: {
      ...nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] }] },
    },
  };
  return pod;
}

/** The node a daemon pod is for: its nodeName, else the node of its `metadata.name In [node]` affinity. */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) if (f.key === "metadata.name" && f.operator === "In" && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}
