/** metav1.LabelSelector matching (labels.Selector semantics) for controllers reading their caches. */
import type { LabelSelector } from "./types.ts";

/** True when `selector` selects `labels`. An empty selector selects everything; a missing one nothing. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const r of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(l, r.key);
    const values = r.values ?? [];
    switch (r.operator) {
      case "In": if (!has || !values.includes(l[r.key]!)) return false; break;
      case "NotIn": if (has && values.includes(l[r.key]!)) return false; break;
      case "Exists": if (!has) return false; break;
      case "DoesNotExist": if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** True for `{}` (selects everything; upstream refuses to act on such a selector). */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return !!selector && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** Every label of `template` is present with the same value in `labels` (labels.Set(template).AsSelector().Matches). */
export function hasAllLabels(template: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(template ?? {})) if (l[k] !== v) return false;
  return true;
}
