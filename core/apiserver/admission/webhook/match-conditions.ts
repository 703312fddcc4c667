/**
 * A webhook's `matchConditions` (CEL, upstream apiserver/pkg/admission/plugin/webhook/matchconditions):
 * the webhook is called only when no condition evaluates to false. The variables are `object`,
 * `oldObject`, `request` (the AdmissionRequest being sent), `authorizer` (checks as the requesting
 * user) and `authorizer.requestResource` (a check on the request's own resource), bound by the
 * caller as for ValidatingAdmissionPolicy.
 *
 * As upstream's matcher: every condition is evaluated; one false skips the webhook even when
 * others failed to evaluate; otherwise evaluation errors are the caller's to settle by
 * failurePolicy (`MatchConditionError`, Fail refuses the request, Ignore skips the webhook). A
 * result other than false (there is no type checker to refuse a non-bool one) does not skip.
 * An expression lite's CEL does not parse (leading-dot names, message construction) counts as
 * true, so the webhook is called and decides.
 */
import { CelError, evaluateCel } from "../../../cel/evaluate.ts";
import { compileCel } from "../../../cel/compile-cache.ts";
import { UnsupportedCel } from "../../../cel/parse.ts";

export interface MatchCondition {
  readonly name: string;
  readonly expression: string;
}

/**
 * Conditions that could not be evaluated (and none was false). The message is upstream's: each
 * `expression '<expr>' resulted in error: <err>`, several joined as `[a, b]`.
 */
export class MatchConditionError extends Error {}

/** True when no condition is false; throws MatchConditionError when some failed and none was false. */
export function conditionsMatch(conditions: readonly MatchCondition[] | undefined, vars: Record<string, unknown>): boolean {
  const errors: string[] = [];
  for (const c of conditions ?? []) {
    const e = compileCel(c.expression);
    if (e instanceof UnsupportedCel) continue;
    let result: unknown;
    try {
      result = evaluateCel(e, vars);
    } catch (err) {
      if (err instanceof UnsupportedCel) continue;
      if (!(err instanceof CelError)) throw err;
      const message = `expression '${c.expression}' resulted in error: ${err.message}`;
      if (!errors.includes(message)) errors.push(message);
      continue;
    }
    if (result === false) return false;
  }
  if (errors.length > 0) throw new MatchConditionError(errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`);
  return true;
}
