/** APIService defaults, strategies and validation, against kube-aggregator 1.32's v1 defaults and validation messages. */
import { describe, expect, test } from "bun:test";
import { formatFieldError } from "../../errors/index.ts";
import type { KObject } from "../types.ts";
import { apiServiceStrategy as strategy, setAPIServiceCondition } from "./apiservice.ts";

const ctx = { now: new Date("2025-01-02T03:04:05.678Z"), namespace: "" };

// biome-ignore lint: test fixtures are open JSON.
type Json = Record<string, any>;

function apiService(name: string, spec: Json): KObject {
  return { apiVersion: "apiregistration.k8s.io/v1", kind: "APIService", metadata: { name }, spec };
}

const remote = (extra: Json = {}): Json => ({
  service: { namespace: "wardle", name: "sample-api" }, group: "wardle.example.com", version: "v1alpha1",
  caBundle: "Y2E=", groupPriorityMinimum: 2000, versionPriority: 200, ...extra,
});

/** Defaults, then validation on create, as the API server runs them; the errors as `field: body` lines. */
function errorsOf(name: string, spec: Json): string[] {
  const obj = apiService(name, structuredClone(spec));
  strategy.defaults?.(obj, ctx);
  return (strategy.validate?.(obj, ctx) ?? []).map(formatFieldError);
}

describe("defaults and prepare (pkg/apis/apiregistration/v1/defaults.go, pkg/registry/apiservice/strategy.go)", () => {
  test("the service port defaults to 443; a given port is kept", () => {
    const obj = apiService("v1alpha1.wardle.example.com", remote());
    strategy.defaults?.(obj, ctx);
    expect(obj.spec.service).toEqual({ namespace: "wardle", name: "sample-api", port: 443 });
    const given = apiService("v1alpha1.wardle.example.com", remote({ service: { namespace: "wardle", name: "sample-api", port: 8443 } }));
    strategy.defaults?.(given, ctx);
    expect(given.spec.service.port).toBe(8443);
  });

  test("create clears a given status; a local APIService starts Available (reason Local)", () => {
    const withService: KObject = { ...apiService("v1alpha1.wardle.example.com", remote()), status: { conditions: [{ type: "Available", status: "True" }] } };
    strategy.prepareForCreate?.(withService, ctx);
    expect(withService.status).toEqual({});
    const local: KObject = { ...apiService("v1.example.com", { group: "example.com", version: "v1", groupPriorityMinimum: 1000, versionPriority: 100 }), status: { conditions: [{ type: "Available", status: "False", reason: "Mine" }] } };
    strategy.prepareForCreate?.(local, ctx);
    expect(local.status).toEqual({
      conditions: [{ type: "Available", status: "True", lastTransitionTime: "2025-01-02T03:04:05Z", reason: "Local", message: "Local APIServices are always available" }],
    });
  });

  test("SetAPIServiceCondition moves lastTransitionTime only when the status changes", () => {
    const status: Json = { conditions: [{ type: "Available", status: "False", lastTransitionTime: "t0", reason: "MissingEndpoints", message: "m" }] };
    setAPIServiceCondition(status, { type: "Available", status: "False", lastTransitionTime: "t1", reason: "FailedDiscoveryCheck", message: "n" });
    expect(status.conditions).toEqual([{ type: "Available", status: "False", lastTransitionTime: "t0", reason: "FailedDiscoveryCheck", message: "n" }]);
    setAPIServiceCondition(status, { type: "Available", status: "True", lastTransitionTime: "t2", reason: "Passed", message: "all checks passed" });
    expect(status.conditions).toEqual([{ type: "Available", status: "True", lastTransitionTime: "t2", reason: "Passed", message: "all checks passed" }]);
  });
});

describe("validation (pkg/apis/apiregistration/validation/validation.go)", () => {
  test("valid remote and local APIServices, the legacy v1. included", () => {
    expect(errorsOf("v1alpha1.wardle.example.com", remote())).toEqual([]);
    expect(errorsOf("v1alpha1.wardle.example.com", remote({ caBundle: undefined, insecureSkipTLSVerify: true }))).toEqual([]);
    expect(errorsOf("v1.", { version: "v1", groupPriorityMinimum: 18000, versionPriority: 1 })).toEqual([]);
    expect(errorsOf("v1.apps", { group: "apps", version: "v1", groupPriorityMinimum: 17800, versionPriority: 15 })).toEqual([]);
  });

  test("the name must be <version>.<group>", () => {
    expect(errorsOf("wardle", remote())).toEqual(['metadata.name: Invalid value: "wardle": must be `spec.version+"."+spec.group`: "v1alpha1.wardle.example.com"']);
    expect(errorsOf("v1", { version: "v1", groupPriorityMinimum: 18000, versionPriority: 1 })).toEqual(['metadata.name: Invalid value: "v1": must be `spec.version+"."+spec.group`: "v1."']);
    // A name that is no path segment gets only the engine's name-rule error.
    expect(errorsOf("a/b", remote())).toEqual([]);
  });

  test("group and version: only v1 may have an empty group; a DNS subdomain and a DNS-1035 label", () => {
    expect(errorsOf("v2.", { version: "v2", groupPriorityMinimum: 18000, versionPriority: 1 })).toEqual([
      "spec.group: Required value: only v1 may have an empty group and it better be legacy kube",
    ]);
    expect(errorsOf("V1.Bad_Group", { group: "Bad_Group", version: "V1", groupPriorityMinimum: 100, versionPriority: 100 })).toEqual([
      "spec.group: Invalid value: \"Bad_Group\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "spec.version: Invalid value: \"V1\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });

  test("priorities: groupPriorityMinimum 1..20000, versionPriority 1..1000 (absent is 0)", () => {
    expect(errorsOf("v1alpha1.wardle.example.com", remote({ groupPriorityMinimum: 20001, versionPriority: 0 }))).toEqual([
      "spec.groupPriorityMinimum: Invalid value: 20001: must be positive and less than 20000",
      "spec.versionPriority: Invalid value: 0: must be positive and less than 1000",
    ]);
    expect(errorsOf("v1alpha1.wardle.example.com", remote({ groupPriorityMinimum: undefined, versionPriority: 1001 }))).toEqual([
      "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000",
      "spec.versionPriority: Invalid value: 1001: must be positive and less than 1000",
    ]);
  });

  test("local APIServices may have neither caBundle nor insecureSkipTLSVerify", () => {
    expect(errorsOf("v1.example.com", { group: "example.com", version: "v1", groupPriorityMinimum: 1000, versionPriority: 100, caBundle: "Y2FidW5kbGU=", insecureSkipTLSVerify: true })).toEqual([
      'spec.caBundle: Invalid value: "8 bytes": local APIServices may not have a caBundle',
      "spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify",
    ]);
  });

  test("a service needs namespace and name and a valid port; insecureSkipTLSVerify excludes caBundle", () => {
    expect(errorsOf("v1alpha1.wardle.example.com", remote({ service: { port: 0 }, insecureSkipTLSVerify: true }))).toEqual([
      "spec.service.namespace: Required value",
      "spec.service.name: Required value",
      "spec.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive",
      "spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present",
    ]);
    expect(errorsOf("v1alpha1.wardle.example.com", remote({ service: { namespace: "wardle", name: "sample-api", port: 65536 } }))).toEqual([
      "spec.service.port: Invalid value: 65536: port is not valid: must be between 1 and 65535, inclusive",
    ]);
  });

  test("updates are validated as creates (the name still has to match the spec)", () => {
    const old = apiService("v1alpha1.wardle.example.com", remote());
    const obj = apiService("v1alpha1.wardle.example.com", remote({ version: "v1beta1" }));
    strategy.defaults?.(obj, ctx);
    expect((strategy.validateUpdate?.(obj, old, ctx) ?? []).map(formatFieldError)).toEqual([
      'metadata.name: Invalid value: "v1alpha1.wardle.example.com": must be `spec.version+"."+spec.group`: "v1beta1.wardle.example.com"',
    ]);
  });

  test("status: every condition's status is True, False or Unknown", () => {
    const old = apiService("v1alpha1.wardle.example.com", remote());
    const obj = { ...old, status: { conditions: [{ type: "Available", status: "True" }, { type: "Ready", status: "Maybe" }, { type: "Other" }] } };
    expect((strategy.validateStatusUpdate?.(obj, old, ctx) ?? []).map(formatFieldError)).toEqual([
      'status.conditions[1].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
      'status.conditions[2].status: Unsupported value: "": supported values: "True", "False", "Unknown"',
    ]);
  });
});
