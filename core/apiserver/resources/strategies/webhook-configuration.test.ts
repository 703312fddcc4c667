/** Webhook configuration defaults and validation, against upstream 1.32's v1 defaults and validation messages. */
import { describe, expect, test } from "bun:test";
import { formatFieldError } from "../../errors/index.ts";
import type { KObject, Strategy } from "../types.ts";
import { mutatingWebhookConfigurationStrategy as mutating, validatingWebhookConfigurationStrategy as validating } from "./webhook-configuration.ts";

const ctx = { now: new Date(0), namespace: "" };

// biome-ignore lint: test fixtures are open JSON.
type Json = Record<string, any>;

function hook(extra: Json = {}): Json {
  return {
    name: "pods.policy.example.com",
    clientConfig: { service: { namespace: "webhooks", name: "policy" } },
    rules: [{ operations: ["CREATE", "UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
    sideEffects: "None",
    admissionReviewVersions: ["v1", "v1beta1"],
    ...extra,
  };
}

function config(webhooks: Json[], kind = "ValidatingWebhookConfiguration"): KObject {
  return { apiVersion: "admissionregistration.k8s.io/v1", kind, metadata: { name: "policy" }, webhooks };
}

/** Defaults, then validation on create, as the API server runs them; the errors as `field: body` lines. */
function errorsOf(strategy: Strategy, webhooks: Json[]): string[] {
  const obj = config(structuredClone(webhooks));
  strategy.defaults?.(obj, ctx);
  return (strategy.validate?.(obj, ctx) ?? []).map(formatFieldError);
}

function updateErrorsOf(strategy: Strategy, webhooks: Json[], oldWebhooks: Json[]): string[] {
  const obj = config(structuredClone(webhooks));
  const old = config(structuredClone(oldWebhooks));
  strategy.defaults?.(obj, ctx);
  return (strategy.validateUpdate?.(obj, old, ctx) ?? []).map(formatFieldError);
}

describe("defaults (pkg/apis/admissionregistration/v1/defaults.go)", () => {
  test("a mutating webhook gets failurePolicy, matchPolicy, selectors, timeout, reinvocationPolicy, rule scope and service port", () => {
    const obj = config([hook()], "MutatingWebhookConfiguration");
    mutating.defaults?.(obj, ctx);
    expect(obj.webhooks[0]).toEqual({
      ...hook(),
      clientConfig: { service: { namespace: "webhooks", name: "policy", port: 443 } },
      rules: [{ operations: ["CREATE", "UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], scope: "*" }],
      failurePolicy: "Fail", matchPolicy: "Equivalent", namespaceSelector: {}, objectSelector: {}, timeoutSeconds: 10, reinvocationPolicy: "Never",
    });
  });

  test("a validating webhook has no reinvocationPolicy; sideEffects and admissionReviewVersions are never defaulted in v1", () => {
    const obj = config([{ name: "a.example.com", clientConfig: { url: "https://hook.example.com/validate" } }]);
    validating.defaults?.(obj, ctx);
    expect(obj.webhooks[0]).toEqual({
      name: "a.example.com", clientConfig: { url: "https://hook.example.com/validate" },
      failurePolicy: "Fail", matchPolicy: "Equivalent", namespaceSelector: {}, objectSelector: {}, timeoutSeconds: 10,
    });
  });

  test("given values are kept", () => {
    const given = hook({
      failurePolicy: "Ignore", matchPolicy: "Exact", timeoutSeconds: 5, reinvocationPolicy: "IfNeeded",
      namespaceSelector: { matchLabels: { team: "a" } }, objectSelector: { matchExpressions: [{ key: "skip", operator: "DoesNotExist" }] },
      clientConfig: { service: { namespace: "webhooks", name: "policy", port: 8443, path: "/mutate" } },
      rules: [{ operations: ["*"], apiGroups: ["*"], apiVersions: ["*"], resources: ["*"], scope: "Namespaced" }],
    });
    const obj = config([structuredClone(given)], "MutatingWebhookConfiguration");
    mutating.defaults?.(obj, ctx);
    expect(obj.webhooks[0]).toEqual(given);
  });
});

describe("validation (pkg/apis/admissionregistration/validation/validation.go)", () => {
  test("a complete configuration is valid, for both kinds", () => {
    expect(errorsOf(validating, [hook(), hook({ name: "other.policy.example.com", clientConfig: { url: "https://10.0.0.1:8443/validate" } })])).toEqual([]);
    expect(errorsOf(mutating, [hook({ reinvocationPolicy: "IfNeeded" })])).toEqual([]);
    expect(errorsOf(validating, [])).toEqual([]);
  });

  test("webhook names are fully qualified and unique", () => {
    expect(errorsOf(validating, [hook({ name: "" })])).toEqual(["webhooks[0].name: Required value"]);
    expect(errorsOf(validating, [hook({ name: "policy.example" })])).toEqual([
      'webhooks[0].name: Invalid value: "policy.example": should be a domain with at least three segments separated by dots',
    ]);
    expect(errorsOf(validating, [hook({ name: "Pods.Example.com" })])).toEqual([
      "webhooks[0].name: Invalid value: \"Pods.Example.com\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    expect(errorsOf(validating, [hook(), hook()])).toEqual(['webhooks[1].name: Duplicate value: "pods.policy.example.com"']);
  });

  test("sideEffects is required and None or NoneOnDryRun", () => {
    expect(errorsOf(validating, [hook({ sideEffects: undefined })])).toEqual(["webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun"]);
    expect(errorsOf(validating, [hook({ sideEffects: "Some" })])).toEqual(['webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"']);
    expect(errorsOf(mutating, [hook({ sideEffects: "NoneOnDryRun" })])).toEqual([]);
  });

  test("admissionReviewVersions: at least one, v1 or v1beta1 among them, no duplicates, DNS-1035 labels", () => {
    expect(errorsOf(validating, [hook({ admissionReviewVersions: undefined })])).toEqual(["webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1"]);
    expect(errorsOf(validating, [hook({ admissionReviewVersions: ["v2"] })])).toEqual(['webhooks[0].admissionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1']);
    expect(errorsOf(validating, [hook({ admissionReviewVersions: ["v1", "v1"] })])).toEqual(['webhooks[0].admissionReviewVersions[1]: Invalid value: "v1": duplicate version']);
    expect(errorsOf(validating, [hook({ admissionReviewVersions: ["v1", "V2"] })])).toEqual([
      "webhooks[0].admissionReviewVersions[1]: Invalid value: \"V2\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });

  test("timeoutSeconds is 1..30; failurePolicy, matchPolicy and reinvocationPolicy are enums", () => {
    expect(errorsOf(validating, [hook({ timeoutSeconds: 31 })])).toEqual(["webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds"]);
    expect(errorsOf(validating, [hook({ timeoutSeconds: 0 })])).toEqual(["webhooks[0].timeoutSeconds: Invalid value: 0: the timeout value must be between 1 and 30 seconds"]);
    expect(errorsOf(mutating, [hook({ failurePolicy: "Retry", matchPolicy: "Fuzzy", reinvocationPolicy: "Always" })])).toEqual([
      'webhooks[0].failurePolicy: Unsupported value: "Retry": supported values: "Fail", "Ignore"',
      'webhooks[0].matchPolicy: Unsupported value: "Fuzzy": supported values: "Equivalent", "Exact"',
      'webhooks[0].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never"',
    ]);
  });

  test("clientConfig: exactly one of url and service", () => {
    const both = { url: "https://a.example.com", service: { namespace: "n", name: "s" } };
    expect(errorsOf(validating, [hook({ clientConfig: both })])).toEqual(["webhooks[0].clientConfig: Required value: exactly one of url or service is required"]);
    expect(errorsOf(validating, [hook({ clientConfig: {} })])).toEqual(["webhooks[0].clientConfig: Required value: exactly one of url or service is required"]);
  });

  test("clientConfig.url: https, a host, and no user info, fragment or query", () => {
    const url = (u: string) => errorsOf(validating, [hook({ clientConfig: { url: u } })]);
    expect(url("https://hook.example.com:8443/path")).toEqual([]);
    expect(url("http://hook.example.com")).toEqual(["webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]"]);
    expect(url("https:///path")).toEqual(['webhooks[0].clientConfig.url: Invalid value: "": host must be provided; desired format: https://host[/path]']);
    expect(url("https://user:pw@hook.example.com")).toEqual(['webhooks[0].clientConfig.url: Invalid value: "user:pw": user information is not permitted in the URL']);
    expect(url("https://hook.example.com/x?a=b#top")).toEqual([
      'webhooks[0].clientConfig.url: Invalid value: "top": fragments are not permitted in the URL',
      'webhooks[0].clientConfig.url: Invalid value: "a=b": query parameters are not permitted in the URL',
    ]);
    expect(url("https://hook.example.com:port")).toEqual([
      'webhooks[0].clientConfig.url: Required value: url must be a valid URL: parse "https://hook.example.com:port": invalid port ":port" after host; desired format: https://host[/path]',
    ]);
    expect(url("://x")).toEqual(['webhooks[0].clientConfig.url: Required value: url must be a valid URL: parse "://x": missing protocol scheme; desired format: https://host[/path]']);
  });

  test("clientConfig.service: name, namespace (reported at each other's path, as 1.32 does), port and path", () => {
    const svc = (s: Json) => errorsOf(validating, [hook({ clientConfig: { service: s } })]);
    expect(svc({ namespace: "n", name: "s", path: "/validate/pods", port: 8443 })).toEqual([]);
    expect(svc({ namespace: "n" })).toEqual(["webhooks[0].clientConfig.service.namespace: Required value: service namespace is required"]);
    expect(svc({ name: "s" })).toEqual(["webhooks[0].clientConfig.service.name: Required value: service name is required"]);
    expect(svc({ namespace: "n", name: "s", port: 0 })).toEqual(["webhooks[0].clientConfig.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive"]);
    expect(svc({ namespace: "n", name: "s", path: "validate" })).toEqual(['webhooks[0].clientConfig.service.path: Invalid value: "validate": must start with a \'/\'']);
    expect(svc({ namespace: "n", name: "s", path: "/a//b" })).toEqual(['webhooks[0].clientConfig.service.path: Invalid value: "/a//b": segment[1] may not be empty']);
    expect(svc({ namespace: "n", name: "s", path: "/Validate" })[0]).toStartWith('webhooks[0].clientConfig.service.path: Invalid value: "/Validate": segment[0]: a lowercase RFC 1123 subdomain');
  });

  test("rules: operations", () => {
    const rule = (r: Json) => errorsOf(validating, [hook({ rules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], ...r }] })]);
    expect(rule({ operations: [] })).toEqual(["webhooks[0].rules[0].operations: Required value"]);
    expect(rule({ operations: ["*", "CREATE"] })).toEqual([
      'webhooks[0].rules[0].operations: Invalid value: []admissionregistration.OperationType{"*", "CREATE"}: if \'*\' is present, must not specify other operations',
    ]);
    expect(rule({ operations: ["PATCH"] })).toEqual(['webhooks[0].rules[0].operations[0]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"']);
  });

  test("rules: groups, versions, scope", () => {
    const rule = (r: Json) => errorsOf(validating, [hook({ rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], ...r }] })]);
    expect(rule({ apiGroups: [] })).toEqual(["webhooks[0].rules[0].apiGroups: Required value"]);
    expect(rule({ apiGroups: ["*", "apps"] })).toEqual(['webhooks[0].rules[0].apiGroups: Invalid value: []string{"*", "apps"}: if \'*\' is present, must not specify other API groups']);
    expect(rule({ apiVersions: ["v1", ""] })).toEqual(["webhooks[0].rules[0].apiVersions[1]: Required value"]);
    expect(rule({ apiVersions: ["*", "v1"] })).toEqual(['webhooks[0].rules[0].apiVersions: Invalid value: []string{"*", "v1"}: if \'*\' is present, must not specify other API versions']);
    expect(rule({ scope: "Global" })).toEqual(['webhooks[0].rules[0].scope: Unsupported value: "Global": supported values: "*", "Cluster", "Namespaced"']);
  });

  test("rules: resource and subresource wildcards may not overlap", () => {
    const res = (resources: string[]) => errorsOf(validating, [hook({ rules: [{ operations: ["CREATE"], apiGroups: ["*"], apiVersions: ["*"], resources }] })]);
    for (const ok of [["*"], ["*/*"], ["pods", "pods/status"], ["*", "pods/status"], ["pods/*", "deployments/scale"], ["*/scale"]]) expect(res(ok)).toEqual([]);
    expect(res([])).toEqual(["webhooks[0].rules[0].resources: Required value"]);
    expect(res(["pods", ""])).toEqual(["webhooks[0].rules[0].resources[1]: Required value"]);
    expect(res(["*/*", "pods"])).toEqual(['webhooks[0].rules[0].resources: Invalid value: []string{"*/*", "pods"}: if \'*/*\' is present, must not specify other resources']);
    expect(res(["*", "pods"])).toEqual(['webhooks[0].rules[0].resources: Invalid value: []string{"*", "pods"}: if \'*\' is present, must not specify other resources without subresources']);
    expect(res(["pods/*", "pods/log"])).toEqual(["webhooks[0].rules[0].resources[1]: Invalid value: \"pods/log\": if 'pods/*' is present, must not specify pods/log"]);
    expect(res(["*/scale", "deployments/scale"])).toEqual(["webhooks[0].rules[0].resources[1]: Invalid value: \"deployments/scale\": if '*/scale' is present, must not specify deployments/scale"]);
  });

  test("namespace and object selectors are valid label selectors", () => {
    expect(errorsOf(validating, [hook({
      namespaceSelector: { matchLabels: { "bad key!": "x" }, matchExpressions: [{ key: "env", operator: "In" }, { key: "tier", operator: "Exists", values: ["a"] }] },
      objectSelector: { matchExpressions: [{ key: "app", operator: "Near", values: ["bad value!"] }] },
    })])).toEqual([
      "webhooks[0].namespaceSelector.matchLabels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      "webhooks[0].namespaceSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "webhooks[0].namespaceSelector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'webhooks[0].objectSelector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
      "webhooks[0].objectSelector.matchExpressions[0].values[0]: Invalid value: \"bad value!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]);
  });

  test("matchConditions: named, unique, with an expression, at most 64", () => {
    const mc = (matchConditions: Json[]) => errorsOf(mutating, [hook({ matchConditions })]);
    expect(mc([{ name: "not-leases", expression: "request.resource.resource != 'leases'" }])).toEqual([]);
    expect(mc([{ name: "", expression: " " }])).toEqual(["webhooks[0].matchConditions[0].expression: Required value", "webhooks[0].matchConditions[0].name: Required value"]);
    expect(mc([{ name: "a", expression: "true" }, { name: "a", expression: "false" }])).toEqual(['webhooks[0].matchConditions[1].name: Duplicate value: "a"']);
    expect(mc([{ name: "-a", expression: "true" }])[0]).toStartWith('webhooks[0].matchConditions[0].name: Invalid value: "-a": name part must consist of');
    const many = Array.from({ length: 65 }, (_, i) => ({ name: `c${i}`, expression: "true" }));
    expect(mc(many)).toEqual(["webhooks[0].matchConditions: Too many: 65: must have at most 64 items"]);
    // Text that is not CEL fails compilation; CEL this server does not evaluate itself is accepted.
    expect(mc([{ name: "invalid-expression-1", expression: "... [] bad expression" }])).toEqual([
      'webhooks[0].matchConditions[0].expression: Invalid value: "... [] bad expression": compilation failed: ERROR: <input>:1:2: Syntax error: unexpected \'.\' after \'.\'\n | ... [] bad expression\n | .^',
    ]);
    expect(mc([{ name: "authz", expression: "authorizer.group('').resource('pods').check('get').allowed()" }])).toEqual([]);
  });

  test("errors are listed per webhook in upstream's order", () => {
    expect(errorsOf(validating, [hook({ name: "x", sideEffects: "Unknown", clientConfig: { url: "http://h" }, admissionReviewVersions: [] }), hook({ name: "x" })])).toEqual([
      'webhooks[0].name: Invalid value: "x": should be a domain with at least three segments separated by dots',
      'webhooks[0].sideEffects: Unsupported value: "Unknown": supported values: "None", "NoneOnDryRun"',
      "webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]",
      "webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1",
      'webhooks[1].name: Invalid value: "x": should be a domain with at least three segments separated by dots',
      'webhooks[1].name: Duplicate value: "x"',
    ]);
  });
});

describe("update validation keeps what the stored object already had", () => {
  test("side effects Some and Unknown stay allowed when a stored webhook already had them", () => {
    const legacy = [hook({ sideEffects: "Unknown" })];
    expect(updateErrorsOf(validating, [hook({ sideEffects: "Some" })], legacy)).toEqual([]);
    expect(updateErrorsOf(validating, [hook({ sideEffects: "Some" })], [hook()])).toEqual(['webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"']);
    expect(updateErrorsOf(validating, [hook({ sideEffects: undefined })], legacy)).toEqual(["webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun, Some, Unknown"]);
  });

  test("unrecognized review versions, duplicate names and invalid selector values stay allowed when stored", () => {
    expect(updateErrorsOf(validating, [hook({ admissionReviewVersions: ["v2"] })], [hook({ admissionReviewVersions: ["v2"] })])).toEqual([]);
    expect(updateErrorsOf(validating, [hook(), hook()], [hook(), hook()])).toEqual([]);
    const badValue = { matchExpressions: [{ key: "k", operator: "In", values: ["bad value!"] }] };
    expect(updateErrorsOf(validating, [hook({ objectSelector: badValue })], [hook({ objectSelector: badValue })])).toEqual([]);
    expect(updateErrorsOf(validating, [hook({ objectSelector: badValue })], [hook()])).toHaveLength(1);
  });

  test("unchanged match conditions are not revalidated; changed ones are", () => {
    const stored = [hook({ matchConditions: [{ name: "a", expression: "" }] })];
    expect(updateErrorsOf(mutating, [hook({ matchConditions: [{ name: "a", expression: "" }], timeoutSeconds: 5 })], stored)).toEqual([]);
    expect(updateErrorsOf(mutating, [hook({ matchConditions: [{ name: "b", expression: "" }] })], stored)).toEqual(["webhooks[0].matchConditions[0].expression: Required value"]);
  });
});
