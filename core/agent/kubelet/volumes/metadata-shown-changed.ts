import type { Pod } from "../pod-types.ts";

/** True when the pod has downwardAPI data (a volume or a projected source) and its labels or annotations changed. */
export function metadataShownChanged(old: Pod, pod: Pod): boolean {
  const volumes = (pod.spec as { volumes?: { downwardAPI?: unknown; projected?: { sources?: { downwardAPI?: unknown }[] } }[] }).volumes ?? [];
  if (!volumes.some((v) => v.downwardAPI || v.projected?.sources?.some((s) => s.downwardAPI))) return false;
  const same = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
  return !same(old.metadata.labels, pod.metadata.labels) || !same(old.metadata.annotations, pod.metadata.annotations);
}
