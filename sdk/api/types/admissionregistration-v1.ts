// admissionregistration/v1: declarations of the admissionregistration.k8s.io v1 webhook configuration types
// served by lite (field facts from upstream 1.32, k8s.io/api v0.32 generated.proto and types.go).
// ValidatingAdmissionPolicy and its binding are not served (they need CEL).
import { defineApiPackage, f, object } from "../dsl.ts";

const webhookName = "The name of the admission webhook. It should be fully qualified, e.g. imagepolicy.kubernetes.io, where \"imagepolicy\" is the name of the webhook and kubernetes.io the name of the organization. Required.";
const rules = "What operations on what resources and subresources the webhook cares about; it is called when a request matches any rule. Webhooks are never called for requests on ValidatingWebhookConfiguration and MutatingWebhookConfiguration objects.";
const failurePolicy = "How errors from the admission endpoint are handled: Ignore or Fail. Defaults to Fail.";
const matchPolicy = "How rules match requests: Exact matches only the listed group, version and resource; Equivalent also matches requests that modify a listed resource through another group or version (converted to the listed version). Defaults to Equivalent.";
const namespaceSelector = "Runs the webhook only for objects whose namespace matches this selector (for a Namespace object, its own labels; other cluster-scoped objects are never skipped). Defaults to the empty selector, which matches everything.";
const objectSelector = "Runs the webhook only if the object (or, for updates, the old or the new object) has matching labels. Use it only for opt-in webhooks, since users can skip the webhook by setting labels. Defaults to the empty selector, which matches everything.";
const sideEffects = "Whether calling the webhook has side effects: None or NoneOnDryRun (configurations written through v1beta1 may also say Some or Unknown). Requests with dryRun are rejected if they match a webhook whose side effects are Some or Unknown. Required.";
const timeoutSeconds = "Seconds after which the call is abandoned and the failure policy applies; between 1 and 30. Defaults to 10.";
const admissionReviewVersions = "AdmissionReview versions the webhook accepts, most preferred first; the API server uses the first one it supports. Must include v1 or v1beta1. Required.";
const matchConditions = "CEL conditions (at most 64) a request must meet, after rules and selectors, for the webhook to be called: any false skips the webhook, all true calls it, and an evaluation error follows the failure policy.";

export const admissionregistrationV1 = defineApiPackage({
  id: "admissionregistration/v1",
  group: "admissionregistration.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.admissionregistration.v1",
  kinds: { MutatingWebhookConfiguration: {}, ValidatingWebhookConfiguration: {} },
  types: {
    MutatingWebhookConfiguration: object("Configuration of admission webhooks that accept or reject and may change objects.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      webhooks: f(2, "[]MutatingWebhook", "The webhooks and the resources and operations they apply to.", { patch: "merge", mergeKey: "name", listType: "map", mapKeys: ["name"] }),
    }),
    ValidatingWebhookConfiguration: object("Configuration of admission webhooks that accept or reject objects without changing them.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      webhooks: f(2, "[]ValidatingWebhook", "The webhooks and the resources and operations they apply to.", { patch: "merge", mergeKey: "name", listType: "map", mapKeys: ["name"] }),
    }),
    MutatingWebhook: object("An admission webhook that may change objects, and the resources and operations it applies to.", {
      name: f(1, "string", webhookName, { required: true }),
      clientConfig: f(2, "WebhookClientConfig", "How to reach the webhook. Required.", { required: true }),
      rules: f(3, "[]RuleWithOperations", rules, { listType: "atomic" }),
      failurePolicy: f(4, "*string", failurePolicy, { enum: ["Fail", "Ignore"] }),
      matchPolicy: f(9, "*string", matchPolicy, { enum: ["Equivalent", "Exact"] }),
      namespaceSelector: f(5, "*meta/v1.LabelSelector", namespaceSelector),
      objectSelector: f(11, "*meta/v1.LabelSelector", objectSelector),
      sideEffects: f(6, "*string", sideEffects, { required: true, enum: ["None", "NoneOnDryRun", "Some", "Unknown"] }),
      timeoutSeconds: f(7, "*int32", timeoutSeconds),
      admissionReviewVersions: f(8, "[]string", admissionReviewVersions, { required: true, listType: "atomic" }),
      reinvocationPolicy: f(10, "*string", "Whether the webhook may be called again in one admission evaluation: Never, or IfNeeded (called at least once more if other admission plugins change the object after the first call; such webhooks must be idempotent). Defaults to Never.", { enum: ["IfNeeded", "Never"] }),
      matchConditions: f(12, "[]MatchCondition", matchConditions, { patch: "merge", mergeKey: "name", listType: "map", mapKeys: ["name"] }),
    }),
    ValidatingWebhook: object("An admission webhook that accepts or rejects objects, and the resources and operations it applies to.", {
      name: f(1, "string", webhookName, { required: true }),
      clientConfig: f(2, "WebhookClientConfig", "How to reach the webhook. Required.", { required: true }),
      rules: f(3, "[]RuleWithOperations", rules, { listType: "atomic" }),
      failurePolicy: f(4, "*string", failurePolicy, { enum: ["Fail", "Ignore"] }),
      matchPolicy: f(9, "*string", matchPolicy, { enum: ["Equivalent", "Exact"] }),
      namespaceSelector: f(5, "*meta/v1.LabelSelector", namespaceSelector),
      objectSelector: f(10, "*meta/v1.LabelSelector", objectSelector),
      sideEffects: f(6, "*string", sideEffects, { required: true, enum: ["None", "NoneOnDryRun", "Some", "Unknown"] }),
      timeoutSeconds: f(7, "*int32", timeoutSeconds),
      admissionReviewVersions: f(8, "[]string", admissionReviewVersions, { required: true, listType: "atomic" }),
      matchConditions: f(11, "[]MatchCondition", matchConditions, { patch: "merge", mergeKey: "name", listType: "map", mapKeys: ["name"] }),
    }),
    RuleWithOperations: object("Operations and resources a webhook applies to. All combinations of the listed values should be valid.", {
      operations: f(1, "[]string", "Operations the webhook cares about: CREATE, UPDATE, DELETE, CONNECT, or * for all of them and any added in the future. If * is present it must be the only item. Required.", { listType: "atomic" }),
      rule: f(2, "Rule", { inline: true }),
    }),
    Rule: object("API groups, versions and resources a rule matches. All combinations of the listed values should be valid.", {
      apiGroups: f(1, "[]string", "API groups of the resources; * is all groups and must then be the only item. Required.", { listType: "atomic" }),
      apiVersions: f(2, "[]string", "API versions of the resources; * is all versions and must then be the only item. Required.", { listType: "atomic" }),
      resources: f(3, "[]string", "Resources matched: 'pods' is pods, 'pods/log' the log subresource of pods, '*' all resources but no subresources, 'pods/*' all subresources of pods, '*/scale' every scale subresource, '*/*' all resources and subresources. Wildcards may not overlap other items. Required.", { listType: "atomic" }),
      scope: f(4, "*string", "Scope of the resources matched: Cluster (cluster-scoped resources only; Namespace objects are cluster-scoped), Namespaced (namespaced resources only) or * (no restriction). Subresources have their parent's scope. Defaults to *.", { enum: ["*", "Cluster", "Namespaced"] }),
    }),
    WebhookClientConfig: object("How to make a TLS connection to a webhook.", {
      url: f(3, "*string", "Location of the webhook as a URL, https://host[:port][/path]; exactly one of url or service must be given. The host may be an IP address; it should not be a service in the cluster (use service). User information, fragments and query parameters are not allowed."),
      service: f(1, "*ServiceReference", "The service in the cluster that serves the webhook; exactly one of url or service must be given."),
      caBundle: f(2, "bytes", "PEM encoded CA bundle to verify the webhook's serving certificate; if unset, the API server's system trust roots are used."),
    }),
    ServiceReference: object("A reference to a Service.", {
      namespace: f(1, "string", "Namespace of the service. Required.", { required: true }),
      name: f(2, "string", "Name of the service. Required.", { required: true }),
      path: f(3, "*string", "URL path sent in every request to this service."),
      port: f(4, "*int32", "Port of the service that serves the webhook (1-65535). Defaults to 443."),
    }),
    MatchCondition: object("A condition a request must meet to be sent to a webhook.", {
      name: f(1, "string", "Identifier of the condition, unique in the webhook: a qualified name (alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric, with an optional DNS subdomain prefix and '/'). Required.", { required: true }),
      expression: f(2, "string", "CEL expression that must evaluate to a bool. It may use 'object' (null for DELETE), 'oldObject' (null for CREATE), 'request' (the admission request's attributes), 'authorizer' and 'authorizer.requestResource'. Required.", { required: true }),
    }),
  },
});
