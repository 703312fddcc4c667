/** spec.podFailurePolicy: the first rule matching a failed pod decides (upstream matchPodFailurePolicy). */
import type { ContainerStatus, Pod } from "../workload-pods/types.ts";
import type { Job, PodFailurePolicyRule } from "./types.ts";

export interface PolicyMatch {
  action: PodFailurePolicyRule["action"];
  /** For FailJob: the Failed condition's message. */
  message: string;
}

/** The matching rule's action for a Failed pod, or undefined (count it as usual). */
export function matchPodFailurePolicy(job: Job, pod: Pod): PolicyMatch | undefined {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  const where = `${pod.metadata.namespace}/${pod.metadata.name}`;
  for (const [i, rule] of rules.entries()) {
    const onExit = rule.onExitCodes;
    if (onExit) {
      const statuses: ContainerStatus[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
      for (const cs of statuses) {
        if (onExit.containerName && onExit.containerName !== cs.name) continue;
        const code = cs.state?.terminated?.exitCode;
        if (code === undefined || code === 0) continue;
        const inValues = onExit.values.includes(code);
        if (onExit.operator === "In" ? inValues : !inValues) {
          return { action: rule.action, message: `Container ${cs.name} for pod ${where} failed with exit code ${code} matching ${rule.action} rule at index ${i}` };
        }
      }
    }
    for (const pattern of rule.onPodConditions ?? []) {
      const want = pattern.status ?? "True";
      if ((pod.status?.conditions ?? []).some((c) => c.type === pattern.type && c.status === want)) {
        return { action: rule.action, message: `Pod ${where} has condition ${pattern.type} matching ${rule.action} rule at index ${i}` };
      }
    }
  }
  return undefined;
}
