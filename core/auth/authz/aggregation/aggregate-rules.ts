/**
 * Upstream clusterroleaggregation: the rules of a ClusterRole with an aggregationRule are the
 * de-duplicated rules of every other ClusterRole matching any of its selectors, in name order.
 */
import type { KObject } from "../../../apiserver/index.ts";
import { jsonEqual } from "../../../apiserver/machinery/json-value.ts";
import { labelSelectorFromObject, type LabelSelectorObject } from "../../../apiserver/machinery/label-selector.ts";
import type { PolicyRule } from "../rbac/types.ts";

export function aggregatedRules(target: KObject, all: Iterable<KObject>): PolicyRule[] {
  const selectors = ((target.aggregationRule?.clusterRoleSelectors ?? []) as LabelSelectorObject[]).map((s) => labelSelectorFromObject(s));
  const matching = new Map<string, KObject>();
  for (const role of all) {
    const name = role.metadata.name ?? "";
    if (name === target.metadata.name) continue;
    if (selectors.some((s) => s.matches(role.metadata.labels ?? {}))) matching.set(name, role);
  }
  const rules: PolicyRule[] = [];
  for (const name of [...matching.keys()].sort()) {
    for (const r of (matching.get(name)!.rules ?? []) as PolicyRule[]) if (!rules.some((x) => jsonEqual(x, r))) rules.push(r);
  }
  return rules;
}

/** Whether the stored rules already equal the aggregate (null and [] are the same). */
export function rulesEqual(current: readonly PolicyRule[] | null | undefined, next: readonly PolicyRule[]): boolean {
  return jsonEqual(current ?? [], next);
}
