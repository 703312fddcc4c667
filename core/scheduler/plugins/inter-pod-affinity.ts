/**
 * InterPodAffinity: required pod affinity / anti-affinity of the incoming pod, and existing
 * pods' required anti-affinity against it (Filter); preferred terms of both sides (Score).
 * Counts are kept per topology pair (key=value) and adjusted by preFilterExtensions for
 * preemption's what-if evaluation. A term's namespaces default to the pod's own; a
 * namespaceSelector matches namespace labels.
 */
import {
  Statuses, builtinResources, defineSchedulerPlugin, type CycleState, type KubeObject, type NodeInfo, type Pod, type PodAffinityTerm,
  type PodInfo, type StateData,
} from "@lite/sdk";
import { labelSelectorMatches } from "../helpers/selectors.ts";
import { NODE_ADD_UPDATE, POD_ALL } from "./events.ts";

export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

type NamespaceLabels = (ns: string) => Record<string, string> | undefined;

/** Does `target` match `term` as written by `owner` (namespaces + selector, matchLabelKeys)? */
function termMatches(term: PodAffinityTerm, owner: Pod, target: Pod, nsLabels: NamespaceLabels): boolean {
  const ns = target.metadata.namespace!;
  const inList = term.namespaces?.length ? term.namespaces.includes(ns) : false;
  const bySelector = term.namespaceSelector ? labelSelectorMatches(term.namespaceSelector, nsLabels(ns)) : false;
  if (!inList && !bySelector && !(!term.namespaces?.length && !term.namespaceSelector && ns === owner.metadata.namespace)) return false;
  let sel = term.labelSelector;
  if (!sel) return false;
  if (term.matchLabelKeys?.length) {
    const extra: Record<string, string> = {};
    for (const k of term.matchLabelKeys) { const v = owner.metadata.labels?.[k]; if (v !== undefined) extra[k] = v; }
    sel = { ...sel, matchLabels: { ...sel.matchLabels, ...extra } };
  }
  return labelSelectorMatches(sel, target.metadata.labels);
}

const pair = (key: string, value: string) => `${key}\u0000${value}`;
const required = (p: Pod, anti: boolean) => (anti ? p.spec.affinity?.podAntiAffinity : p.spec.affinity?.podAffinity)?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
const preferred = (p: Pod, anti: boolean) => (anti ? p.spec.affinity?.podAntiAffinity : p.spec.affinity?.podAffinity)?.preferredDuringSchedulingIgnoredDuringExecution ?? [];

class FilterState implements StateData {
  constructor(
    readonly existingAnti: Map<string, number>,
    readonly affinity: Map<string, number>,
    readonly anti: Map<string, number>,
  ) {}
  clone() { return new FilterState(new Map(this.existingAnti), new Map(this.affinity), new Map(this.anti)); }
}

const bump = (m: Map<string, number>, k: string, d: number) => { const v = (m.get(k) ?? 0) + d; if (v) m.set(k, v); else m.delete(k); };

function accumulate(s: FilterState, pod: Pod, existing: Pod, ni: NodeInfo, d: number, ns: NamespaceLabels): void {
  const labels = ni.node.metadata.labels ?? {};
  for (const t of required(existing, true)) {
    const v = labels[t.topologyKey];
    if (v !== undefined && termMatches(t, existing, pod, ns)) bump(s.existingAnti, pair(t.topologyKey, v), d);
  }
  const aff = required(pod, false);
  if (aff.length && aff.every((t) => termMatches(t, pod, existing, ns))) {
    for (const t of aff) { const v = labels[t.topologyKey]; if (v !== undefined) bump(s.affinity, pair(t.topologyKey, v), d); }
  }
  for (const t of required(pod, true)) {
    const v = labels[t.topologyKey];
    if (v !== undefined && termMatches(t, pod, existing, ns)) bump(s.anti, pair(t.topologyKey, v), d);
  }
}

const PRE_FILTER = "PreFilterInterPodAffinity";
const PRE_SCORE = "PreScoreInterPodAffinity";
class ScoreState implements StateData {
  constructor(readonly scores: Map<string, number>) {}
  clone() { return this; }
}

export const interPodAffinityPlugin = defineSchedulerPlugin({
  name: "InterPodAffinity",
  weight: 2,
  create: (handle) => {
    const namespaces = handle.informers.informerFor<KubeObject>(builtinResources.namespaces);
    const nsLabels: NamespaceLabels = (ns) => namespaces.get(ns)?.metadata.labels;
    return {
      name: "InterPodAffinity",
      events: [POD_ALL, NODE_ADD_UPDATE],
      preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]) {
        const hasOwn = required(pod, false).length > 0 || required(pod, true).length > 0;
        const s = new FilterState(new Map(), new Map(), new Map());
        const snapshot = handle.snapshot();
        const withAnti = snapshot.havePodsWithRequiredAntiAffinity();
        if (!hasOwn && withAnti.length === 0) return { status: Statuses.skip() };
        const scan = hasOwn ? nodes : withAnti;
        for (const ni of scan) {
          for (const pi of hasOwn ? ni.pods : ni.podsWithRequiredAntiAffinity) {
            if (hasOwn) accumulate(s, pod, pi.pod, ni, 1, nsLabels);
            else {
              const labels = ni.node.metadata.labels ?? {};
              for (const t of required(pi.pod, true)) {
                const v = labels[t.topologyKey];
                if (v !== undefined && termMatches(t, pi.pod, pod, nsLabels)) bump(s.existingAnti, pair(t.topologyKey, v), 1);
              }
            }
          }
        }
        state.write(PRE_FILTER, s);
        return { status: Statuses.success() };
      },
      preFilterExtensions: {
        addPod(state, pod, pi: PodInfo, ni) { const s = state.read<FilterState>(PRE_FILTER); if (s) accumulate(s, pod, pi.pod, ni, 1, nsLabels); return Statuses.success(); },
        removePod(state, pod, pi: PodInfo, ni) { const s = state.read<FilterState>(PRE_FILTER); if (s) accumulate(s, pod, pi.pod, ni, -1, nsLabels); return Statuses.success(); },
      },
      filter(state, pod, ni) {
        const s = state.read<FilterState>(PRE_FILTER);
        if (!s) return Statuses.success();
        const labels = ni.node.metadata.labels ?? {};
        for (const [k, n] of s.existingAnti) {
          if (n <= 0) continue;
          const [key, value] = k.split("\u0000") as [string, string];
          if (labels[key] === value) return Statuses.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
        }
        const aff = required(pod, false);
        if (aff.length) {
          const ok = aff.every((t) => { const v = labels[t.topologyKey]; return v !== undefined && (s.affinity.get(pair(t.topologyKey, v)) ?? 0) > 0; });
          // No pod matches anywhere, but the pod matches its own terms: the first of a group may go anywhere with the keys.
          const selfMatch = s.affinity.size === 0 && aff.every((t) => termMatches(t, pod, pod, nsLabels) && labels[t.topologyKey] !== undefined);
          if (!ok && !selfMatch) return Statuses.unresolvable(ERR_REASON_AFFINITY);
        }
        for (const t of required(pod, true)) {
          const v = labels[t.topologyKey];
          if (v !== undefined && (s.anti.get(pair(t.topologyKey, v)) ?? 0) > 0) return Statuses.unschedulable(ERR_REASON_ANTI_AFFINITY);
        }
        return Statuses.success();
      },
      preScore(state, pod, nodes) {
        const prefAff = preferred(pod, false), prefAnti = preferred(pod, true);
        const snapshot = handle.snapshot();
        const hasOwn = prefAff.length > 0 || prefAnti.length > 0;
        const others = hasOwn ? snapshot.list() : snapshot.havePodsWithAffinity();
        if (!hasOwn && others.length === 0) return Statuses.skip();
        const scores = new Map<string, number>();
        for (const ni of others) {
          const labels = ni.node.metadata.labels ?? {};
          for (const pi of hasOwn ? ni.pods : ni.podsWithAffinity) {
            const ex = pi.pod;
            const add = (key: string, w: number) => { const v = labels[key]; if (v !== undefined) bump(scores, pair(key, v), w); };
            for (const t of prefAff) if (termMatches(t.podAffinityTerm, pod, ex, nsLabels)) add(t.podAffinityTerm.topologyKey, t.weight);
            for (const t of prefAnti) if (termMatches(t.podAffinityTerm, pod, ex, nsLabels)) add(t.podAffinityTerm.topologyKey, -t.weight);
            for (const t of required(ex, false)) if (termMatches(t, ex, pod, nsLabels)) add(t.topologyKey, 1);
            for (const t of preferred(ex, false)) if (termMatches(t.podAffinityTerm, ex, pod, nsLabels)) add(t.podAffinityTerm.topologyKey, t.weight);
            for (const t of preferred(ex, true)) if (termMatches(t.podAffinityTerm, ex, pod, nsLabels)) add(t.podAffinityTerm.topologyKey, -t.weight);
          }
        }
        if (scores.size === 0) return Statuses.skip();
        state.write(PRE_SCORE, new ScoreState(scores));
        void nodes;
        return Statuses.success();
      },
      score(state, _pod, ni) {
        const s = state.read<ScoreState>(PRE_SCORE);
        if (!s) return 0;
        const labels = ni.node.metadata.labels ?? {};
        let total = 0;
        for (const [k, w] of s.scores) {
          const [key, value] = k.split("\u0000") as [string, string];
          if (labels[key] === value) total += w;
        }
        return total;
      },
      normalizeScore(state, _pod, scores) {
        if (!state.read<ScoreState>(PRE_SCORE)) return Statuses.success();
        let max = -Infinity, min = Infinity;
        for (const s of scores) { max = Math.max(max, s.score); min = Math.min(min, s.score); }
        const diff = max - min;
        for (const s of scores) s.score = diff > 0 ? Math.trunc((100 * (s.score - min)) / diff) : 0;
        return Statuses.success();
      },
    };
  },
});
