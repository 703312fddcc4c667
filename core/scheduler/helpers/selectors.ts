/**
 * Matching of label selectors, node selector terms and tolerations, with upstream semantics
 * (metav1.LabelSelectorAsSelector, nodeaffinity.NodeSelector, v1helper.TolerationsTolerateTaint).
 */
import type { LabelSelector, Node, NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration } from "@lite/sdk";

/** A nil selector matches nothing; an empty one matches everything (LabelSelectorAsSelector). */
export function labelSelectorMatches(sel: LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
  if (!sel) return false;
  const l = labels ?? {};
  if (sel.matchLabels) for (const k in sel.matchLabels) if (l[k] !== sel.matchLabels[k]) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    switch (e.operator) {
      case "In": if (!has || !(e.values ?? []).includes(l[e.key]!)) return false; break;
      case "NotIn": if (has && (e.values ?? []).includes(l[e.key]!)) return false; break;
      case "Exists": if (!has) return false; break;
      case "DoesNotExist": if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined, has: boolean): boolean {
  switch (r.operator) {
    case "In": return has && (r.values ?? []).includes(value!);
    case "NotIn": return !has || !(r.values ?? []).includes(value!);
    case "Exists": return has;
    case "DoesNotExist": return !has;
    case "Gt":
    case "Lt": {
      if (!has || (r.values ?? []).length !== 1) return false;
      const a = Number.parseInt(value!, 10), b = Number.parseInt(r.values![0]!, 10);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return r.operator === "Gt" ? a > b : a < b;
    }
    default: return false;
  }
}

/** One term: all expressions and fields must match; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of exprs) if (!requirementMatches(r, labels[r.key], Object.prototype.hasOwnProperty.call(labels, r.key))) return false;
  for (const r of fields) {
    if (r.key !== "metadata.name") return false;
    if (!requirementMatches(r, node.metadata.name, true)) return false;
  }
  return true;
}

/** Terms are ORed. */
export function nodeSelectorTermsMatch(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  for (const t of terms) if (nodeSelectorTermMatches(t, node)) return true;
  return false;
}

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== "Exists") return false;
  switch (t.operator ?? "Equal") {
    case "Exists": return true;
    case "Equal": return (t.value ?? "") === (taint.value ?? "");
    default: return false;
  }
}

/** The first taint (with one of `effects`) no toleration tolerates. */
export function findUntoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, effects: readonly string[]): Taint | undefined {
  for (const taint of taints ?? []) {
    if (!effects.includes(taint.effect)) continue;
    if (!(tolerations ?? []).some((t) => toleratesTaint(t, taint))) return taint;
  }
  return undefined;
}
