/**
 * Which nodes a daemon pod belongs on (upstream daemon controller NodeShouldRunDaemonPod): the
 * pod's nodeSelector and required node affinity must match the node, and its tolerations must
 * tolerate the node's NoSchedule taints (to start) and NoExecute taints (to keep running).
 */
import type { Pod, Taint, Toleration } from "../workload-pods/types.ts";
import type { Node } from "./types.ts";

export interface Eligibility {
  /** A daemon pod should be created on the node. */
  shouldRun: boolean;
  /** An existing daemon pod may stay (false: an untolerated NoExecute taint). */
  shouldContinueRunning: boolean;
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if ((t.operator ?? "Equal") === "Exists") return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
}

interface SelectorRequirement { key: string; operator: string; values?: string[] }

function requirementMatches(r: SelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In": return value !== undefined && values.includes(value);
    case "NotIn": return value === undefined || !values.includes(value);
    case "Exists": return value !== undefined;
    case "DoesNotExist": return value === undefined;
    case "Gt": return value !== undefined && /^-?\d+$/.test(value) && Number(value) > Number(values[0]);
    case "Lt": return value !== undefined && /^-?\d+$/.test(value) && Number(value) < Number(values[0]);
    default: return false;
  }
}

/** Required node affinity: terms are ORed; a term's expressions and fields are ANDed; an empty term matches nothing. */
export function matchesNodeAffinity(pod: Pod, node: Node): boolean {
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  const terms: { matchExpressions?: SelectorRequirement[]; matchFields?: SelectorRequirement[] }[] = required.nodeSelectorTerms ?? [];
  const labels = node.metadata.labels ?? {};
  return terms.some((term) => {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (exprs.length + fields.length === 0) return false;
    return exprs.every((r) => requirementMatches(r, labels[r.key])) &&
      fields.every((r) => r.key === "metadata.name" && requirementMatches(r, node.metadata.name));
  });
}

export function nodeEligibility(pod: Pod, node: Node): Eligibility {
  const labels = node.metadata.labels ?? {};
  const fits = Object.entries(pod.spec?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v) && matchesNodeAffinity(pod, node);
  if (!fits) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = pod.spec?.tolerations ?? [];
  const untolerated = (node.spec?.taints ?? []).filter((taint) => !tolerations.some((t) => tolerates(t, taint)));
  const noExecute = untolerated.some((t) => t.effect === "NoExecute");
  const noSchedule = untolerated.some((t) => t.effect === "NoSchedule");
  return { shouldRun: !noExecute && !noSchedule, shouldContinueRunning: !noExecute };
}
