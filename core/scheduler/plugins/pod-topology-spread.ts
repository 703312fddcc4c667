/**
 * PodTopologySpread: spreads matching pods across topology domains.
 * - DoNotSchedule constraints (Filter): placing the pod on a node must keep
 *   `matching pods in its domain + 1 - min over domains <= maxSkew`; nodes without the
 *   topology key fail with "(missing required label)".
 * - ScheduleAnyway constraints (Score): fewer matching pods in the node's domains scores higher.
 * - Pods without constraints get the system defaults (zone maxSkew 5, hostname maxSkew 3, both
 *   ScheduleAnyway) when a controller owns them; lite selects the owner's pods by the pod's own
 *   labels (upstream derives the selector from the owning Service/ReplicaSet/StatefulSet).
 * Only eligible nodes count (nodeAffinityPolicy Honor: nodes matching the pod's node
 * selector/affinity); pods being deleted are not counted.
 */
import {
  Statuses, defineSchedulerPlugin, type CycleState, type LabelSelector, type NodeInfo, type Pod, type PodInfo, type StateData,
  type TopologySpreadConstraint,
} from "@lite/sdk";
import { findUntoleratedTaint, labelSelectorMatches } from "../helpers/selectors.ts";
import { POD_ALL, NODE_ADD_UPDATE } from "./events.ts";
import { podMatchesNodeSelectorAndAffinity } from "./node-affinity.ts";

export const ERR_REASON_CONSTRAINTS = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";
const HOSTNAME = "kubernetes.io/hostname";
const ZONE = "topology.kubernetes.io/zone";

interface Constraint { maxSkew: number; key: string; selector: LabelSelector; minDomains: number; honorAffinity: boolean; honorTaints: boolean }

function constraintsOf(pod: Pod, hard: boolean): Constraint[] {
  const mode = hard ? "DoNotSchedule" : "ScheduleAnyway";
  const own = pod.spec.topologySpreadConstraints ?? [];
  const build = (c: TopologySpreadConstraint): Constraint => {
    let selector = c.labelSelector ?? {};
    if (c.matchLabelKeys?.length) {
      const extra: Record<string, string> = {};
      for (const k of c.matchLabelKeys) { const v = pod.metadata.labels?.[k]; if (v !== undefined) extra[k] = v; }
      selector = { ...selector, matchLabels: { ...selector.matchLabels, ...extra } };
    }
    return { maxSkew: c.maxSkew, key: c.topologyKey, selector, minDomains: c.minDomains ?? 1, honorAffinity: c.nodeAffinityPolicy !== "Ignore", honorTaints: c.nodeTaintsPolicy === "Honor" };
  };
  if (own.length) return own.filter((c) => c.whenUnsatisfiable === mode && !!c.labelSelector).map(build);
  if (hard) return [];
  const owned = (pod.metadata.ownerReferences ?? []).some((o) => o.controller);
  if (!owned || !pod.metadata.labels || !Object.keys(pod.metadata.labels).length) return [];
  const selector = { matchLabels: { ...pod.metadata.labels } };
  return [
    { maxSkew: 3, key: HOSTNAME, selector, minDomains: 1, honorAffinity: true, honorTaints: false },
    { maxSkew: 5, key: ZONE, selector, minDomains: 1, honorAffinity: true, honorTaints: false },
  ];
}

const counts = (ni: NodeInfo, pod: Pod, sel: LabelSelector): number => {
  let n = 0;
  for (const pi of ni.pods) {
    const p = pi.pod;
    if (p.metadata.namespace === pod.metadata.namespace && !p.metadata.deletionTimestamp && labelSelectorMatches(sel, p.metadata.labels)) n++;
  }
  return n;
};

function eligible(c: Constraint, pod: Pod, ni: NodeInfo): boolean {
  if (c.honorAffinity && !podMatchesNodeSelectorAndAffinity(pod, ni.node)) return false;
  if (c.honorTaints && findUntoleratedTaint(ni.node.spec?.taints, pod.spec.tolerations, ["NoSchedule", "NoExecute"])) return false;
  return true;
}

class PreFilterState implements StateData {
  constructor(readonly constraints: Constraint[], readonly domainCounts: Map<string, number>[]) {}
  clone() { return new PreFilterState(this.constraints, this.domainCounts.map((m) => new Map(m))); }
  minMatch(i: number): number {
    const m = this.domainCounts[i]!;
    if (m.size < this.constraints[i]!.minDomains) return 0;
    let min = Infinity;
    for (const v of m.values()) if (v < min) min = v;
    return min === Infinity ? 0 : min;
  }
  update(pod: Pod, pi: PodInfo, ni: NodeInfo, delta: 1 | -1): void {
    if (pi.pod.metadata.namespace !== pod.metadata.namespace) return;
    this.constraints.forEach((c, i) => {
      const v = ni.node.metadata.labels?.[c.key];
      if (v === undefined || !labelSelectorMatches(c.selector, pi.pod.metadata.labels) || !eligible(c, pod, ni)) return;
      const m = this.domainCounts[i]!;
      m.set(v, (m.get(v) ?? 0) + delta);
    });
  }
}

class ScoreState implements StateData {
  constructor(readonly constraints: Constraint[], readonly domainCounts: Map<string, number>[], readonly weights: number[]) {}
  clone() { return this; }
}

const PRE_FILTER = "PreFilterPodTopologySpread";
const PRE_SCORE = "PreScorePodTopologySpread";

export const podTopologySpreadPlugin = defineSchedulerPlugin({
  name: "PodTopologySpread",
  weight: 2,
  create: () => ({
    name: "PodTopologySpread",
    events: [POD_ALL, NODE_ADD_UPDATE],
    preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]) {
      const constraints = constraintsOf(pod, true);
      if (!constraints.length) return { status: Statuses.skip() };
      const domainCounts = constraints.map(() => new Map<string, number>());
      for (const ni of nodes) {
        const labels = ni.node.metadata.labels ?? {};
        if (!constraints.every((c) => labels[c.key] !== undefined)) continue;
        constraints.forEach((c, i) => {
          if (!eligible(c, pod, ni)) return;
          const v = labels[c.key]!;
          domainCounts[i]!.set(v, (domainCounts[i]!.get(v) ?? 0) + counts(ni, pod, c.selector));
        });
      }
      state.write(PRE_FILTER, new PreFilterState(constraints, domainCounts));
      return { status: Statuses.success() };
    },
    preFilterExtensions: {
      addPod(state, pod, pi, ni) { state.read<PreFilterState>(PRE_FILTER)?.update(pod, pi, ni, 1); return Statuses.success(); },
      removePod(state, pod, pi, ni) { state.read<PreFilterState>(PRE_FILTER)?.update(pod, pi, ni, -1); return Statuses.success(); },
    },
    filter(state, pod, ni) {
      const s = state.read<PreFilterState>(PRE_FILTER);
      if (!s) return Statuses.success();
      const labels = ni.node.metadata.labels ?? {};
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i]!;
        const v = labels[c.key];
        if (v === undefined) return Statuses.unresolvable(ERR_REASON_MISSING_LABEL);
        const self = labelSelectorMatches(c.selector, pod.metadata.labels) ? 1 : 0;
        const match = s.domainCounts[i]!.get(v) ?? 0;
        if (match + self - s.minMatch(i) > c.maxSkew) return Statuses.unschedulable(ERR_REASON_CONSTRAINTS);
      }
      return Statuses.success();
    },
    preScore(state, pod, nodes) {
      const constraints = constraintsOf(pod, false);
      if (!constraints.length) return Statuses.skip();
      const all = nodes; // domains of the feasible nodes, counted over those nodes (upstream counts all nodes of those domains)
      const domainCounts = constraints.map(() => new Map<string, number>());
      const domains = constraints.map(() => new Set<string>());
      for (const ni of all) {
        const labels = ni.node.metadata.labels ?? {};
        constraints.forEach((c, i) => {
          const v = labels[c.key];
          if (v === undefined || !eligible(c, pod, ni)) return;
          domains[i]!.add(v);
          domainCounts[i]!.set(v, (domainCounts[i]!.get(v) ?? 0) + counts(ni, pod, c.selector));
        });
      }
      const weights = domains.map((d) => Math.log(d.size + 2));
      state.write(PRE_SCORE, new ScoreState(constraints, domainCounts, weights));
      return Statuses.success();
    },
    score(state, _pod, ni) {
      const s = state.read<ScoreState>(PRE_SCORE);
      if (!s) return 0;
      const labels = ni.node.metadata.labels ?? {};
      let score = 0;
      s.constraints.forEach((c, i) => {
        const v = labels[c.key];
        if (v === undefined) return;
        score += ((s.domainCounts[i]!.get(v) ?? 0) + c.maxSkew - 1) * s.weights[i]!;
      });
      return Math.round(score);
    },
    normalizeScore(state, _pod, scores) {
      if (!state.read<ScoreState>(PRE_SCORE)) return Statuses.success();
      let max = 0, min = Infinity;
      for (const s of scores) { max = Math.max(max, s.score); min = Math.min(min, s.score); }
      for (const s of scores) s.score = max === 0 ? 100 : Math.trunc((100 * (max + min - s.score)) / max);
      return Statuses.success();
    },
  }),
});
