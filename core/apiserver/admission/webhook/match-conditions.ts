/**
 * A webhook's `matchConditions` (CEL, upstream apiserver/pkg/admission/plugin/webhook/matchconditions):
 * every condition must evaluate to true for the webhook to be called; one false skips it. The
 * variables are `object`, `oldObject` and `request` (the AdmissionRequest being sent). An
 * evaluation error is the webhook's failure (failurePolicy decides). An expression this server's
 * CEL subset does not understand (e.g. one using `authorizer`) counts as true, so the webhook is
 * called and decides itself, as lite did before it evaluated conditions.
 */
import { CelError, evaluateCel } from "../../../cel/evaluate.ts";
import { compileCel } from "../../../cel/compile-cache.ts";
import { UnsupportedCel } from "../../../cel/parse.ts";

export interface MatchCondition {
  readonly name: string;
  readonly expression: string;
}

/** Why a condition could not be evaluated; the webhook call counts as failed. */
export class MatchConditionError extends Error {}

/** True when every condition holds (or is not understood here); false when one is false. */
export function conditionsMatch(conditions: readonly MatchCondition[] | undefined, vars: Record<string, unknown>): boolean {
  for (const c of conditions ?? []) {
    const e = compileCel(c.expression);
    if (e instanceof UnsupportedCel) continue;
    let result: unknown;
    try {
      result = evaluateCel(e, vars);
    } catch (err) {
      if (err instanceof UnsupportedCel) continue;
      if (err instanceof CelError) throw new MatchConditionError(`failed to evaluate match condition ${JSON.stringify(c.name)}: ${err.message}`);
      throw err;
    }
    if (typeof result !== "boolean") throw new MatchConditionError(`match condition ${JSON.stringify(c.name)} must evaluate to bool`);
    if (!result) return false;
  }
  return true;
}
