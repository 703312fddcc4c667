/**
 * authorization.k8s.io/v1 review kinds: create-only, never stored; the response is the request
 * plus `status` (upstream pkg/registry/authorization). SelfSubjectAccessReview,
 * SelfSubjectRulesReview and SubjectAccessReview are cluster-scoped; LocalSubjectAccessReview is
 * namespaced.
 */
import { defineResource, type CreateOnlyHandler, type ResourceDef } from "../../../apiserver/resources/index.ts";

export interface ReviewHandlers {
  readonly selfSubjectAccessReview: CreateOnlyHandler;
  readonly selfSubjectRulesReview: CreateOnlyHandler;
  readonly subjectAccessReview: CreateOnlyHandler;
  readonly localSubjectAccessReview: CreateOnlyHandler;
}

export function reviewResources(h: ReviewHandlers): ResourceDef[] {
  const gv = { group: "authorization.k8s.io", version: "v1" } as const;
  const common = { ...gv, verbs: ["create"] as const, topLevelFields: ["spec", "status"], strategicMergePatch: false };
  return [
    defineResource({ ...common, resource: "localsubjectaccessreviews", kind: "LocalSubjectAccessReview", namespaced: true, createOnly: h.localSubjectAccessReview }),
    defineResource({ ...common, resource: "selfsubjectaccessreviews", kind: "SelfSubjectAccessReview", namespaced: false, createOnly: h.selfSubjectAccessReview }),
    defineResource({ ...common, resource: "selfsubjectrulesreviews", kind: "SelfSubjectRulesReview", namespaced: false, createOnly: h.selfSubjectRulesReview }),
    defineResource({ ...common, resource: "subjectaccessreviews", kind: "SubjectAccessReview", namespaced: false, createOnly: h.subjectAccessReview }),
  ];
}
