/** FlowSchema and PriorityLevelConfiguration defaults and validation, against upstream 1.32's v1 defaults and validation messages. */
import { describe, expect, test } from "bun:test";
import { formatFieldError } from "../../errors/index.ts";
import type { KObject, Strategy } from "../types.ts";
import {
  flowSchemaStrategy as fsStrategy, nonResourceURLPathError, priorityLevelConfigurationStrategy as plStrategy, requiredEntropyBits, withDanglingCondition,
} from "./flow-control.ts";
import {
  mandatoryFlowSchemas, mandatoryPriorityLevelConfigurations, suggestedFlowSchemas, suggestedPriorityLevelConfigurations,
} from "./flow-control-configuration.ts";

const ctx = { now: new Date(0), namespace: "" };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const startsWith = (s: string) => expect.stringMatching(new RegExp(`^${escape(s)}`));
const endsWith = (s: string) => expect.stringMatching(new RegExp(`${escape(s)}$`));

// biome-ignore lint: test fixtures are open JSON.
type Json = Record<string, any>;

function flowSchema(name: string, spec: Json): KObject {
  return { apiVersion: "flowcontrol.apiserver.k8s.io/v1", kind: "FlowSchema", metadata: { name }, spec };
}

function priorityLevel(name: string, spec: Json, annotations?: Record<string, string>): KObject {
  return { apiVersion: "flowcontrol.apiserver.k8s.io/v1", kind: "PriorityLevelConfiguration", metadata: { name, ...(annotations ? { annotations } : {}) }, spec };
}

/** Defaults, then validation on create, as the API server runs them; the errors as `field: body` lines. */
function errorsOf(strategy: Strategy, obj: KObject): string[] {
  const o = structuredClone(obj);
  strategy.defaults?.(o, ctx);
  return (strategy.validate?.(o, ctx) ?? []).map(formatFieldError);
}

const userRule = (extra: Json = {}): Json => ({
  subjects: [{ kind: "User", user: { name: "noxu" } }],
  resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"] }],
  ...extra,
});

const fsSpec = (extra: Json = {}): Json => ({ priorityLevelConfiguration: { name: "system-bar" }, matchingPrecedence: 50, rules: [userRule()], ...extra });

const limited = (extra: Json = {}, response: Json = { type: "Reject" }): Json => ({ type: "Limited", limited: { nominalConcurrencyShares: 100, limitResponse: response, ...extra } });

describe("defaults (pkg/apis/flowcontrol/v1/defaults.go)", () => {
  test("a FlowSchema gets matchingPrecedence 1000; a given one is kept", () => {
    const obj = flowSchema("fs", { priorityLevelConfiguration: { name: "global-default" } });
    fsStrategy.defaults?.(obj, ctx);
    expect(obj.spec).toEqual({ priorityLevelConfiguration: { name: "global-default" }, matchingPrecedence: 1000 });
    const kept = flowSchema("fs", { priorityLevelConfiguration: { name: "x" }, matchingPrecedence: 7 });
    fsStrategy.defaults?.(kept, ctx);
    expect(kept.spec.matchingPrecedence).toBe(7);
  });

  test("a Limited level gets nominalConcurrencyShares 30, lendablePercent 0 and queuing 64/8/50; a zero share is kept", () => {
    const obj = priorityLevel("pl", { type: "Limited", limited: { limitResponse: { type: "Queue", queuing: {} } } });
    plStrategy.defaults?.(obj, ctx);
    expect(obj.spec.limited).toEqual({ nominalConcurrencyShares: 30, lendablePercent: 0, limitResponse: { type: "Queue", queuing: { handSize: 8, queues: 64, queueLengthLimit: 50 } } });
    const zero = priorityLevel("pl", { type: "Limited", limited: { nominalConcurrencyShares: 0, limitResponse: { type: "Reject" } } });
    plStrategy.defaults?.(zero, ctx);
    expect(zero.spec.limited).toEqual({ nominalConcurrencyShares: 0, lendablePercent: 0, limitResponse: { type: "Reject" } });
  });

  test("an exempt section gets zero shares and lendablePercent; an Exempt level without one gets none", () => {
    const obj = priorityLevel("exempt", { type: "Exempt", exempt: {} });
    plStrategy.defaults?.(obj, ctx);
    expect(obj.spec).toEqual({ type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } });
    const bare = priorityLevel("exempt", { type: "Exempt" });
    plStrategy.defaults?.(bare, ctx);
    expect(bare.spec).toEqual({ type: "Exempt" });
  });

  test("the bootstrap objects are already defaulted and valid", () => {
    for (const o of [...mandatoryFlowSchemas(), ...suggestedFlowSchemas()]) {
      const d = structuredClone(o);
      fsStrategy.defaults?.(d, ctx);
      expect(d).toEqual(o);
      expect(errorsOf(fsStrategy, o)).toEqual([]);
    }
    for (const o of [...mandatoryPriorityLevelConfigurations(), ...suggestedPriorityLevelConfigurations()]) {
      const d = structuredClone(o);
      plStrategy.defaults?.(d, ctx);
      expect(d).toEqual(o);
      expect(errorsOf(plStrategy, o)).toEqual([]);
    }
  });
});

describe("FlowSchema validation (pkg/apis/flowcontrol/validation/validation.go)", () => {
  test("valid schemas: resource rules, non-resource rules, both, wildcards", () => {
    expect(errorsOf(fsStrategy, flowSchema("system-foo", fsSpec()))).toEqual([]);
    expect(errorsOf(fsStrategy, flowSchema("system-foo", fsSpec({
      rules: [userRule({ nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["/apis/*"] }] })],
    })))).toEqual([]);
    expect(errorsOf(fsStrategy, flowSchema("system-foo", fsSpec({
      distinguisherMethod: { type: "ByNamespace" },
      rules: [{ subjects: [{ kind: "ServiceAccount", serviceAccount: { namespace: "kube-system", name: "*" } }], nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/healthz", "/"] }] }],
    })))).toEqual([]);
  });

  test("matchingPrecedence: positive, at most 10000, 1 only for exempt", () => {
    expect(errorsOf(fsStrategy, flowSchema("system-foo", fsSpec({ matchingPrecedence: 10001 })))).toEqual(["spec.matchingPrecedence: Invalid value: 10001: must not be greater than 10000"]);
    expect(errorsOf(fsStrategy, flowSchema("system-foo", fsSpec({ matchingPrecedence: -1 })))).toEqual(["spec.matchingPrecedence: Invalid value: -1: must be a positive value"]);
    expect(errorsOf(fsStrategy, flowSchema("fred", fsSpec({ matchingPrecedence: 1 })))).toEqual(["spec.matchingPrecedence: Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1"]);
  });

  test("a rule needs subjects and resource or non-resource rules", () => {
    expect(errorsOf(fsStrategy, flowSchema("system-foo", fsSpec({ rules: [{ subjects: [{ kind: "User", user: { name: "noxu" } }] }] })))).toEqual([
      "spec.rules[0]: Required value: at least one of resourceRules and nonResourceRules has to be non-empty",
    ]);
    expect(errorsOf(fsStrategy, flowSchema("system-foo", fsSpec({ rules: [userRule({ subjects: [] })] })))).toEqual([
      "spec.rules[0].subjects: Required value: subjects must contain at least one value",
    ]);
  });

  test("subject unions: the member of the kind is required, the others forbidden, unknown kinds not supported", () => {
    const subject = (s: Json) => errorsOf(fsStrategy, flowSchema("system-foo", fsSpec({ rules: [{ subjects: [s], nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }] }] })));
    expect(subject({ kind: "ServiceAccount", user: { name: "fred" }, group: { name: "fred" } })).toEqual([
      "spec.rules[0].subjects[0].serviceAccount: Required value: serviceAccount is required when subject kind is 'ServiceAccount'",
      "spec.rules[0].subjects[0].user: Forbidden: user is forbidden when subject kind is not 'User'",
      "spec.rules[0].subjects[0].group: Forbidden: group is forbidden when subject kind is not 'Group'",
    ]);
    expect(subject({ kind: "User", group: { name: "fred" }, serviceAccount: { namespace: "s", name: "n" } })).toEqual([
      "spec.rules[0].subjects[0].user: Required value: user is required when subject kind is 'User'",
      "spec.rules[0].subjects[0].serviceAccount: Forbidden: serviceAccount is forbidden when subject kind is not 'ServiceAccount'",
      "spec.rules[0].subjects[0].group: Forbidden: group is forbidden when subject kind is not 'Group'",
    ]);
    expect(subject({ kind: "Group", user: { name: "fred" }, serviceAccount: { namespace: "s", name: "n" } })).toEqual([
      "spec.rules[0].subjects[0].group: Required value: group is required when subject kind is 'Group'",
      "spec.rules[0].subjects[0].serviceAccount: Forbidden: serviceAccount is forbidden when subject kind is not 'ServiceAccount'",
      "spec.rules[0].subjects[0].user: Forbidden: user is forbidden when subject kind is not 'User'",
    ]);
    expect(subject({ kind: "Robot" })).toEqual(['spec.rules[0].subjects[0].kind: Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User"']);
    expect(subject({ kind: "User", user: {} })).toEqual(["spec.rules[0].subjects[0].user.name: Required value"]);
    expect(subject({ kind: "ServiceAccount", serviceAccount: { name: "Bad_Name" } })).toEqual([
      startsWith('spec.rules[0].subjects[0].serviceAccount.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain'),
      "spec.rules[0].subjects[0].serviceAccount.namespace: Required value: must specify namespace for service account",
    ]);
  });

  test("resource rules: wildcards alone, supported verbs, namespaces or clusterScope", () => {
    const rule = (r: Json) => errorsOf(fsStrategy, flowSchema("system-foo", fsSpec({ rules: [userRule({ resourceRules: [r] })] })));
    expect(rule({ verbs: ["*", "create"], apiGroups: ["*", "tak"], resources: ["*", "tok"], namespaces: ["*"] })).toEqual([
      'spec.rules[0].resourceRules[0].verbs: Invalid value: []string{"*", "create"}: if \'*\' is present, must not specify other verbs',
      'spec.rules[0].resourceRules[0].apiGroups: Invalid value: []string{"*", "tak"}: if \'*\' is present, must not specify other api groups',
      'spec.rules[0].resourceRules[0].resources: Invalid value: []string{"*", "tok"}: if \'*\' is present, must not specify other resources',
    ]);
    expect(rule({ verbs: ["get", "escalate"], apiGroups: [""], resources: ["pods"], namespaces: ["default", "*"] })).toEqual([
      'spec.rules[0].resourceRules[0].verbs: Unsupported value: []string{"get", "escalate"}: supported values: "create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"',
      'spec.rules[0].resourceRules[0].namespaces: Invalid value: []string{"default", "*"}: if \'*\' is present, must not specify other namespaces',
    ]);
    expect(rule({ verbs: [], apiGroups: [], resources: [] })).toEqual([
      "spec.rules[0].resourceRules[0].verbs: Required value: verbs must contain at least one value",
      "spec.rules[0].resourceRules[0].apiGroups: Required value: resource rules must supply at least one api group",
      "spec.rules[0].resourceRules[0].resources: Required value: resource rules must supply at least one resource",
      "spec.rules[0].resourceRules[0].namespaces: Required value: resource rules that are not cluster scoped must supply at least one namespace",
    ]);
    expect(rule({ verbs: ["get"], apiGroups: [""], resources: ["nodes"], clusterScope: true })).toEqual([]);
    expect(rule({ verbs: ["get"], apiGroups: [""], resources: ["pods"], namespaces: ["Not_A_Label"] })).toEqual([
      startsWith("spec.rules[0].resourceRules[0].namespaces[0]: Invalid value: \"Not_A_Label\": each member of this list must be '*' or a DNS-1123 label; a lowercase RFC 1123 label"),
    ]);
  });

  test("non-resource rules: URLs start with a slash and end in /* if they have a wildcard", () => {
    const rule = (r: Json) => errorsOf(fsStrategy, flowSchema("system-foo", fsSpec({ rules: [userRule({ resourceRules: undefined, nonResourceRules: [r] })] })));
    expect(rule({ verbs: ["*"], nonResourceURLs: ["*", "/healthz"] })).toEqual([
      'spec.rules[0].nonResourceRules[0].nonResourceURLs: Invalid value: []string{"*", "/healthz"}: if \'*\' is present, must not specify other non-resource URLs',
    ]);
    expect(rule({ verbs: ["get"], nonResourceURLs: ["healthz", "/hea*", "/a b", "//x"] })).toEqual([
      'spec.rules[0].nonResourceRules[0].nonResourceURLs[0]: Invalid value: "healthz": must start with slash',
      'spec.rules[0].nonResourceRules[0].nonResourceURLs[1]: Invalid value: "/hea*": wildcard can only do suffix matching',
      'spec.rules[0].nonResourceRules[0].nonResourceURLs[2]: Invalid value: "/a b": must not contain white-space',
      'spec.rules[0].nonResourceRules[0].nonResourceURLs[3]: Invalid value: "//x": must not contain double slash',
    ]);
    expect(rule({ verbs: [], nonResourceURLs: [] })).toEqual([
      "spec.rules[0].nonResourceRules[0].verbs: Required value: verbs must contain at least one value",
      "spec.rules[0].nonResourceRules[0].nonResourceURLs: Required value: nonResourceURLs must contain at least one value",
    ]);
    expect([nonResourceURLPathError("/"), nonResourceURLPathError("/healthz/*"), nonResourceURLPathError(""), nonResourceURLPathError("/a/*/b/*")])
      .toEqual([undefined, undefined, "must not be empty", "wildcard can only do suffix matching"]);
  });

  test("the priority level reference is required and a DNS subdomain; the distinguisher method ByUser or ByNamespace", () => {
    expect(errorsOf(fsStrategy, flowSchema("system-foo", fsSpec({ priorityLevelConfiguration: {}, distinguisherMethod: { type: "ByColor" } })))).toEqual([
      'spec.distinguisherMethod.type: Unsupported value: flowcontrol.FlowDistinguisherMethod{Type:"ByColor"}: supported values: "ByNamespace", "ByUser"',
      "spec.priorityLevelConfiguration.name: Required value: must reference a priority level",
    ]);
    expect(errorsOf(fsStrategy, flowSchema("system-foo", fsSpec({ priorityLevelConfiguration: { name: "Bad" } })))).toEqual([
      startsWith('spec.priorityLevelConfiguration.name: Invalid value: "Bad": a lowercase RFC 1123 subdomain'),
    ]);
  });

  test("the mandatory schemas must keep their fixed spec (absent and empty lists alike)", () => {
    const [exempt, catchAll] = mandatoryFlowSchemas() as [KObject, KObject];
    const bad = structuredClone(exempt);
    bad.spec.rules[0].nonResourceRules[0].nonResourceURLs = ["/"];
    expect(errorsOf(fsStrategy, bad)).toEqual([`spec: Invalid value: ${JSON.stringify(bad.spec)}: spec of 'exempt' must equal the fixed value`]);
    const moved = structuredClone(catchAll);
    moved.spec.matchingPrecedence = 9999;
    expect(errorsOf(fsStrategy, moved)).toEqual([endsWith("spec of 'catch-all' must equal the fixed value")]);
    // The same spec written differently (no empty lists, explicit false) is equal.
    const same = structuredClone(catchAll);
    same.spec.rules[0].nonResourceRules[0] = { nonResourceURLs: ["*"], verbs: ["*"] };
    same.spec.rules[0].resourceRules[0] = { clusterScope: true, namespaces: ["*"], resources: ["*"], apiGroups: ["*"], verbs: ["*"] };
    expect(errorsOf(fsStrategy, same)).toEqual([]);
  });

  test("status: condition types are required and unique", () => {
    const obj = flowSchema("system-foo", fsSpec());
    const status = { conditions: [{ type: "Dangling", status: "False" }, { type: "Dangling", status: "True" }, { status: "True" }] };
    expect((fsStrategy.validateStatusUpdate?.({ ...obj, status }, obj, ctx) ?? []).map(formatFieldError)).toEqual([
      'status.conditions[1].type: Duplicate value: "Dangling"',
      "status.conditions[2].type: Required value: must not be empty",
    ]);
  });
});

describe("PriorityLevelConfiguration validation (pkg/apis/flowcontrol/validation/validation.go)", () => {
  test("valid levels: rejecting, queuing, a zero share (the jail), lending and borrowing", () => {
    expect(errorsOf(plStrategy, priorityLevel("max-in-flight", limited()))).toEqual([]);
    expect(errorsOf(plStrategy, priorityLevel("system-foo", limited({}, { type: "Queue", queuing: { queues: 512, handSize: 4, queueLengthLimit: 100 } })))).toEqual([]);
    expect(errorsOf(plStrategy, priorityLevel("system-foo", limited({}, { type: "Queue", queuing: { queues: 10_000_000, handSize: 2, queueLengthLimit: 100 } })))).toEqual([]);
    expect(errorsOf(plStrategy, priorityLevel("jail", limited({ nominalConcurrencyShares: 0, lendablePercent: 100, borrowingLimitPercent: 0 })))).toEqual([]);
  });

  test("type Exempt if and only if the name is exempt; limited and exempt sections by type", () => {
    expect(errorsOf(plStrategy, priorityLevel("broken-limited", { type: "Limited" }))).toEqual(["spec.limited: Required value: must not be empty when type is Limited"]);
    expect(errorsOf(plStrategy, priorityLevel("broken-limited", { type: "Limited", exempt: {} }))).toEqual([
      "spec.exempt: Forbidden: must be nil if the type is Limited",
      "spec.limited: Required value: must not be empty when type is Limited",
    ]);
    expect(errorsOf(plStrategy, priorityLevel("not-exempt", { type: "Exempt" }))).toEqual(['spec.type: Invalid value: "Exempt": type must be \'Exempt\' if and only if name is \'exempt\'']);
    expect(errorsOf(plStrategy, priorityLevel("odd", { type: "Sometimes" }))).toEqual([
      'spec.type: Unsupported value: "Sometimes": supported values: "Exempt", "Limited"',
    ]);
  });

  test("shares, lendable and borrowing percentages", () => {
    expect(errorsOf(plStrategy, priorityLevel("system-foo", limited({ nominalConcurrencyShares: -1, lendablePercent: 101, borrowingLimitPercent: -1 })))).toEqual([
      "spec.limited.nominalConcurrencyShares: Invalid value: -1: must be a non-negative integer",
      "spec.limited.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive",
      "spec.limited.borrowingLimitPercent: Invalid value: -1: if specified, must be a non-negative integer",
    ]);
  });

  test("limit responses: queuing only and always for Queue; shuffle-sharding limits", () => {
    const response = (r: Json) => errorsOf(plStrategy, priorityLevel("system-foo", limited({}, r)));
    expect(response({ type: "Reject", queuing: { queues: 512, handSize: 4, queueLengthLimit: 100 } })).toEqual([
      "spec.limited.limitResponse.queuing: Forbidden: must be nil if limited.limitResponse.type is not Limited",
    ]);
    expect(response({ type: "Queue" })).toEqual(["spec.limited.limitResponse.queuing: Required value: must not be empty if limited.limitResponse.type is Limited"]);
    expect(response({ type: "Drop" })).toEqual(['spec.limited.limitResponse.type: Unsupported value: "Drop": supported values: "Queue", "Reject"']);
    expect(response({ type: "Queue", queuing: { queues: 512, handSize: 8, queueLengthLimit: 100 } })).toEqual([
      "spec.limited.limitResponse.queuing.handSize: Invalid value: 8: required entropy bits of deckSize 512 and handSize 8 should not be greater than 60",
    ]);
    expect(response({ type: "Queue", queuing: { queues: 128, handSize: 10, queueLengthLimit: 100 } })).toEqual([
      "spec.limited.limitResponse.queuing.handSize: Invalid value: 10: required entropy bits of deckSize 128 and handSize 10 should not be greater than 60",
    ]);
    expect(response({ type: "Queue", queuing: { queues: 2147483647, handSize: 3, queueLengthLimit: 100 } })).toEqual([
      "spec.limited.limitResponse.queuing.queues: Invalid value: 2147483647: must not be greater than 10000000",
      "spec.limited.limitResponse.queuing.handSize: Invalid value: 3: required entropy bits of deckSize 2147483647 and handSize 3 should not be greater than 60",
    ]);
    expect(response({ type: "Queue", queuing: { queues: 4, handSize: 5, queueLengthLimit: -1 } })).toEqual([
      "spec.limited.limitResponse.queuing.queueLengthLimit: Invalid value: -1: must be positive",
      "spec.limited.limitResponse.queuing.handSize: Invalid value: 5: should not be greater than queues (4)",
    ]);
    expect([requiredEntropyBits(512, 8), requiredEntropyBits(10_000_000, 2), requiredEntropyBits(2147483647, 3)]).toEqual([72, 47, 93]);
  });

  test("the mandatory levels: only spec.exempt of exempt may change", () => {
    const exempt = priorityLevel("exempt", { type: "Exempt", exempt: { nominalConcurrencyShares: 10, lendablePercent: 10 } });
    expect(errorsOf(plStrategy, exempt)).toEqual([]);
    expect(errorsOf(plStrategy, priorityLevel("exempt", { type: "Exempt", exempt: { nominalConcurrencyShares: -1, lendablePercent: 101 } }))).toEqual([
      "spec.exempt.nominalConcurrencyShares: Invalid value: -1: must be a non-negative integer",
      "spec.exempt.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive",
    ]);
    const repurposed = errorsOf(plStrategy, priorityLevel("exempt", { type: "Limited", exempt: {}, limited: { nominalConcurrencyShares: 42, limitResponse: { type: "Reject" } } }));
    expect(repurposed).toEqual([
      'spec.type: Invalid value: "Limited": type must be \'Exempt\' if and only if name is \'exempt\'',
      "spec.exempt: Forbidden: must be nil if the type is Limited",
      endsWith("spec of 'exempt' except the 'spec.exempt' field must equal the fixed value"),
    ]);
    expect(errorsOf(plStrategy, priorityLevel("catch-all", limited({ nominalConcurrencyShares: 42 })))).toEqual([
      expect.stringMatching(/^spec: Invalid value: \{.*\}: spec of 'catch-all' must equal the fixed value$/),
    ]);
    expect(errorsOf(plStrategy, priorityLevel("catch-all", { type: "Limited", limited: { nominalConcurrencyShares: 5, limitResponse: { type: "Reject" } } }))).toEqual([]);
  });

  test("the v1beta3 round-trip annotation is forbidden", () => {
    expect(errorsOf(plStrategy, priorityLevel("with-forbidden-annotation", limited(), { "flowcontrol.k8s.io/v1beta3-preserve-zero-concurrency-shares": "" }))).toEqual([
      "metadata.annotations: Forbidden: annotation 'flowcontrol.k8s.io/v1beta3-preserve-zero-concurrency-shares' is forbidden",
    ]);
  });
});

describe("the Dangling condition (APF controller presyncFlowSchemaStatus)", () => {
  const now = new Date("2025-01-01T00:00:00Z");
  test("added when missing, replaced in place when it changes, left alone when it is right", () => {
    const found = withDanglingCondition(undefined, "global-default", true, now);
    expect(found).toEqual({ conditions: [{
      type: "Dangling", status: "False", lastTransitionTime: "2025-01-01T00:00:00Z", reason: "Found",
      message: 'This FlowSchema references the PriorityLevelConfiguration object named "global-default" and it exists',
    }] });
    expect(withDanglingCondition(found, "global-default", true, new Date("2026-01-01T00:00:00Z"))).toBeUndefined();
    const other = { type: "PatchStatusFailed", status: "False", reason: "e2e" };
    const missing = withDanglingCondition({ conditions: [other, ...(found?.conditions ?? [])] }, "gone", false, new Date("2026-01-01T00:00:00Z"));
    expect(missing?.conditions).toEqual([other, {
      type: "Dangling", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z", reason: "NotFound",
      message: 'This FlowSchema references the PriorityLevelConfiguration object named "gone" but there is no such object',
    }]);
  });
});
