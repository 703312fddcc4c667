/**
 * The ValidatingAdmissionPolicy admission plugin (upstream apiserver/pkg/admission/plugin/policy/validating):
 * CEL validations that the API server itself applies to the requests a policy's bindings select.
 *
 * - A policy does nothing until a ValidatingAdmissionPolicyBinding names it. A request is validated
 *   by a (policy, binding) pair when it matches the policy's matchConstraints and the binding's
 *   matchResources (resourceRules minus excludeResourceRules, resourceNames, namespaceSelector,
 *   objectSelector), then the policy's matchConditions.
 * - With a paramKind, the binding's paramRef finds the parameter object(s) (by name, or by label
 *   selector, in paramRef.namespace or the request's namespace); the validations run once per
 *   parameter. None found: parameterNotFoundAction Allow skips, Deny fails (failurePolicy decides).
 * - Expressions see `object`, `oldObject`, `request`, `params`, `namespaceObject`, `variables`
 *   (the policy's variables, evaluated on first use), `authorizer` (checks as the requesting user,
 *   answered by the server's synchronous authorizer) and `authorizer.requestResource` (a resource
 *   check for the request's own resource). A validation that is false is a violation
 *   with its message (messageExpression, message, or `failed expression: <expression>`); one that
 *   fails to evaluate is a violation only under failurePolicy Fail.
 * - validationActions: Deny refuses the request (reason Invalid/422 unless the validation names
 *   another: `<resource> "<name>" is forbidden: ValidatingAdmissionPolicy '<p>' with binding '<b>'
 *   denied request: <message>`); Warn returns a `Warning`; Audit has no effect here (no audit log).
 * - Expressions are checked when the policy is written (undeclared variables and functions, syntax:
 *   the strategy in resources/strategies/validating-admission-policy.ts). CEL this implementation
 *   does not handle (UnsupportedCel: the few syntax forms core/cel lacks) is not enforced: no request
 *   is refused for an expression that is not understood. Requests on admissionregistration objects are exempt.
 */
import { randomUUID } from "node:crypto";
import { CelError, evaluateCel } from "../../../cel/evaluate.ts";
import { compileCel } from "../../../cel/compile-cache.ts";
import { UnsupportedCel } from "../../../cel/parse.ts";
import type { AuthzDecide } from "../../../cel/library/authz.ts";
import { authorizerVariables } from "../authorizer-variables.ts";
import { ApiError, qualifiedResource } from "../../errors/index.ts";
import { labelSelectorFromObject, type LabelSelectorObject } from "../../machinery/label-selector.ts";
import type { KObject } from "../../resources/index.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../types.ts";
import { selectorsMatch } from "../webhook/object-match.ts";
import { admissionReview, labelsOf } from "../webhook/review.ts";
import { isExemptFromWebhooks, ruleMatches, type RuleWithOperations } from "../webhook/rules.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

interface NamedRule extends RuleWithOperations {
  readonly resourceNames?: readonly string[];
}

interface MatchResources {
  readonly namespaceSelector?: LabelSelectorObject;
  readonly objectSelector?: LabelSelectorObject;
  readonly resourceRules?: readonly NamedRule[];
  readonly excludeResourceRules?: readonly NamedRule[];
}

export interface PolicySources {
  /** Current ValidatingAdmissionPolicies and their bindings (any order). */
  policies(): readonly KObject[];
  bindings(): readonly KObject[];
  /** The Namespace object (undefined when it does not exist). */
  namespace(name: string): KObject | undefined;
  /** Objects of `apiVersion`/`kind` in `namespace` ("" = cluster-scoped or all); undefined when the kind is not served. */
  paramObjects(apiVersion: string, kind: string, namespace: string): readonly KObject[] | undefined;
  /** Whether the kind is namespaced (undefined when it is not served). */
  paramKindNamespaced(apiVersion: string, kind: string): boolean | undefined;
}

type Outcome = { value: unknown } | { error: string } | { unsupported: true };

function run(expression: string, vars: Record<string, unknown>): Outcome {
  const e = compileCel(expression);
  if (e instanceof UnsupportedCel) return { unsupported: true };
  try {
    return { value: evaluateCel(e, vars) };
  } catch (err) {
    if (err instanceof UnsupportedCel) return { unsupported: true };
    if (err instanceof CelError) return { error: err.message };
    throw err;
  }
}

/** `variables`: each policy variable evaluated once, on first use, seeing the ones before it. */
function lazyVariables(defs: readonly Json[], vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of defs) {
    if (typeof d?.name !== "string" || typeof d.expression !== "string") continue;
    let memo: Outcome | undefined;
    Object.defineProperty(out, d.name, {
      enumerable: true,
      get() {
        memo ??= run(d.expression, vars);
        if ("unsupported" in memo) throw new UnsupportedCel(`variable ${d.name}`);
        if ("error" in memo) throw new CelError(memo.error);
        return memo.value;
      },
    });
  }
  return out;
}

function namedRuleMatches(rule: NamedRule, attrs: AdmissionAttributes): boolean {
  if (!ruleMatches(rule, attrs)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(attrs.name || attrs.object?.metadata.name || "");
}

async function matches(m: MatchResources | undefined, attrs: AdmissionAttributes, sources: PolicySources, requireRules: boolean): Promise<boolean> {
  if (!m) return !requireRules;
  const rules = m.resourceRules ?? [];
  if (rules.length > 0 ? !rules.some((r) => namedRuleMatches(r, attrs)) : requireRules) return false;
  if ((m.excludeResourceRules ?? []).some((r) => namedRuleMatches(r, attrs))) return false;
  return selectorsMatch(m.namespaceSelector, m.objectSelector, attrs, async (ns) => {
    const o = sources.namespace(ns);
    return o ? labelsOf(o) : undefined;
  });
}

interface Violation {
  readonly message: string;
  readonly reason: string;
}

const REASON_CODES: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

/** The violations of one policy evaluated with one parameter object (or none). */
function evaluatePolicy(spec: Json, vars: Record<string, unknown>): { violations: Violation[]; skipped: boolean } {
  const failClosed = spec.failurePolicy !== "Ignore";
  const violations: Violation[] = [];
  for (const c of (spec.matchConditions ?? []) as Json[]) {
    const o = run(String(c?.expression ?? ""), vars);
    if ("unsupported" in o) continue;
    if ("error" in o) {
      if (failClosed) violations.push({ message: `failed to evaluate match condition ${JSON.stringify(c.name)}: ${o.error}`, reason: "Invalid" });
      return { violations, skipped: !failClosed };
    }
    if (o.value === false) return { violations, skipped: true };
  }
  for (const v of (spec.validations ?? []) as Json[]) {
    const expression = String(v?.expression ?? "");
    const o = run(expression, vars);
    if ("unsupported" in o) continue;
    if ("error" in o || typeof o.value !== "boolean") {
      if (failClosed) violations.push({ message: `expression '${expression}' resulted in error: ${"error" in o ? o.error : "must evaluate to bool"}`, reason: "Invalid" });
      continue;
    }
    if (o.value) continue;
    violations.push({ message: messageOf(v, expression, vars), reason: typeof v.reason === "string" && v.reason ? v.reason : "Invalid" });
  }
  return { violations, skipped: false };
}

function messageOf(v: Json, expression: string, vars: Record<string, unknown>): string {
  if (typeof v.messageExpression === "string" && v.messageExpression) {
    const o = run(v.messageExpression, vars);
    if ("value" in o && typeof o.value === "string" && o.value.trim() && !o.value.includes("\n")) return o.value;
  }
  if (typeof v.message === "string" && v.message) return v.message;
  return `failed expression: ${expression.trim()}`;
}

/** The parameter objects of a binding; undefined when none was found. */
function paramsOf(spec: Json, binding: Json, attrs: AdmissionAttributes, sources: PolicySources): readonly KObject[] | undefined {
  const kind = spec.paramKind as { apiVersion?: string; kind?: string };
  const ref = (binding.spec?.paramRef ?? {}) as { name?: string; namespace?: string; selector?: LabelSelectorObject };
  const namespaced = sources.paramKindNamespaced(kind.apiVersion ?? "", kind.kind ?? "");
  if (namespaced === undefined) return undefined;
  const namespace = namespaced ? (ref.namespace || attrs.namespace) : "";
  if (namespaced && !namespace) return undefined; // a cluster-scoped request with no paramRef.namespace has no parameters
  const objects = sources.paramObjects(kind.apiVersion ?? "", kind.kind ?? "", namespace) ?? [];
  if (ref.name) {
    const found = objects.find((o) => o.metadata.name === ref.name);
    return found ? [found] : undefined;
  }
  let selected: KObject[];
  try {
    const selector = labelSelectorFromObject(ref.selector ?? {});
    selected = objects.filter((o) => selector.matches(labelsOf(o)));
  } catch {
    return undefined;
  }
  return selected.length ? selected : undefined;
}

/** Without an authorizer, every authorizer check is an errored decision. */
const NO_AUTHORIZER: AuthzDecide = () => ({ decision: "noOpinion", reason: "", error: "no authorizer is configured" });

/**
 * `decide`: the server's authorizer as a synchronous decision (lite's `Authorization.decide`), for
 * the `authorizer` variable.
 */
export function validatingAdmissionPolicyPlugin(sources: PolicySources, decide: AuthzDecide = NO_AUTHORIZER): AdmissionPlugin {
  return {
    name: "ValidatingAdmissionPolicy",
    async validate(attrs) {
      if (isExemptFromWebhooks(attrs)) return;
      const bindings = sources.bindings();
      if (bindings.length === 0) return;
      const policies = new Map(sources.policies().map((p) => [p.metadata.name!, p]));
      let request: Json | undefined;
      const ordered = [...bindings].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
      for (const binding of ordered) {
        const bspec = (binding.spec ?? {}) as Json;
        const policy = policies.get(String(bspec.policyName ?? ""));
        if (!policy) continue;
        const spec = (policy.spec ?? {}) as Json;
        if (!(await matches(spec.matchConstraints, attrs, sources, true))) continue;
        if (!(await matches(bspec.matchResources, attrs, sources, false))) continue;
        request ??= admissionReview(attrs, randomUUID(), "v1").request as Json;
        const namespaceObject = attrs.namespace ? sources.namespace(attrs.namespace) ?? null : null;
        const base = { object: attrs.object ?? null, oldObject: attrs.oldObject ?? null, request, namespaceObject, ...authorizerVariables(attrs, decide) };
        let paramSets: readonly (KObject | null)[] = [null];
        let violations: Violation[] = [];
        if (spec.paramKind) {
          const found = paramsOf(spec, binding, attrs, sources);
          if (!found) {
            if (bspec.paramRef?.parameterNotFoundAction === "Deny" && spec.failurePolicy !== "Ignore") {
              violations = [{ message: `failed to configure binding: no params found for policy binding with \`Deny\` parameterNotFoundAction`, reason: "Invalid" }];
            }
            paramSets = [];
          } else {
            paramSets = found;
          }
        }
        for (const params of paramSets) {
          const vars: Record<string, unknown> = { ...base, params };
          vars.variables = lazyVariables((spec.variables ?? []) as Json[], vars);
          const r = evaluatePolicy(spec, vars);
          if (!r.skipped) violations.push(...r.violations);
        }
        if (violations.length === 0) continue;
        const actions = new Set((bspec.validationActions ?? []) as string[]);
        const who = `ValidatingAdmissionPolicy '${policy.metadata.name}' with binding '${binding.metadata.name}'`;
        if (actions.has("Warn")) for (const v of violations) attrs.warnings?.push(`Validation failed for ${who}: ${v.message}`);
        if (actions.has("Deny")) throw denial(attrs, `${who} denied request: ${violations[0]!.message}`, violations[0]!.reason);
      }
    },
  };
}

/** upstream: admission.NewForbidden's message with the validation's reason and code. */
function denial(attrs: AdmissionAttributes, message: string, reason: string): ApiError {
  const name = attrs.name || attrs.object?.metadata.name || "";
  const gr = { group: attrs.def.group, resource: attrs.def.resource };
  const subject = name ? `${qualifiedResource(gr)} ${JSON.stringify(name)}` : qualifiedResource(gr);
  const details: Json = { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource, causes: [{ message }] };
  return new ApiError(REASON_CODES[reason] ?? 422, (REASON_CODES[reason] ? reason : "Invalid") as ApiError["reason"], `${subject} is forbidden: ${message}`, details);
}
