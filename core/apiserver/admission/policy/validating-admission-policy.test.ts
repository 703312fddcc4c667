import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { AuthzDecide } from "../../../cel/library/authz.ts";
import { startHarness, type Harness } from "../../testing/harness.ts";
import type { AdmissionAttributes } from "../types.ts";
import { validatingAdmissionPolicyPlugin } from "./validating-admission-policy.ts";

const VAP = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies";
const VAPB = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings";
const DEPLOYMENTS = (ns: string) => `/apis/apps/v1/namespaces/${ns}/deployments`;

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const deployment = (name: string, replicas: number) => ({
  metadata: { name, labels: { app: "web" } },
  spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
});
const deploymentRule = { operations: ["CREATE", "UPDATE"], apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments"] };

async function namespace(name: string, labels: Record<string, string> = {}) {
  expect((await h.call("POST", "/api/v1/namespaces", { metadata: { name, labels } })).status).toBe(201);
}

/** Creates until the policy is in effect (the admission plugin reads the watch cache). */
async function eventuallyRefused(path: string, body: unknown): Promise<{ status: number; body: any }> {
  for (let i = 0; i < 200; i++) {
    const r = await h.call("POST", `${path}?dryRun=All`, body);
    if (r.status !== 201) return r;
    await Bun.sleep(10);
  }
  throw new Error("the policy never took effect");
}

describe("ValidatingAdmissionPolicy", () => {
  test("[sig-api-machinery] ValidatingAdmissionPolicy should validate against a Deployment: Deny with messageExpression, reason Invalid (422); other namespaces and kinds untouched", async () => {
    await namespace("vap-a", { "vap-a": "true" });
    await namespace("vap-other");
    const policy = await h.call("POST", VAP, {
      metadata: { name: "replicas.policy.example.com" },
      spec: {
        matchConstraints: { namespaceSelector: { matchLabels: { "vap-a": "true" } }, resourceRules: [deploymentRule] },
        validations: [
          { expression: "object.spec.replicas > 1", messageExpression: "'wants replicas > 1, got ' + string(object.spec.replicas)" },
          { expression: "namespaceObject.metadata.name == 'vap-a'", message: "Internal error! Other namespace should not be allowed." },
        ],
      },
    });
    expect(policy.status).toBe(201);
    expect(policy.body.spec).toMatchObject({ failurePolicy: "Fail", matchConstraints: { matchPolicy: "Equivalent", objectSelector: {}, resourceRules: [{ scope: "*" }] } });
    expect(policy.body.metadata.generation).toBe(1);
    const binding = await h.call("POST", VAPB, {
      metadata: { name: "replicas.binding.example.com" },
      spec: { policyName: "replicas.policy.example.com", validationActions: ["Deny"], matchResources: { namespaceSelector: { matchLabels: { "vap-a": "true" } } } },
    });
    expect(binding.status).toBe(201);

    const refused = await eventuallyRefused(DEPLOYMENTS("vap-a"), deployment("marker", 1));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      reason: "Invalid",
      message: `deployments.apps "marker" is forbidden: ValidatingAdmissionPolicy 'replicas.policy.example.com' with binding 'replicas.binding.example.com' denied request: wants replicas > 1, got 1`,
      details: { name: "marker", group: "apps", kind: "deployments" },
    });
    expect((await h.call("POST", DEPLOYMENTS("vap-a"), deployment("replicated", 2))).status).toBe(201);
    expect((await h.call("POST", DEPLOYMENTS("vap-other"), deployment("elsewhere", 1))).status).toBe(201);
    const rs = { ...deployment("rs", 1), kind: "ReplicaSet" };
    expect((await h.call("POST", "/apis/apps/v1/namespaces/vap-a/replicasets", rs)).status).toBe(201);
  });

  test("[sig-api-machinery] ValidatingAdmissionPolicy should allow expressions to refer variables.", async () => {
    await namespace("vap-b", { "vap-b": "true" });
    expect((await h.call("POST", VAP, {
      metadata: { name: "vars.policy.example.com" },
      spec: {
        matchConstraints: { namespaceSelector: { matchLabels: { "vap-b": "true" } }, resourceRules: [deploymentRule] },
        variables: [{ name: "replicas", expression: "object.spec.replicas" }, { name: "oddReplicas", expression: "variables.replicas % 2 == 1" }],
        validations: [{ expression: "variables.replicas > 1" }, { expression: "variables.oddReplicas" }],
      },
    })).status).toBe(201);
    expect((await h.call("POST", VAPB, { metadata: { name: "vars.binding.example.com" }, spec: { policyName: "vars.policy.example.com", validationActions: ["Deny"] } })).status).toBe(201);
    const refused = await eventuallyRefused(DEPLOYMENTS("vap-b"), deployment("marker", 1));
    expect(refused.status).toBe(422);
    expect(refused.body.message).toEndWith("denied request: failed expression: variables.replicas > 1");
    const even = await h.call("POST", DEPLOYMENTS("vap-b"), deployment("even", 2));
    expect(even.body.message).toEndWith("denied request: failed expression: variables.oddReplicas");
    expect((await h.call("POST", DEPLOYMENTS("vap-b"), deployment("odd", 3))).status).toBe(201);
  });

  test("Warn returns a Warning header; params come from the binding's paramRef (ConfigMap); parameterNotFoundAction Deny refuses", async () => {
    await namespace("vap-c", { "vap-c": "true" });
    expect((await h.call("POST", "/api/v1/namespaces/vap-c/configmaps", { metadata: { name: "limits" }, data: { max: "3" } })).status).toBe(201);
    expect((await h.call("POST", VAP, {
      metadata: { name: "max.policy.example.com" },
      spec: {
        paramKind: { apiVersion: "v1", kind: "ConfigMap" },
        matchConstraints: { namespaceSelector: { matchLabels: { "vap-c": "true" } }, resourceRules: [deploymentRule] },
        validations: [{ expression: "object.spec.replicas <= int(params.data.max)", message: "too many replicas", reason: "Forbidden" }],
      },
    })).status).toBe(201);
    expect((await h.call("POST", VAPB, {
      metadata: { name: "max-warn" },
      spec: { policyName: "max.policy.example.com", validationActions: ["Warn"], paramRef: { name: "limits", parameterNotFoundAction: "Deny" } },
    })).status).toBe(201);
    let warned: string | null = null;
    for (let i = 0; i < 200 && !warned; i++) {
      const r = await h.call("POST", `${DEPLOYMENTS("vap-c")}?dryRun=All`, deployment("big", 5));
      expect(r.status).toBe(201);
      warned = r.headers.get("warning");
      if (!warned) await Bun.sleep(10);
    }
    expect(warned).toContain("Validation failed for ValidatingAdmissionPolicy 'max.policy.example.com' with binding 'max-warn': too many replicas");
    expect((await h.call("PUT", `${VAPB}/max-warn`, {
      metadata: { name: "max-warn", resourceVersion: (await h.call("GET", `${VAPB}/max-warn`)).body.metadata.resourceVersion },
      spec: { policyName: "max.policy.example.com", validationActions: ["Deny"], paramRef: { name: "missing", parameterNotFoundAction: "Deny" } },
    })).status).toBe(200);
    const refused = await eventuallyRefused(DEPLOYMENTS("vap-c"), deployment("small", 1));
    expect(refused.status).toBe(422);
    expect(refused.body.message).toContain("no params found for policy binding with `Deny` parameterNotFoundAction");
  });

  test("bad policies and bindings are refused with upstream's field errors", async () => {
    const bad = await h.call("POST", VAP, { metadata: { name: "bad" }, spec: { failurePolicy: "Maybe", variables: [{ name: "1x", expression: "1" }] } });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain(`spec.failurePolicy: Unsupported value: "Maybe": supported values: "Fail", "Ignore"`);
    expect(bad.body.message).toContain("spec.matchConstraints: Required value");
    expect(bad.body.message).toContain("spec.validations: Required value: validations or auditAnnotations must contain at least one item");
    expect(bad.body.message).toContain(`spec.variables[0].name: Invalid value: "1x": name is not a valid CEL identifier`);
    const badBinding = await h.call("POST", VAPB, { metadata: { name: "bad" }, spec: { validationActions: ["Deny", "Warn"] } });
    expect(badBinding.status).toBe(422);
    expect(badBinding.body.message).toContain("spec.policyName: Required value");
    expect(badBinding.body.message).toContain("must not contain both Deny and Warn");
  });

  test("status goes through /status only; a spec change bumps the generation", async () => {
    const created = await h.call("POST", VAP, {
      metadata: { name: "status.policy.example.com" },
      spec: { matchConstraints: { resourceRules: [deploymentRule] }, validations: [{ expression: "true" }] },
      status: { observedGeneration: 7 },
    });
    expect(created.body.status).toEqual({});
    const patched = await h.call("PATCH", `${VAP}/status.policy.example.com/status`, { status: { conditions: [{ type: "PatchStatusFailed", status: "False", reason: "e2e", message: "Set from a test", lastTransitionTime: "2024-01-01T00:00:00Z" }] } }, { "content-type": "application/merge-patch+json" });
    expect(patched.status).toBe(200);
    expect(patched.body.status.conditions[0].type).toBe("PatchStatusFailed");
    const spec = await h.call("PATCH", `${VAP}/status.policy.example.com`, { spec: { failurePolicy: "Ignore" }, status: null }, { "content-type": "application/merge-patch+json" });
    expect(spec.body.metadata.generation).toBe(2);
    expect(spec.body.status.conditions[0].type).toBe("PatchStatusFailed");
  });

  test("a policy refusing pod updates does not block pods/eviction: its DisruptionTarget condition is written without admission, as upstream's eviction writes storage directly", async () => {
    await namespace("vap-evict");
    expect((await h.call("POST", "/api/v1/namespaces/vap-evict/serviceaccounts", { metadata: { name: "default" } })).status).toBeLessThan(300);
    const pods = "/api/v1/namespaces/vap-evict/pods";
    expect((await h.call("POST", pods, { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] } })).status).toBe(201);
    expect((await h.call("POST", `${pods}/p/binding`, { target: { kind: "Node", name: "n1" } })).status).toBe(201);
    expect((await h.call("POST", VAP, {
      metadata: { name: "frozen-pods.example.com" },
      spec: { failurePolicy: "Fail", matchConstraints: { resourceRules: [{ operations: ["UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }] }, validations: [{ expression: "false", message: "pods are frozen" }] },
    })).status).toBe(201);
    expect((await h.call("POST", VAPB, { metadata: { name: "frozen-pods-binding" }, spec: { policyName: "frozen-pods.example.com", validationActions: ["Deny"], matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "vap-evict" } } } } })).status).toBe(201);
    // The policy is in effect for ordinary updates...
    let refused = "";
    for (let i = 0; i < 200 && !refused; i++) {
      const r = await h.call("PATCH", `${pods}/p?dryRun=All`, { metadata: { labels: { x: "y" } } }, { "content-type": "application/merge-patch+json" });
      if (r.status !== 200) refused = r.body.message;
      else await Bun.sleep(10);
    }
    expect(refused).toContain("pods are frozen");
    // ...but not for the eviction's own write.
    const ev = await h.call("POST", `${pods}/p/eviction`, { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "p" } });
    expect(ev.status).toBe(201);
    const p = (await h.call("GET", `${pods}/p`)).body;
    expect(p.metadata.deletionTimestamp).toBeDefined();
    expect(p.status.conditions).toContainEqual(expect.objectContaining({ type: "DisruptionTarget", reason: "EvictionByEvictionAPI" }));
    await h.call("DELETE", VAPB + "/frozen-pods-binding");
  });
});

describe("ValidatingAdmissionPolicy authorizer", () => {
  const policy = (expression: string) => ({
    metadata: { name: "authz" },
    spec: { failurePolicy: "Fail", matchConstraints: { resourceRules: [{ ...deploymentRule, scope: "*" }] }, validations: [{ expression }] },
  });
  const binding = { metadata: { name: "authz-binding" }, spec: { policyName: "authz", validationActions: ["Deny"] } };
  const asked: unknown[] = [];
  const decide: AuthzDecide = (attrs) => {
    asked.push({ user: attrs.user.username, verb: attrs.verb, group: attrs.apiGroup, resource: attrs.resource, namespace: attrs.namespace, name: attrs.name });
    return attrs.verb === "delete" ? { decision: "deny", reason: "no deletes" } : { decision: "allow", reason: "" };
  };
  const attrs = (): AdmissionAttributes => ({
    operation: "CREATE", def: { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true, subresources: [] } as never,
    namespace: "ns", name: "web", subresource: "", object: { metadata: { name: "web", namespace: "ns" } } as never, dryRun: false,
    user: { username: "alice", groups: ["system:authenticated"] }, warnings: [],
  });
  const plugin = (expression: string) => validatingAdmissionPolicyPlugin({
    policies: () => [policy(expression) as never], bindings: () => [binding as never], namespace: () => undefined,
    paramObjects: () => undefined, paramKindNamespaced: () => undefined,
  }, decide);

  test("authorizer checks run as the requesting user; authorizer.requestResource is the request's resource", async () => {
    asked.length = 0;
    await plugin("authorizer.requestResource.check('create').allowed() && authorizer.group('apps').resource('deployments').namespace('ns').check('get').allowed()").validate!(attrs());
    expect(asked).toEqual([
      { user: "alice", verb: "create", group: "apps", resource: "deployments", namespace: "ns", name: "web" },
      { user: "alice", verb: "get", group: "apps", resource: "deployments", namespace: "ns", name: "" },
    ]);
  });

  test("a denied check refuses the request", async () => {
    const refused = plugin("authorizer.requestResource.check('delete').allowed()").validate!(attrs());
    await expect(refused).rejects.toThrow("denied request: failed expression: authorizer.requestResource.check('delete').allowed()");
  });

  test("policies whose expressions do not compile are refused", async () => {
    const bad = await h.call("POST", VAP, {
      metadata: { name: "bad-cel" },
      spec: {
        matchConstraints: { resourceRules: [deploymentRule] }, variables: [{ name: "a", expression: "object.spec" }],
        validations: [{ expression: "objekt.spec.replicas > 1" }, { expression: "variables.b == 1", messageExpression: "nope()" }, { expression: "authorizer.requestResource.check('get').allowed() && variables.a.replicas > 0" }],
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes.map((c: any) => `${c.field}: ${c.message.split("\n")[0]}`)).toEqual([
      `spec.validations[0].expression: Invalid value: "objekt.spec.replicas > 1": compilation failed: ERROR: <input>:1:1: undeclared reference to 'objekt' (in container '')`,
      `spec.validations[1].expression: Invalid value: "variables.b == 1": compilation failed: ERROR: <input>:1:10: undefined field 'b'`,
      `spec.validations[1].messageExpression: Invalid value: "nope()": compilation failed: ERROR: <input>:1:5: undeclared reference to 'nope' (in container '')`,
    ]);
  });
});
