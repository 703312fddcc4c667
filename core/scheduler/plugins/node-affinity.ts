/**
 * NodeAffinity: spec.nodeSelector and required node affinity must match the node (terms ORed,
 * expressions ANDed); preferred terms score by the sum of matching weights, normalized to 0..100.
 * PreFilter narrows the nodes when every term names nodes by metadata.name.
 */
import { Statuses, defineSchedulerPlugin, type Node, type Pod } from "@lite/sdk";
import { nodeSelectorTermMatches, nodeSelectorTermsMatch } from "../helpers/selectors.ts";
import { NODE_ADD_UPDATE } from "./events.ts";
import { defaultNormalizeScore } from "./normalize.ts";

export const ERR_REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const sel = pod.spec.nodeSelector;
  if (sel) {
    const labels = node.metadata.labels ?? {};
    for (const k in sel) if (labels[k] !== sel[k]) return false;
  }
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return !terms || nodeSelectorTermsMatch(terms, node);
}

export const nodeAffinityPlugin = defineSchedulerPlugin({
  name: "NodeAffinity",
  weight: 2,
  create: () => ({
    name: "NodeAffinity",
    events: [NODE_ADD_UPDATE],
    preFilter(_state, pod) {
      const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      if (!pod.spec.nodeSelector && !terms) return { status: Statuses.skip() };
      if (!terms?.length) return { status: Statuses.success() };
      const names = new Set<string>();
      for (const t of terms) {
        const byName = (t.matchFields ?? []).find((f) => f.key === "metadata.name" && f.operator === "In");
        if (!byName || (t.matchFields ?? []).length !== 1) return { status: Statuses.success() };
        for (const v of byName.values ?? []) names.add(v);
      }
      return { status: Statuses.success(), result: { nodeNames: names } };
    },
    filter: (_s, pod, ni) => (podMatchesNodeSelectorAndAffinity(pod, ni.node) ? Statuses.success() : Statuses.unresolvable(ERR_REASON_NODE_AFFINITY)),
    score(_s, pod, ni) {
      let total = 0;
      for (const p of pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
        if (p.weight && nodeSelectorTermMatches(p.preference, ni.node)) total += p.weight;
      }
      return total;
    },
    normalizeScore(_s, _p, scores) { defaultNormalizeScore(100, false, scores); return Statuses.success(); },
  }),
});
