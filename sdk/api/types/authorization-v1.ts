// authorization/v1: declarations of the authorization.k8s.io v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object, wrappedList } from "../dsl.ts";

export const authorizationV1 = defineApiPackage({
  id: "authorization/v1",
  group: "authorization.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.authorization.v1",
  kinds: { SelfSubjectAccessReview: { list: false }, SelfSubjectRulesReview: { list: false }, SubjectAccessReview: { list: false }, LocalSubjectAccessReview: { list: false } },
  types: {
    SelfSubjectAccessReview: object("Asks whether the requesting user may perform an action.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "SelfSubjectAccessReviewSpec", { required: true }),
      status: f(3, "SubjectAccessReviewStatus"),
    }),
    SelfSubjectRulesReview: object("Lists what the requesting user may do in a namespace.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "SelfSubjectRulesReviewSpec", { required: true }),
      status: f(3, "SubjectRulesReviewStatus"),
    }),
    SubjectAccessReview: object("Asks whether a given user may perform an action.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "SubjectAccessReviewSpec", { required: true }),
      status: f(3, "SubjectAccessReviewStatus"),
    }),
    LocalSubjectAccessReview: object("SubjectAccessReview limited to one namespace.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "SubjectAccessReviewSpec", { required: true }),
      status: f(3, "SubjectAccessReviewStatus"),
    }),
    SelfSubjectAccessReviewSpec: object("The action to check: resource or non-resource attributes.", {
      resourceAttributes: f(1, "*ResourceAttributes"),
      nonResourceAttributes: f(2, "*NonResourceAttributes"),
    }),
    SubjectAccessReviewStatus: object("The decision.", {
      allowed: f(1, "bool", "Whether the action is allowed.", { required: true }),
      denied: f(4, "bool", "Whether the action is explicitly denied."),
      reason: f(2, "string", "Why the decision was made."),
      evaluationError: f(3, "string"),
    }),
    SelfSubjectRulesReviewSpec: object("Namespace to evaluate.", {
      namespace: f(1, "string"),
    }),
    SubjectRulesReviewStatus: object("Allowed rules, possibly incomplete.", {
      resourceRules: f(1, "[]ResourceRule", { required: true, listType: "atomic" }),
      nonResourceRules: f(2, "[]NonResourceRule", { required: true, listType: "atomic" }),
      incomplete: f(3, "bool", { required: true }),
      evaluationError: f(4, "string"),
    }),
    SubjectAccessReviewSpec: object("The user and the action to check.", {
      resourceAttributes: f(1, "*ResourceAttributes"),
      nonResourceAttributes: f(2, "*NonResourceAttributes"),
      user: f(3, "string"),
      groups: f(4, "[]string", { listType: "atomic" }),
      extra: f(5, "map<ExtraValue>"),
      uid: f(6, "string"),
    }),
    ResourceAttributes: object("A request on a resource: namespace, verb, group, resource, subresource and name.", {
      namespace: f(1, "string"),
      verb: f(2, "string"),
      group: f(3, "string"),
      version: f(4, "string"),
      resource: f(5, "string"),
      subresource: f(6, "string"),
      name: f(7, "string"),
      fieldSelector: f(8, "*FieldSelectorAttributes"),
      labelSelector: f(9, "*LabelSelectorAttributes"),
    }),
    NonResourceAttributes: object("A request on a non-resource URL path.", {
      path: f(1, "string"),
      verb: f(2, "string"),
    }),
    ResourceRule: object("Verbs allowed on resources.", {
      verbs: f(1, "[]string", { required: true, listType: "atomic" }),
      apiGroups: f(2, "[]string", { listType: "atomic" }),
      resources: f(3, "[]string", { listType: "atomic" }),
      resourceNames: f(4, "[]string", { listType: "atomic" }),
    }),
    NonResourceRule: object("Verbs allowed on URL paths.", {
      verbs: f(1, "[]string", { required: true, listType: "atomic" }),
      nonResourceURLs: f(2, "[]string", { listType: "atomic" }),
    }),
    ExtraValue: wrappedList("string"),
    FieldSelectorAttributes: object("Field selector limiting a list or watch being authorized.", {
      rawSelector: f(1, "string"),
      requirements: f(2, "[]meta/v1.FieldSelectorRequirement", { listType: "atomic" }),
    }),
    LabelSelectorAttributes: object("Label selector limiting a list or watch being authorized.", {
      rawSelector: f(1, "string"),
      requirements: f(2, "[]meta/v1.LabelSelectorRequirement", { listType: "atomic" }),
    }),
  },
});
