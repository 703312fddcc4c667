/**
 * Authorization for lite's API server: Node,RBAC authorizer chain, NodeRestriction and RBAC
 * escalation admission, SubjectAccessReview kinds, bootstrap policy, ClusterRole aggregation.
 */
export { createAuthorization, type Authorization } from "./authorization.ts";
export type { AuthorizerDecision } from "./rbac/rbac-authorizer.ts";
export type { ResolvedRules } from "./authorizer-chain.ts";
export { ruleAllows } from "./rbac/rule-match.ts";
export type { PolicyRule, Subject, RoleRef } from "./rbac/types.ts";
export { LITE_CONTROLLER_USER } from "./bootstrap/bindings.ts";
