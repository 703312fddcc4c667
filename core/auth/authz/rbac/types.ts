/** RBAC v1 shapes as read from stored objects (rbac.authorization.k8s.io/v1), normalized to non-null arrays. */

export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

export interface Subject {
  readonly kind: "User" | "Group" | "ServiceAccount" | string;
  readonly name: string;
  readonly namespace?: string;
  readonly apiGroup?: string;
}

export interface RoleRef {
  readonly apiGroup: string;
  readonly kind: "Role" | "ClusterRole" | string;
  readonly name: string;
}

export const RBAC_GROUP = "rbac.authorization.k8s.io";
