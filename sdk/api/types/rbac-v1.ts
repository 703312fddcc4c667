// rbac/v1: declarations of the rbac.authorization.k8s.io v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const rbacV1 = defineApiPackage({
  id: "rbac/v1",
  group: "rbac.authorization.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.rbac.v1",
  kinds: { Role: {}, RoleBinding: {}, ClusterRole: {}, ClusterRoleBinding: {} },
  types: {
    Role: object("Namespaced set of permissions.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      rules: f(2, "[]PolicyRule", "Permissions the role grants.", { listType: "atomic" }),
    }),
    RoleBinding: object("Grants a role's permissions to subjects in a namespace.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      subjects: f(2, "[]Subject", "Users, groups or service accounts granted the role.", { listType: "atomic" }),
      roleRef: f(3, "RoleRef", "Role or ClusterRole granted; immutable.", { required: true }),
    }),
    ClusterRole: object("Cluster-wide set of permissions.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      rules: f(2, "[]PolicyRule", { listType: "atomic" }),
      aggregationRule: f(3, "*AggregationRule"),
    }),
    ClusterRoleBinding: object("Grants a cluster role to subjects across the cluster.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      subjects: f(2, "[]Subject", { listType: "atomic" }),
      roleRef: f(3, "RoleRef", { required: true }),
    }),
    PolicyRule: object("Verbs allowed on resources or URL paths.", {
      verbs: f(1, "[]string", { required: true, listType: "atomic" }),
      apiGroups: f(2, "[]string", { listType: "atomic" }),
      resources: f(3, "[]string", { listType: "atomic" }),
      resourceNames: f(4, "[]string", { listType: "atomic" }),
      nonResourceURLs: f(5, "[]string", { listType: "atomic" }),
    }),
    Subject: object("A user, group or service account.", {
      kind: f(1, "string", { required: true }),
      apiGroup: f(2, "string"),
      name: f(3, "string", { required: true }),
      namespace: f(4, "string"),
    }, { structType: "atomic" }),
    RoleRef: object("The role a binding grants.", {
      apiGroup: f(1, "string", { required: true }),
      kind: f(2, "string", { required: true }),
      name: f(3, "string", { required: true }),
    }, { structType: "atomic" }),
    AggregationRule: object("Selects cluster roles whose rules are aggregated into this one.", {
      clusterRoleSelectors: f(1, "[]meta/v1.LabelSelector", { listType: "atomic" }),
    }),
  },
});
