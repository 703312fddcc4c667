/**
 * The RBAC authorizer (upstream plugin/pkg/auth/authorizer/rbac): visits the ClusterRoleBindings
 * and, for namespaced requests, the RoleBindings of the namespace that name the user or one of its
 * groups, and allows when a rule of the referenced role matches. Denials are "no opinion" with a
 * reason only when a referenced role is missing. Also the rule resolver behind escalation checks
 * and SelfSubjectRulesReview.
 */
import type { Attributes, UserInfo } from "../../../apiserver/authz/types.ts";
import type { Binding, RoleEntry } from "./policy-index.ts";
import type { PolicyStore } from "./policy-store.ts";
import { ruleAllows } from "./rule-match.ts";
import { appliesTo, describeSubject } from "./subjects.ts";
import type { PolicyRule, RoleRef } from "./types.ts";

export type AuthorizerDecision = { readonly decision: "allow" | "deny" | "noOpinion"; readonly reason: string };

export interface RuleResolution {
  readonly rules: PolicyRule[];
  /** Role-resolution errors (missing roles), upstream wording. */
  readonly errors: string[];
}

export interface RbacAuthorizer {
  authorize(attrs: Attributes): AuthorizerDecision;
  /** Every rule that applies to the user in `namespace` ("" = cluster-wide bindings only). */
  rulesFor(user: UserInfo, namespace: string): RuleResolution;
  /** The rules of a binding's roleRef; throws an Error with upstream's not-found message. */
  roleRefRules(ref: RoleRef, bindingNamespace: string): readonly PolicyRule[];
}

/** `clusterrole.rbac.authorization.k8s.io "x" not found` (the listers' singular resource). */
function notFound(kind: string, name: string): string {
  return `${kind.toLowerCase()}.rbac.authorization.k8s.io "${name}" not found`;
}

function aggregate(errors: readonly string[]): string {
  return errors.length === 1 ? errors[0]! : `[${errors.join(", ")}]`;
}

export function createRbacAuthorizer(policy: PolicyStore): RbacAuthorizer {
  const resolve = (ref: RoleRef, ns: string): RoleEntry | string => {
    if (ref.kind === "ClusterRole") return policy.clusterRoles.get("", ref.name) ?? notFound("ClusterRole", ref.name);
    if (ref.kind === "Role" && ns) return policy.roles.get(ns, ref.name) ?? notFound("Role", ref.name);
    return `unsupported role reference kind: "${ref.kind}"`;
  };

  /** Visits bindings (cluster first, then the namespace's); stops when `visit` returns false. */
  const visit = (user: UserInfo, namespace: string, fn: (b: Binding, role: RoleEntry | string) => boolean): void => {
    policy.sync();
    if (!policy.clusterRoleBindings.visitFor("", user, (b) => fn(b, resolve(b.roleRef, "")))) return;
    if (!namespace) return;
    policy.roleBindings.visitFor(namespace, user, (b) => fn(b, resolve(b.roleRef, namespace)));
  };

  return {
    authorize(attrs) {
      let reason = "";
      const errors: string[] = [];
      visit(attrs.user, attrs.namespace, (b, role) => {
        if (typeof role === "string") { errors.push(role); return true; }
        for (const rule of role.rules) {
          if (!ruleAllows(attrs, rule)) continue;
          const subject = appliesTo(attrs.user, b.subjects, b.namespace);
          const who = subject ? describeSubject(subject, b.namespace) : "";
          reason = b.namespace
            ? `RBAC: allowed by RoleBinding "${b.name}/${b.namespace}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${who}`
            : `RBAC: allowed by ClusterRoleBinding "${b.name}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${who}`;
          return false;
        }
        return true;
      });
      if (reason) return { decision: "allow", reason };
      return { decision: "noOpinion", reason: errors.length ? `RBAC: ${aggregate(errors)}` : "" };
    },
    rulesFor(user, namespace) {
      const rules: PolicyRule[] = [];
      const errors: string[] = [];
      visit(user, namespace, (_b, role) => {
        if (typeof role === "string") errors.push(role);
        else rules.push(...role.rules);
        return true;
      });
      return { rules, errors };
    },
    roleRefRules(ref, bindingNamespace) {
      policy.sync();
      const role = resolve(ref, bindingNamespace);
      if (typeof role === "string") throw new Error(role);
      return role.rules;
    },
  };
}
