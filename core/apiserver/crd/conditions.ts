/** CRD status conditions: set one (lastTransitionTime moves only when status changes), find one. */
import type { CRDCondition, CRDStatus } from "./types.ts";

export function findCondition(status: CRDStatus | undefined, type: string): CRDCondition | undefined {
  return (status?.conditions ?? []).find((c) => c.type === type);
}

export function isConditionTrue(status: CRDStatus | undefined, type: string): boolean {
  return findCondition(status, type)?.status === "True";
}

export function setCondition(status: CRDStatus, cond: Omit<CRDCondition, "lastTransitionTime">, now: string): void {
  const conditions = status.conditions ?? [];
  const old = conditions.find((c) => c.type === cond.type);
  const next: CRDCondition = { type: cond.type, status: cond.status, lastTransitionTime: old && old.status === cond.status ? old.lastTransitionTime : now, reason: cond.reason, message: cond.message };
  status.conditions = old ? conditions.map((c) => (c === old ? next : c)) : [...conditions, next];
}
