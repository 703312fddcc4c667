// admissionregistration/v1: declarations of the admissionregistration.k8s.io v1 webhook configuration types
// and ValidatingAdmissionPolicies served by lite (field facts from upstream 1.32, k8s.io/api v0.32
// generated.proto and types.go).
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
  kinds: { MutatingWebhookConfiguration: {}, ValidatingWebhookConfiguration: {}, ValidatingAdmissionPolicy: {}, ValidatingAdmissionPolicyBinding: {} },
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
    ValidatingAdmissionPolicy: object("CEL validations that admission applies to the requests its bindings select, without calling out of the API server.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "ValidatingAdmissionPolicySpec", "The desired behavior of the policy."),
      status: f(3, "ValidatingAdmissionPolicyStatus", "The status of the policy, to know whether it is working as expected."),
    }),
    ValidatingAdmissionPolicySpec: object("What a ValidatingAdmissionPolicy checks and on which requests.", {
      paramKind: f(1, "*ParamKind", "The kind of resources used to parameterize the policy; when absent there are no parameters and 'params' is null in expressions."),
      matchConstraints: f(2, "*MatchResources", "The resources the policy is about; a request must match these constraints to be validated. resourceRules is required."),
      validations: f(3, "[]Validation", "CEL expressions that must all evaluate to true for a request to be admitted. At least one of validations or auditAnnotations is required.", { listType: "atomic" }),
      failurePolicy: f(4, "*string", "How failures (a parameter that cannot be found, an expression error, a policy that cannot be used) are handled: Ignore or Fail. Defaults to Fail.", { enum: ["Fail", "Ignore"] }),
      auditAnnotations: f(5, "[]AuditAnnotation", "Audit annotations recorded for the request.", { listType: "atomic" }),
      matchConditions: f(6, "[]MatchCondition", "CEL conditions (at most 64) a request must meet, after matchConstraints, to be validated: any false skips the policy; an evaluation error follows the failure policy.", { patch: "merge", mergeKey: "name", listType: "map", mapKeys: ["name"] }),
      variables: f(7, "[]Variable", "Named CEL expressions available to later variables, validations, auditAnnotations and matchConditions' siblings as 'variables.<name>', evaluated lazily in their listed order.", { patch: "merge", mergeKey: "name", listType: "atomic" }),
    }),
    ValidatingAdmissionPolicyStatus: object("How the policy was checked.", {
      observedGeneration: f(1, "int64", "The generation the controller observed."),
      typeChecking: f(2, "*TypeChecking", "The results of type checking each expression; its presence means type checking is done."),
      conditions: f(3, "[]meta/v1.Condition", "The conditions of the policy.", { listType: "map", mapKeys: ["type"] }),
    }),
    TypeChecking: object("The results of type checking a policy's expressions.", {
      expressionWarnings: f(1, "[]ExpressionWarning", "The type checking warnings of each expression.", { listType: "atomic" }),
    }),
    ExpressionWarning: object("A warning about one expression.", {
      fieldRef: f(2, "string", "The path to the field that holds the expression, e.g. spec.validations[0].expression. Required.", { required: true }),
      warning: f(3, "string", "The content of the type checking information in human-readable form. Required.", { required: true }),
    }),
    ValidatingAdmissionPolicyBinding: object("Binds a ValidatingAdmissionPolicy to parameters and resources: only bound policies validate anything.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "ValidatingAdmissionPolicyBindingSpec", "The desired behavior of the binding."),
    }),
    ValidatingAdmissionPolicyBindingSpec: object("Which policy, with which parameters, on which resources, with which actions.", {
      policyName: f(1, "string", "The name of the ValidatingAdmissionPolicy this binds to; an unknown policy makes the binding invalid (failurePolicy Fail of a missing policy is not applied). Required."),
      paramRef: f(2, "*ParamRef", "The parameter resource(s) the policy is evaluated with; required when the policy has a paramKind."),
      matchResources: f(3, "*MatchResources", "Limits which resources the policy applies to through this binding: only requests matching both the policy's matchConstraints and this are validated. resourceRules is optional here."),
      validationActions: f(4, "[]string", "What to do when a validation evaluates to false: Deny (refuse the request), Warn (a warning to the client) and/or Audit (an audit annotation); Deny and Warn may not be used together. Required.", { listType: "set" }),
    }),
    ParamKind: object("The group/version/kind of the parameter resources.", {
      apiVersion: f(1, "string", "The API group/version of the parameter resources, e.g. apps/v1 or v1."),
      kind: f(2, "string", "The kind of the parameter resources, e.g. ConfigMap."),
    }),
    ParamRef: object("How to find the parameter resource(s) of a binding.", {
      name: f(1, "string", "The name of the parameter resource; exactly one of name or selector must be set."),
      namespace: f(2, "string", "The namespace of the parameter resources (for namespaced kinds); when absent, the namespace of the request."),
      selector: f(3, "*meta/v1.LabelSelector", "Selects parameter resources by label; the policy is evaluated once per matching resource."),
      parameterNotFoundAction: f(4, "*string", "What to do when no parameter resource is found: Allow (the request is admitted) or Deny (it is refused, per failurePolicy). Required.", { enum: ["Allow", "Deny"] }),
    }),
    MatchResources: object("Which requests a policy or binding applies to, by namespace and object labels and by resource rules.", {
      namespaceSelector: f(1, "*meta/v1.LabelSelector", namespaceSelector),
      objectSelector: f(2, "*meta/v1.LabelSelector", objectSelector),
      resourceRules: f(3, "[]NamedRuleWithOperations", "The operations and resources matched; a request matching any rule is selected.", { listType: "atomic" }),
      excludeResourceRules: f(4, "[]NamedRuleWithOperations", "The operations and resources never matched (exclusion wins over resourceRules).", { listType: "atomic" }),
      matchPolicy: f(7, "*string", matchPolicy, { enum: ["Equivalent", "Exact"] }),
    }),
    NamedRuleWithOperations: object("Operations and resources, optionally limited to objects of some names.", {
      resourceNames: f(1, "[]string", "Names of the objects the rule applies to; empty means all.", { listType: "atomic" }),
      ruleWithOperations: f(2, "RuleWithOperations", { inline: true }),
    }),
    Validation: object("One CEL expression a request must satisfy.", {
      expression: f(1, "string", "CEL expression that must evaluate to true for the request to be admitted. It may use 'object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables' and 'authorizer'. Required.", { required: true }),
      message: f(2, "string", "The message shown when the validation fails; when absent, 'failed expression: <expression>'. No line breaks."),
      reason: f(3, "*string", "The reason returned when the validation fails: Unauthorized (401), Forbidden (403), Invalid (422, the default) or RequestEntityTooLarge (413)."),
      messageExpression: f(4, "string", "CEL expression that evaluates to the message shown when the validation fails; on an error or an empty result, message is used."),
    }),
    Variable: object("A named CEL expression for the other expressions of a policy.", {
      name: f(1, "string", "The variable's name, a valid CEL identifier, unique in the policy; used as variables.<name>. Required.", { required: true }),
      expression: f(2, "string", "The CEL expression of the variable. Required.", { required: true }),
    }),
    AuditAnnotation: object("An audit annotation a policy records for a request.", {
      key: f(1, "string", "The annotation key (the policy name and '/' are prepended); unique in the policy. Required.", { required: true }),
      valueExpression: f(2, "string", "CEL expression whose string result is the annotation value; null means no annotation. Required.", { required: true }),
    }),
    MatchCondition: object("A condition a request must meet to be sent to a webhook.", {
      name: f(1, "string", "Identifier of the condition, unique in the webhook: a qualified name (alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric, with an optional DNS subdomain prefix and '/'). Required.", { required: true }),
      expression: f(2, "string", "CEL expression that must evaluate to a bool. It may use 'object' (null for DELETE), 'oldObject' (null for CREATE), 'request' (the admission request's attributes), 'authorizer' and 'authorizer.requestResource'. Required.", { required: true }),
    }),
  },
});
