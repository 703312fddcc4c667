/**
 * Node taints and pod tolerations as the node lifecycle controller uses them: the condition taints
 * it owns, and when a pod must leave a node with NoExecute taints (upstream taint-eviction).
 */
// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

export const NOT_READY = "node.kubernetes.io/not-ready";
export const UNREACHABLE = "node.kubernetes.io/unreachable";

export interface Taint { key: string; value?: string; effect: string; timeAdded?: string }

/** The taints the Ready condition calls for (NoSchedule by condition, NoExecute for eviction). */
export function conditionTaints(readyStatus: string | undefined): { key: string; effect: string }[] {
  if (readyStatus === "False") return [{ key: NOT_READY, effect: "NoSchedule" }, { key: NOT_READY, effect: "NoExecute" }];
  if (readyStatus === "Unknown") return [{ key: UNREACHABLE, effect: "NoSchedule" }, { key: UNREACHABLE, effect: "NoExecute" }];
  return [];
}

/** The node's taints with ours replaced by `wanted` (kept as they were when unchanged, so timeAdded stays). */
export function withConditionTaints(current: readonly Taint[], wanted: { key: string; effect: string }[], now: string): Taint[] {
  const ours = (t: { key: string }) => t.key === NOT_READY || t.key === UNREACHABLE;
  const out = current.filter((t) => !ours(t) || wanted.some((w) => w.key === t.key && w.effect === t.effect));
  for (const w of wanted) {
    if (!out.some((t) => t.key === w.key && t.effect === w.effect)) out.push(w.effect === "NoExecute" ? { ...w, timeAdded: now } : { ...w });
  }
  return out;
}

function tolerates(tol: Json, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if ((tol.operator ?? "Equal") === "Exists") return !tol.key || tol.key === taint.key;
  return tol.key === taint.key && (tol.value ?? "") === (taint.value ?? "");
}

/**
 * When the pod must be deleted (ms since epoch), given the node's NoExecute taints: now if one is
 * not tolerated; otherwise each taint's timeAdded plus the smallest tolerationSeconds of the
 * tolerations matching it (never, when all are tolerated forever).
 */
export function evictionTime(pod: Json, taints: readonly Taint[], nowMs: number): number | undefined {
  let at: number | undefined;
  for (const taint of taints.filter((t) => t.effect === "NoExecute")) {
    const matching = (pod.spec?.tolerations ?? []).filter((tol: Json) => tolerates(tol, taint));
    if (matching.length === 0) return nowMs;
    const seconds = matching.map((tol: Json) => tol.tolerationSeconds).filter((s: unknown): s is number => typeof s === "number");
    if (seconds.length === 0) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : nowMs;
    const due = added + Math.max(0, Math.min(...seconds)) * 1000;
    at = Math.min(at ?? due, due);
  }
  return at;
}
