/**
 * Normalizing a desired replica count as the HPA controller does: stabilization over recent
 * recommendations and the scaling rate limits, either the legacy rules (no `spec.behavior`: a 5 min
 * scale-down window, scale-up to at most max(2×current, 4)) or `spec.behavior` (per-direction
 * windows, Pods/Percent policies over periods, selectPolicy Max/Min/Disabled). The per-HPA
 * history (recommendations, scale events) lives in one `HpaHistory` per HPA key.
 */

export interface HpaPolicy { type: "Pods" | "Percent"; value: number; periodSeconds: number }
export interface HpaScalingRules { stabilizationWindowSeconds?: number; selectPolicy?: "Max" | "Min" | "Disabled"; policies?: HpaPolicy[] }
export interface HpaBehavior { scaleUp?: HpaScalingRules; scaleDown?: HpaScalingRules }

export const DOWNSCALE_STABILIZATION_MS = 5 * 60_000;

/** autoscaling/v2 defaults for `spec.behavior` (GenerateHPAScaleUpRules / GenerateHPAScaleDownRules). */
export function defaultedBehavior(b: HpaBehavior): Required<{ scaleUp: Required<HpaScalingRules>; scaleDown: Required<HpaScalingRules> }> {
  const up = b.scaleUp ?? {};
  const down = b.scaleDown ?? {};
  return {
    scaleUp: {
      stabilizationWindowSeconds: up.stabilizationWindowSeconds ?? 0,
      selectPolicy: up.selectPolicy ?? "Max",
      policies: up.policies ?? [{ type: "Pods", value: 4, periodSeconds: 15 }, { type: "Percent", value: 100, periodSeconds: 15 }],
    },
    scaleDown: {
      stabilizationWindowSeconds: down.stabilizationWindowSeconds ?? 300,
      selectPolicy: down.selectPolicy ?? "Max",
      policies: down.policies ?? [{ type: "Percent", value: 100, periodSeconds: 15 }],
    },
  };
}

interface Recommendation { replicas: number; at: number }
interface ScaleEvent { change: number; at: number; outdated: boolean }

/** One HPA's memory between syncs. */
export class HpaHistory {
  readonly recommendations: Recommendation[] = [];
  readonly scaleUpEvents: ScaleEvent[] = [];
  readonly scaleDownEvents: ScaleEvent[] = [];

  constructor(initialReplicas: number, now: number) {
    this.recommendations.push({ replicas: initialReplicas, at: now });
  }

  /** Records a rescale made under `behavior` (upstream storeScaleEvent: only with a behavior). */
  recordScale(behavior: HpaBehavior | undefined, from: number, to: number, now: number): void {
    if (!behavior) return;
    const rules = defaultedBehavior(behavior);
    const up = to > from;
    const events = up ? this.scaleUpEvents : this.scaleDownEvents;
    const longest = Math.max(0, ...(up ? rules.scaleUp : rules.scaleDown).policies.map((p) => p.periodSeconds));
    for (const e of events) if (e.at <= now - longest * 1000) e.outdated = true;
    const event = { change: Math.abs(to - from), at: now, outdated: false };
    const reuse = events.findIndex((e) => e.outdated);
    if (reuse >= 0) events[reuse] = event;
    else events.push(event);
  }
}

export interface Normalized {
  replicas: number;
  /** AbleToScale (status True) reason and message. */
  ableToScale: { reason: string; message: string };
  /** ScalingLimited: limited (True) or not, reason and message. */
  scalingLimited: { limited: boolean; reason: string; message: string };
}

const READY = { reason: "ReadyForNewScale", message: "recommended size matches current size" };
const WITHIN = { reason: "DesiredWithinRange", message: "the desired count is within the acceptable range" };

/** No `spec.behavior`: upstream normalizeDesiredReplicas. */
export function normalizeLegacy(history: HpaHistory, current: number, desired: number, min: number, max: number, now: number): Normalized {
  let stabilized = desired;
  let old = -1;
  const cutoff = now - DOWNSCALE_STABILIZATION_MS;
  history.recommendations.forEach((r, i) => {
    if (r.at < cutoff) old = i;
    else if (r.replicas > stabilized) stabilized = r.replicas;
  });
  if (old >= 0) history.recommendations[old] = { replicas: desired, at: now };
  else history.recommendations.push({ replicas: desired, at: now });
  const ableToScale = stabilized !== desired
    ? { reason: "ScaleDownStabilized", message: "recent recommendations were higher than current one, applying the highest recent recommendation" }
    : READY;

  const scaleUpLimit = Math.max(2 * current, 4);
  const [minAllowed, minReason] = min === 0
    ? [1, "the desired replica count is zero"]
    : [min, "the desired replica count is less than the minimum replica count"];
  const [maxAllowed, maxCondition, maxReason] = max > scaleUpLimit
    ? [scaleUpLimit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"]
    : [max, "TooManyReplicas", "the desired replica count is more than the maximum replica count"];
  let replicas = stabilized;
  let limit = WITHIN;
  if (stabilized < minAllowed) { replicas = minAllowed; limit = { reason: "TooFewReplicas", message: minReason }; }
  else if (stabilized > maxAllowed) { replicas = maxAllowed; limit = { reason: maxCondition, message: maxReason }; }
  return { replicas, ableToScale, scalingLimited: { limited: replicas !== stabilized, ...limit } };
}

function changeInPeriod(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.reduce((sum, e) => (e.at > cutoff ? sum + e.change : sum), 0);
}

function scaleUpLimit(current: number, history: HpaHistory, rules: Required<HpaScalingRules>, now: number): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.min : Math.max;
  let result = rules.selectPolicy === "Min" ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(p.periodSeconds, history.scaleUpEvents, now) + changeInPeriod(p.periodSeconds, history.scaleDownEvents, now);
    const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

function scaleDownLimit(current: number, history: HpaHistory, rules: Required<HpaScalingRules>, now: number): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.max : Math.min;
  let result = rules.selectPolicy === "Min" ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(p.periodSeconds, history.scaleUpEvents, now) + changeInPeriod(p.periodSeconds, history.scaleDownEvents, now);
    const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** With `spec.behavior`: upstream normalizeDesiredReplicasWithBehaviors. */
export function normalizeWithBehavior(history: HpaHistory, behavior: HpaBehavior, current: number, desired: number, min: number, max: number, now: number): Normalized {
  const rules = defaultedBehavior(behavior);
  // Stabilization: the lowest recommendation of the scale-up window, the highest of the scale-down window.
  const upCutoff = now - rules.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = now - rules.scaleDown.stabilizationWindowSeconds * 1000;
  let up = desired;
  let down = desired;
  let old = -1;
  history.recommendations.forEach((r, i) => {
    if (r.at > upCutoff) up = Math.min(r.replicas, up);
    if (r.at > downCutoff) down = Math.max(r.replicas, down);
    if (r.at < upCutoff && r.at < downCutoff) old = i;
  });
  let stabilized = current;
  if (stabilized < up) stabilized = up;
  if (stabilized > down) stabilized = down;
  if (old >= 0) history.recommendations[old] = { replicas: desired, at: now };
  else history.recommendations.push({ replicas: desired, at: now });
  const ableToScale = stabilized !== desired
    ? desired >= current
      ? { reason: "ScaleUpStabilized", message: "recent recommendations were lower than current one, applying the lowest recent recommendation" }
      : { reason: "ScaleDownStabilized", message: "recent recommendations were higher than current one, applying the highest recent recommendation" }
    : READY;

  // Rate limits.
  let replicas = stabilized;
  let limit = WITHIN;
  if (stabilized > current) {
    const upLimit = Math.max(scaleUpLimit(current, history, rules.scaleUp, now), current);
    const [allowed, reason, message] = max > upLimit
      ? [upLimit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"]
      : [max, "TooManyReplicas", "the desired replica count is more than the maximum replica count"];
    if (stabilized > allowed) { replicas = allowed; limit = { reason, message }; }
  } else if (stabilized < current) {
    const downLimit = Math.min(scaleDownLimit(current, history, rules.scaleDown, now), current);
    const [allowed, reason, message] = min < downLimit
      ? [downLimit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"]
      : [min, "TooFewReplicas", "the desired replica count is less than the minimum replica count"];
    if (stabilized < allowed) { replicas = allowed; limit = { reason, message }; }
  }
  return { replicas, ableToScale, scalingLimited: { limited: replicas !== stabilized, ...limit } };
}
