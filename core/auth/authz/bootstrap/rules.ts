/** Small builders for the bootstrap policy declarations. */
import type { PolicyRule, Subject } from "../rbac/types.ts";

export const READ = ["get", "list", "watch"] as const;
export const WRITE = ["create", "delete", "deletecollection", "patch", "update"] as const;
export const READ_WRITE = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"] as const;
export const EVENTS_WRITE = ["create", "update", "patch"] as const;

/** A resource rule: verbs on resources of the given API groups, optionally restricted to names. */
export function rule(verbs: readonly string[], groups: readonly string[], resources: readonly string[], names?: readonly string[]): PolicyRule {
  return { verbs: [...verbs], apiGroups: [...groups], resources: [...resources], ...(names ? { resourceNames: [...names] } : {}) };
}

/** A non-resource rule. */
export function urls(verbs: readonly string[], paths: readonly string[]): PolicyRule {
  return { verbs: [...verbs], nonResourceURLs: [...paths] };
}

/** Upstream eventsRule(): write events in the core and events.k8s.io groups. */
export function eventsRule(): PolicyRule {
  return rule(EVENTS_WRITE, ["", "events.k8s.io"], ["events"]);
}

export const user = (name: string): Subject => ({ kind: "User", apiGroup: "rbac.authorization.k8s.io", name });
export const group = (name: string): Subject => ({ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name });
export const serviceAccount = (namespace: string, name: string): Subject => ({ kind: "ServiceAccount", name, namespace });

export interface ClusterRoleDecl {
  readonly name: string;
  readonly rules: readonly PolicyRule[];
  readonly labels?: Readonly<Record<string, string>>;
  /** Label sets; a ClusterRole with these has its rules computed by aggregation. */
  readonly aggregateFrom?: readonly Readonly<Record<string, string>>[];
}

export interface BindingDecl {
  readonly name: string;
  /** Namespace of a RoleBinding; absent for ClusterRoleBindings. */
  readonly namespace?: string;
  readonly roleRef: { readonly kind: "ClusterRole" | "Role"; readonly name: string };
  readonly subjects: readonly Subject[];
}

export interface RoleDecl {
  readonly name: string;
  readonly namespace: string;
  readonly rules: readonly PolicyRule[];
}
