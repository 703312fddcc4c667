/**
 * A new pod from a workload's pod template (upstream GetPodFromTemplate): template labels,
 * annotations, finalizers and spec, plus the controller ownerReference. The template is copied,
 * never mutated.
 */
import type { OwnerReference } from "@lite/sdk";
import type { Pod, PodTemplate } from "./types.ts";

export interface PodFromTemplate {
  namespace: string;
  /** Exact name (StatefulSet) or a generateName prefix (everyone else). */
  name?: string;
  generateName?: string;
  ownerRef: OwnerReference;
  extraLabels?: Record<string, string>;
  extraAnnotations?: Record<string, string>;
  extraFinalizers?: string[];
}

export function podFromTemplate(template: PodTemplate | undefined, o: PodFromTemplate): Pod {
  const t = structuredClone(template ?? {}) as PodTemplate;
  const meta = t.metadata ?? {};
  const labels = { ...(meta.labels ?? {}), ...(o.extraLabels ?? {}) };
  const annotations = { ...(meta.annotations ?? {}), ...(o.extraAnnotations ?? {}) };
  const finalizers = [...(meta.finalizers ?? []), ...(o.extraFinalizers ?? [])];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(o.name ? { name: o.name } : { generateName: o.generateName }),
      namespace: o.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ...(finalizers.length ? { finalizers } : {}),
      ownerReferences: [o.ownerRef],
    },
    spec: t.spec ?? {},
  };
}
