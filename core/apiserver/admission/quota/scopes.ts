/**
 * Which objects a ResourceQuota's scopes select (upstream pkg/quota/v1/evaluator/core/pods.go
 * podMatchesScopeFunc and resourcequota.Matches): `spec.scopes` and `spec.scopeSelector` together
 * form a list of requirements that must all hold. A quota without any selects every object; a
 * scoped quota selects pods only (the other evaluators match no scope).
 * - Terminating / NotTerminating: `spec.activeDeadlineSeconds` set (>= 0) or not;
 * - BestEffort / NotBestEffort: the pod's QoS class (no cpu/memory requests or limits anywhere);
 * - PriorityClass: `spec.priorityClassName` against In / NotIn / Exists / DoesNotExist;
 * - CrossNamespacePodAffinity: a pod (anti-)affinity term with `namespaces` or a `namespaceSelector`.
 */
import type { ResourceIdent } from "./usage.ts";
import { computePodQos } from "../../machinery/pod-qos.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

interface ScopeRequirement {
  readonly scopeName: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export function scopeRequirements(quota: Json): ScopeRequirement[] {
  const scopes: string[] = quota.spec?.scopes ?? [];
  return [...scopes.map((scopeName) => ({ scopeName, operator: "Exists" })), ...(quota.spec?.scopeSelector?.matchExpressions ?? [])];
}

export function quotaSelects(quota: Json, id: ResourceIdent, obj: Json): boolean {
  const requirements = scopeRequirements(quota);
  if (requirements.length === 0) return true;
  if (id.group !== "" || id.resource !== "pods") return false;
  return requirements.every((r) => podMatchesScope(r, obj));
}

function podMatchesScope(r: ScopeRequirement, pod: Json): boolean {
  switch (r.scopeName) {
    case "Terminating": return isTerminating(pod);
    case "NotTerminating": return !isTerminating(pod);
    case "BestEffort": return isBestEffort(pod);
    case "NotBestEffort": return !isBestEffort(pod);
    case "CrossNamespacePodAffinity": return usesCrossNamespaceAffinity(pod);
    case "PriorityClass": {
      const name: string = pod.spec?.priorityClassName ?? "";
      const values = r.values ?? [];
      switch (r.operator) {
        case "In": return values.includes(name);
        case "NotIn": return !values.includes(name);
        case "Exists": return true; // upstream matches a label set that always has the key
        case "DoesNotExist": return false;
      }
      return false;
    }
  }
  return false;
}

const isTerminating = (pod: Json) => typeof pod.spec?.activeDeadlineSeconds === "number" && pod.spec.activeDeadlineSeconds >= 0;

/** upstream ComputePodQOS == BestEffort: no positive cpu or memory request or limit in any container. */
export function isBestEffort(pod: Json): boolean {
  return computePodQos(pod.spec) === "BestEffort";
}

function usesCrossNamespaceAffinity(pod: Json): boolean {
  const terms = (a: Json | undefined): Json[] => [
    ...(a?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w: Json) => w.podAffinityTerm ?? {}),
  ];
  const all = [...terms(pod.spec?.affinity?.podAffinity), ...terms(pod.spec?.affinity?.podAntiAffinity)];
  return all.some((t) => (t.namespaces ?? []).length > 0 || t.namespaceSelector !== undefined && t.namespaceSelector !== null);
}
