/** Upstream CompactRules and rbacv1helpers.CompactString, for escalation messages. */
import { goQuote } from "../../../apiserver/machinery/go-format.ts";
import type { PolicyRule } from "../rbac/types.ts";

/** Go `%q` of a []string: `["a" "b"]`. */
export function goQuotedList(values: readonly string[]): string {
  return `[${values.map(goQuote).join(" ")}]`;
}

/** Merges single-group/single-resource rules (at most one name) that differ only by verb. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }>();
  for (const r of rules) {
    const isSimple = (r.resourceNames?.length ?? 0) <= 1 && (r.nonResourceURLs?.length ?? 0) === 0 &&
      r.apiGroups?.length === 1 && r.resources?.length === 1;
    if (!isSimple) { compacted.push(r); continue; }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], r.resourceNames?.[0] ?? null]);
    const existing = simple.get(key);
    if (existing) existing.verbs.push(...r.verbs);
    else simple.set(key, { apiGroups: [...r.apiGroups!], resources: [...r.resources!], verbs: [...r.verbs], ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}) });
  }
  return [...compacted, ...simple.values()];
}

/** `{APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuotedList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuotedList(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuotedList(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuotedList(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${goQuotedList(r.verbs)}`);
  return `{${parts.join(", ")}}`;
}

/** Sorted, de-duplicated descriptions of the missing rules (upstream sets.NewString().List()). */
export function describeMissing(missing: readonly PolicyRule[]): string[] {
  const set = new Set(compactRules(missing).map(compactString));
  return [...set].sort();
}
