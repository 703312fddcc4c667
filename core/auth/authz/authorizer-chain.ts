/**
 * The authorizer chain, as kube-apiserver's `--authorization-mode=Node,RBAC` behind the
 * privileged-group authorizer: `system:masters` is always allowed; then the node authorizer; then
 * RBAC. The first allow (or deny) wins; otherwise the request is denied with the reasons joined
 * by newlines (upstream union authorizer). Also the union rule resolver for SelfSubjectRulesReview.
 */
import type { Attributes, UserInfo } from "../../apiserver/authz/types.ts";
import { nodeIdentity } from "./node/node-identity.ts";
import type { AuthorizerDecision, RbacAuthorizer } from "./rbac/rbac-authorizer.ts";
import type { PolicyRule } from "./rbac/types.ts";

export const PRIVILEGED_GROUP = "system:masters";

export type DecisionFn = (attrs: Attributes) => AuthorizerDecision;

export interface ResolvedRules {
  readonly rules: PolicyRule[];
  readonly incomplete: boolean;
  /** Aggregated resolution errors ("" when none). */
  readonly evaluationError: string;
}

export interface AuthorizerChain {
  decide: DecisionFn;
  rulesFor(user: UserInfo, namespace: string): ResolvedRules;
}

function aggregate(errors: readonly string[]): string {
  if (errors.length === 0) return "";
  return errors.length === 1 ? errors[0]! : `[${errors.join(", ")}]`;
}

export function createAuthorizerChain(node: DecisionFn, rbac: RbacAuthorizer): AuthorizerChain {
  const chain: DecisionFn[] = [node, (a) => rbac.authorize(a)];
  return {
    decide(attrs) {
      if (attrs.user.groups.includes(PRIVILEGED_GROUP)) return { decision: "allow", reason: "" };
      const reasons: string[] = [];
      for (const authorizer of chain) {
        const d = authorizer(attrs);
        if (d.decision !== "noOpinion") return d;
        if (d.reason) reasons.push(d.reason);
      }
      return { decision: "noOpinion", reason: reasons.join("\n") };
    },
    rulesFor(user, namespace) {
      const errors: string[] = [];
      let incomplete = false;
      if (nodeIdentity(user) !== undefined) {
        incomplete = true;
        errors.push("node authorizer does not support user rule resolution");
      }
      const r = rbac.rulesFor(user, namespace);
      if (r.errors.length) errors.push(aggregate(r.errors));
      return { rules: r.rules, incomplete, evaluationError: aggregate(errors) };
    },
  };
}
