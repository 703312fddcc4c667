// flowcontrol/v1: declarations of the flowcontrol.apiserver.k8s.io v1 API Priority and Fairness types served by lite
// (field facts from upstream 1.32, k8s.io/api v0.32 flowcontrol/v1 generated.proto and types.go). lite stores and
// validates these objects but classifies no requests with them (it limits requests by max-inflight counts).
import { defineApiPackage, f, object } from "../dsl.ts";

const conditionFields = {
  type: f(1, "string", "Type of the condition."),
  status: f(2, "string", "Status of the condition: True, False or Unknown."),
  lastTransitionTime: f(3, "Time", "Last time the condition went from one status to another."),
  reason: f(4, "string", "Unique, one-word, CamelCase reason for the condition's last transition."),
  message: f(5, "string", "Human-readable message with details about the last transition."),
};
const conditions = { patch: "merge", mergeKey: "type", listType: "map", mapKeys: ["type"] } as const;
const lendablePercent = "Percentage (0-100) of the level's nominal concurrency limit that other priority levels may borrow. Defaults to 0.";

export const flowcontrolV1 = defineApiPackage({
  id: "flowcontrol/v1",
  group: "flowcontrol.apiserver.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.flowcontrol.v1",
  kinds: { FlowSchema: {}, PriorityLevelConfiguration: {} },
  types: {
    FlowSchema: object("A class of API requests (a flow is the requests of one FlowSchema and one flow distinguisher), and the priority level that serves them.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "FlowSchemaSpec", "Which requests the FlowSchema matches and where they go."),
      status: f(3, "FlowSchemaStatus", "Current state of the FlowSchema."),
    }),
    FlowSchemaSpec: object("Which requests a FlowSchema matches, and the priority level that serves them.", {
      priorityLevelConfiguration: f(1, "PriorityLevelConfigurationReference", "The PriorityLevelConfiguration serving the matched requests; a FlowSchema whose reference does not resolve is ignored and marked Dangling in its status. Required.", { required: true }),
      matchingPrecedence: f(2, "int32", "Among the FlowSchemas matching a request, the one with the numerically lowest matchingPrecedence is chosen; between 1 and 10000 (only `exempt` may use 1). Defaults to 1000."),
      distinguisherMethod: f(3, "*FlowDistinguisherMethod", "How the flow distinguisher of matched requests is computed; without one it is always the empty string."),
      rules: f(4, "[]PolicyRulesWithSubjects", "The FlowSchema matches a request if at least one rule matches it; with no rules it matches nothing.", { listType: "atomic" }),
    }),
    FlowDistinguisherMethod: object("How the flow distinguisher of a request is computed.", {
      type: f(1, "string", "ByUser (the user name) or ByNamespace (the namespace of the object acted upon; empty for cluster-scoped and non-resource requests). Required.", { required: true, enum: ["ByNamespace", "ByUser"] }),
    }),
    PriorityLevelConfigurationReference: object("A reference to a PriorityLevelConfiguration.", {
      name: f(1, "string", "Name of the PriorityLevelConfiguration. Required.", { required: true }),
    }),
    PolicyRulesWithSubjects: object("A test on an API request: it matches when at least one subject matches the requester and at least one resource or non-resource rule matches the request.", {
      subjects: f(1, "[]Subject", "Users, groups or service accounts the rule applies to; at least one. Including both system:authenticated and system:unauthenticated matches every request. Required.", { required: true, listType: "atomic" }),
      resourceRules: f(2, "[]ResourcePolicyRule", "Rules on the verb and target resource; resourceRules and nonResourceRules may not both be empty.", { listType: "atomic" }),
      nonResourceRules: f(3, "[]NonResourcePolicyRule", "Rules on the verb and target non-resource URL.", { listType: "atomic" }),
    }),
    Subject: object("Who made a request: a user, a group or a service account, as the request's authentication says.", {
      kind: f(1, "string", "Which of user, group or serviceAccount is set. Required.", { required: true, enum: ["Group", "ServiceAccount", "User"] }),
      user: f(2, "*UserSubject", "Matches by user name."),
      group: f(3, "*GroupSubject", "Matches by group name."),
      serviceAccount: f(4, "*ServiceAccountSubject", "Matches ServiceAccounts."),
    }),
    UserSubject: object("A user name to match.", {
      name: f(1, "string", "The user name, or \"*\" for every user. Required.", { required: true }),
    }),
    GroupSubject: object("A group name to match.", {
      name: f(1, "string", "The group name (e.g. system:authenticated), or \"*\" for every group. Required.", { required: true }),
    }),
    ServiceAccountSubject: object("ServiceAccounts to match.", {
      namespace: f(1, "string", "Namespace of the ServiceAccounts. Required.", { required: true }),
      name: f(2, "string", "Name of the ServiceAccount, or \"*\" for every one in the namespace. Required.", { required: true }),
    }),
    ResourcePolicyRule: object("Matches a resource request when its verb, API group and resource are listed, and either it names no namespace and clusterScope is true, or its namespace is listed.", {
      verbs: f(1, "[]string", "Verbs matched; \"*\" matches all and must then be the only item. Required.", { required: true, listType: "set" }),
      apiGroups: f(2, "[]string", "API groups matched; \"*\" matches all and must then be the only item. Required.", { required: true, listType: "set" }),
      resources: f(3, "[]string", "Resources matched (lowercase plural, optionally with a subresource, e.g. nodes/status); \"*\" matches all and must then be the only item. Required.", { required: true, listType: "set" }),
      clusterScope: f(4, "bool", "Whether requests that name no namespace (cluster-scoped resources, or all namespaces) match; when false, namespaces must not be empty."),
      namespaces: f(5, "[]string", "Namespaces matched; \"*\" matches every namespace but not requests without one. May be empty only when clusterScope is true.", { listType: "set" }),
    }),
    NonResourcePolicyRule: object("Matches a non-resource request when its verb and URL are listed.", {
      verbs: f(1, "[]string", "Verbs matched; \"*\" matches all and must then be the only item. Required.", { required: true, listType: "set" }),
      nonResourceURLs: f(6, "[]string", "URL paths matched, e.g. /healthz; a trailing /* matches everything below (\"/healthz/*\"); \"*\" matches every URL and must then be the only item. Required.", { required: true, listType: "set" }),
    }),
    FlowSchemaStatus: object("The current state of a FlowSchema.", {
      conditions: f(1, "[]FlowSchemaCondition", "Current conditions of the FlowSchema, e.g. Dangling.", conditions),
    }),
    FlowSchemaCondition: object("A condition of a FlowSchema.", conditionFields),
    PriorityLevelConfiguration: object("The configuration of a priority level.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "PriorityLevelConfigurationSpec", "How requests of the priority level are limited."),
      status: f(3, "PriorityLevelConfigurationStatus", "Current state of the priority level."),
    }),
    PriorityLevelConfigurationSpec: object("How requests of a priority level are limited.", {
      type: f(1, "string", "Exempt (requests are never limited or queued; only the `exempt` priority level) or Limited (requests share a part of the server's capacity reserved for this level). Required.", { required: true, enum: ["Exempt", "Limited"] }),
      limited: f(2, "*LimitedPriorityLevelConfiguration", "How requests of a Limited priority level are handled; set if and only if type is Limited."),
      exempt: f(3, "*ExemptPriorityLevelConfiguration", "How requests of an Exempt priority level are handled; must be empty when type is Limited."),
    }),
    LimitedPriorityLevelConfiguration: object("How requests subject to limits are limited, and what happens to those over the limit.", {
      nominalConcurrencyShares: f(1, "*int32", "Share of the server's concurrency limit nominally reserved for this level: the server's limit is divided among the levels in proportion to their shares. Zero makes a \"jail\" level. Defaults to 30."),
      limitResponse: f(2, "LimitResponse", "What to do with requests that cannot be executed right now."),
      lendablePercent: f(3, "*int32", lendablePercent),
      borrowingLimitPercent: f(4, "*int32", "Limit, as a percentage of the level's nominal concurrency limit (may exceed 100), on the seats it may borrow from other levels; unset means no limit."),
    }),
    ExemptPriorityLevelConfiguration: object("The configurable parts of the handling of exempt requests; in the mandatory `exempt` object these are the only fields an administrator may change.", {
      nominalConcurrencyShares: f(1, "*int32", "Share of the server's concurrency limit nominally reserved for this level; it does not limit exempt requests but affects what other levels may borrow. Defaults to 0."),
      lendablePercent: f(2, "*int32", lendablePercent),
    }),
    LimitResponse: object("What a Limited priority level does with requests that cannot be executed right now.", {
      type: f(1, "string", "Queue (hold them until they can run or a queuing limit is reached) or Reject. Required.", { required: true, enum: ["Queue", "Reject"] }),
      queuing: f(2, "*QueuingConfiguration", "Queuing parameters; only for type Queue."),
    }),
    QueuingConfiguration: object("The queuing parameters of a priority level.", {
      queues: f(1, "int32", "Number of queues of the level (per API server); 1 disables shuffle sharding. Defaults to 64."),
      handSize: f(2, "int32", "Number of queues a request's flow is shuffle-sharded to (the request joins the shortest); at most queues, and usually much smaller. Defaults to 8."),
      queueLengthLimit: f(3, "int32", "Most requests that may wait in one queue; more are rejected. Defaults to 50."),
    }),
    PriorityLevelConfigurationStatus: object("The current state of a priority level.", {
      conditions: f(1, "[]PriorityLevelConfigurationCondition", "Current conditions of the priority level.", conditions),
    }),
    PriorityLevelConfigurationCondition: object("A condition of a priority level.", conditionFields),
  },
});
