/** Job conditions as upstream's job controller writes them (lastProbeTime and lastTransitionTime). */
import type { Condition } from "../workload-pods/types.ts";

export function hasCondition(conds: readonly Condition[] | undefined, type: string): boolean {
  return (conds ?? []).some((c) => c.type === type && c.status === "True");
}

export function getCondition(conds: readonly Condition[] | undefined, type: string): Condition | undefined {
  return (conds ?? []).find((c) => c.type === type);
}

/**
 * Sets a condition (a new array; the input is not mutated). An existing condition keeps its
 * lastTransitionTime when its status does not change. With `onlyIfPresent` a missing condition
 * is not added (upstream ensureJobConditionStatus for Suspended=False).
 */
export function setCondition(conds: readonly Condition[] | undefined, c: Omit<Condition, "lastTransitionTime" | "lastProbeTime">, now: string, onlyIfPresent = false): { conditions: Condition[]; changed: boolean } {
  const list = [...(conds ?? [])];
  const i = list.findIndex((x) => x.type === c.type);
  if (i < 0) {
    if (onlyIfPresent) return { conditions: list, changed: false };
    list.push({ ...c, lastProbeTime: now, lastTransitionTime: now });
    return { conditions: list, changed: true };
  }
  const old = list[i]!;
  if (old.status === c.status && old.reason === c.reason && old.message === c.message) return { conditions: list, changed: false };
  list[i] = { ...old, ...c, lastProbeTime: now, lastTransitionTime: old.status === c.status ? old.lastTransitionTime ?? now : now };
  return { conditions: list, changed: true };
}
