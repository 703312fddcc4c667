/**
 * Mutating and ValidatingWebhookConfigurations through the in-process API server: discovery, OpenAPI,
 * CRUD with defaults and generation, Invalid errors, Tables and protobuf bodies. Only the API-object
 * parts of the upstream conformance tests; calling the webhooks is tested with the admission chain.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { patchMetaFor } from "@lite/sdk";
import { builtinPatchMeta } from "../../machinery/builtin-patch-meta.ts";
import { k8sBody, type PbValue } from "../../protobuf/test-encoder.ts";
import { ADMIN, startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const GV = "/apis/admissionregistration.k8s.io/v1";
const MUTATING = `${GV}/mutatingwebhookconfigurations`;
const VALIDATING = `${GV}/validatingwebhookconfigurations`;
const TABLE = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" };
const AGGREGATED = { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" };
const MERGE = { "content-type": "application/merge-patch+json" };
const JSON_PATCH = { "content-type": "application/json-patch+json" };
const STRATEGIC = { "content-type": "application/strategic-merge-patch+json" };

// biome-ignore lint: test fixtures are open JSON.
type Json = Record<string, any>;

function webhook(name: string, operations = ["CREATE"]): Json {
  return {
    name,
    clientConfig: { service: { namespace: "webhook-ns", name: "e2e-test-webhook", path: "/mutating-configmaps" }, caBundle: "Y2E=" },
    rules: [{ operations, apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }],
    sideEffects: "None",
    admissionReviewVersions: ["v1", "v1beta1"],
  };
}

function configuration(kind: "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration", name: string, webhooks: Json[], labels?: Record<string, string>): Json {
  return { apiVersion: "admissionregistration.k8s.io/v1", kind, metadata: { name, ...(labels ? { labels } : {}) }, webhooks };
}

const KINDS = [
  { kind: "MutatingWebhookConfiguration" as const, path: MUTATING, word: "mutating", mutating: true },
  { kind: "ValidatingWebhookConfiguration" as const, path: VALIDATING, word: "validating", mutating: false },
];

describe("discovery and OpenAPI", () => {
  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should include webhook resources in discovery documents [Conformance]", async () => {
    const groups = (await h.call("GET", "/apis")).body.groups;
    const names: string[] = groups.map((g: Json) => g.name);
    // Upstream group priority: storage.k8s.io, then admissionregistration.k8s.io, then apiextensions.k8s.io.
    expect(names.indexOf("admissionregistration.k8s.io")).toBe(names.indexOf("storage.k8s.io") + 1);
    expect(names.indexOf("apiextensions.k8s.io")).toBe(names.indexOf("admissionregistration.k8s.io") + 1);
    expect(groups.find((g: Json) => g.name === "admissionregistration.k8s.io")).toEqual({
      name: "admissionregistration.k8s.io",
      versions: [{ groupVersion: "admissionregistration.k8s.io/v1", version: "v1" }],
      preferredVersion: { groupVersion: "admissionregistration.k8s.io/v1", version: "v1" },
    });
    const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    expect((await h.call("GET", GV)).body.resources).toEqual([
      { name: "mutatingwebhookconfigurations", singularName: "mutatingwebhookconfiguration", namespaced: false, kind: "MutatingWebhookConfiguration", verbs, categories: ["api-extensions"] },
      { name: "validatingadmissionpolicies", singularName: "validatingadmissionpolicy", namespaced: false, kind: "ValidatingAdmissionPolicy", verbs, categories: ["api-extensions"] },
      { name: "validatingadmissionpolicies/status", singularName: "validatingadmissionpolicy", namespaced: false, kind: "ValidatingAdmissionPolicy", verbs: ["get", "patch", "update"] },
      { name: "validatingadmissionpolicybindings", singularName: "validatingadmissionpolicybinding", namespaced: false, kind: "ValidatingAdmissionPolicyBinding", verbs, categories: ["api-extensions"] },
      { name: "validatingwebhookconfigurations", singularName: "validatingwebhookconfiguration", namespaced: false, kind: "ValidatingWebhookConfiguration", verbs, categories: ["api-extensions"] },
    ]);
    const agg = (await h.call("GET", "/apis", undefined, AGGREGATED)).body;
    const group = agg.items.find((i: Json) => i.metadata.name === "admissionregistration.k8s.io");
    expect(group.versions.map((v: Json) => v.version)).toEqual(["v1"]);
    expect(group.versions[0].resources.map((r: Json) => [r.resource, r.scope, r.responseKind.kind, r.categories, r.shortNames, r.subresources])).toEqual([
      ["mutatingwebhookconfigurations", "Cluster", "MutatingWebhookConfiguration", ["api-extensions"], undefined, undefined],
      ["validatingadmissionpolicies", "Cluster", "ValidatingAdmissionPolicy", ["api-extensions"], undefined, [{ subresource: "status", responseKind: { group: "admissionregistration.k8s.io", version: "v1", kind: "ValidatingAdmissionPolicy" }, verbs: ["get", "patch", "update"] }]],
      ["validatingadmissionpolicybindings", "Cluster", "ValidatingAdmissionPolicyBinding", ["api-extensions"], undefined, undefined],
      ["validatingwebhookconfigurations", "Cluster", "ValidatingWebhookConfiguration", ["api-extensions"], undefined, undefined],
    ]);
  });

  test("OpenAPI v3: the group-version document has both kinds, the inline Rule fields and the webhooks list-map", async () => {
    const index = (await h.call("GET", "/openapi/v3")).body;
    const doc = (await h.call("GET", index.paths["apis/admissionregistration.k8s.io/v1"].serverRelativeURL)).body;
    const schemas = doc.components.schemas;
    const mwc = schemas["io.k8s.api.admissionregistration.v1.MutatingWebhookConfiguration"];
    expect(mwc["x-kubernetes-group-version-kind"]).toEqual([{ group: "admissionregistration.k8s.io", kind: "MutatingWebhookConfiguration", version: "v1" }]);
    expect(mwc.properties.webhooks).toMatchObject({
      type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge",
    });
    expect(schemas["io.k8s.api.admissionregistration.v1.ValidatingWebhook"].required).toEqual(["admissionReviewVersions", "clientConfig", "name", "sideEffects"]);
    expect(Object.keys(schemas["io.k8s.api.admissionregistration.v1.MutatingWebhook"].properties)).toContain("reinvocationPolicy");
    expect(Object.keys(schemas["io.k8s.api.admissionregistration.v1.ValidatingWebhook"].properties)).not.toContain("reinvocationPolicy");
    expect(Object.keys(schemas["io.k8s.api.admissionregistration.v1.RuleWithOperations"].properties)).toEqual(["apiGroups", "apiVersions", "operations", "resources", "scope"]);
    expect(doc.paths["/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/{name}"].patch["x-kubernetes-group-version-kind"])
      .toEqual({ group: "admissionregistration.k8s.io", version: "v1", kind: "ValidatingWebhookConfiguration" });
  });

  test("the declared patch metadata agrees with the strategic-merge-patch engine's table", () => {
    for (const { kind } of KINDS) {
      const declared = patchMetaFor("admissionregistration.k8s.io", "v1", kind)!;
      const table = builtinPatchMeta("admissionregistration.k8s.io", kind);
      for (const p of [["webhooks"], ["webhooks", "matchConditions"], ["webhooks", "rules"]]) {
        expect({ p, strategy: declared.lookup(p)?.strategy, mergeKey: declared.lookup(p)?.mergeKey }).toEqual({ p, strategy: table.lookup(p)?.strategy, mergeKey: table.lookup(p)?.mergeKey });
      }
    }
  });
});

describe.each(KINDS)("$kind", ({ kind, path, word, mutating }) => {
  test(`[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] listing ${word} webhooks should work [Conformance]: create, list by label, deletecollection`, async () => {
    const label = { "e2e-list-test-uuid": `${word}-1234` };
    for (let i = 0; i < 10; i++) {
      const r = await h.call("POST", path, configuration(kind, `e2e-test-${word}-webhook-${i}`, [webhook(`adding-configmap-data-stage-${i}.k8s.io`)], label));
      expect(r.status).toBe(201);
    }
    await h.call("POST", path, configuration(kind, `unlabelled-${word}`, [webhook("unlabelled.example.com")]));
    const selector = `labelSelector=${encodeURIComponent(`e2e-list-test-uuid=${word}-1234`)}`;
    const list = (await h.call("GET", `${path}?${selector}`)).body;
    expect(list.kind).toBe(`${kind}List`);
    expect(list.items).toHaveLength(10);
    expect(list.items.every((c: Json) => c.kind === kind && c.apiVersion === "admissionregistration.k8s.io/v1")).toBe(true);
    expect((await h.call("DELETE", `${path}?${selector}`)).status).toBe(200);
    expect((await h.call("GET", `${path}?${selector}`)).body.items).toEqual([]);
    expect((await h.call("GET", `${path}/unlabelled-${word}`)).status).toBe(200);
    expect((await h.call("DELETE", `${path}/unlabelled-${word}`)).body).toMatchObject({ kind: "Status", status: "Success" });
    expect((await h.call("GET", `${path}/unlabelled-${word}`)).status).toBe(404);
  });

  test("create applies the v1 defaults and sets generation 1", async () => {
    const r = await h.call("POST", path, configuration(kind, `defaults-${word}`, [webhook("defaults.example.com")]));
    expect(r.status).toBe(201);
    expect(r.body.metadata.generation).toBe(1);
    expect(r.body.webhooks[0]).toEqual({
      ...webhook("defaults.example.com"),
      clientConfig: { service: { namespace: "webhook-ns", name: "e2e-test-webhook", path: "/mutating-configmaps", port: 443 }, caBundle: "Y2E=" },
      rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"], scope: "*" }],
      failurePolicy: "Fail", matchPolicy: "Equivalent", namespaceSelector: {}, objectSelector: {}, timeoutSeconds: 10,
      ...(mutating ? { reinvocationPolicy: "Never" } : {}),
    });
    expect((await h.call("GET", `${path}/defaults-${word}`)).body.webhooks).toEqual(r.body.webhooks);
  });

  test(`[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] patching/updating a ${word} webhook should work [Conformance]: update, then patch the rules back`, async () => {
    const name = `e2e-test-update-${word}`;
    expect((await h.call("POST", path, configuration(kind, name, [webhook("update.example.com")]))).status).toBe(201);
    // Update the webhook to not apply to CREATE.
    const current = (await h.call("GET", `${path}/${name}`)).body;
    current.webhooks[0].rules[0].operations = ["UPDATE"];
    const updated = await h.call("PUT", `${path}/${name}`, current);
    expect(updated.status).toBe(200);
    expect(updated.body.webhooks[0].rules[0].operations).toEqual(["UPDATE"]);
    expect(updated.body.metadata.generation).toBe(2);
    // Patch it to apply to CREATE again, with the JSON patch the e2e test sends.
    const patched = await h.call("PATCH", `${path}/${name}`, [{ op: "replace", path: "/webhooks/0/rules/0/operations", value: ["CREATE"] }], JSON_PATCH);
    expect(patched.status).toBe(200);
    expect(patched.body.webhooks[0].rules).toEqual([{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"], scope: "*" }]);
    expect(patched.body.webhooks[0].clientConfig.service.name).toBe("e2e-test-webhook");
    expect(patched.body.metadata.generation).toBe(3);
    // Metadata-only changes keep the generation.
    const labelled = await h.call("PATCH", `${path}/${name}`, { metadata: { labels: { touched: "yes" } } }, MERGE);
    expect(labelled.body.metadata.generation).toBe(3);
    // Strategic merge by webhook name: a new webhook is added, the existing one is kept.
    const added = await h.call("PATCH", `${path}/${name}`, { webhooks: [{ ...webhook("second.example.com"), timeoutSeconds: 3 }] }, STRATEGIC);
    expect(added.body.webhooks.map((w: Json) => [w.name, w.timeoutSeconds])).toEqual([["second.example.com", 3], ["update.example.com", 10]]);
    expect(added.body.metadata.generation).toBe(4);
  });

  test("updates must carry metadata.resourceVersion (no unconditional updates), PUT does not create", async () => {
    const name = `rv-${word}`;
    const created = (await h.call("POST", path, configuration(kind, name, [webhook("rv.example.com")]))).body;
    const { resourceVersion: _rv, ...meta } = created.metadata;
    const noRV = await h.call("PUT", `${path}/${name}`, { ...created, metadata: meta });
    expect(noRV.status).toBe(422);
    expect(noRV.body.message).toContain("metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
    const missing = await h.call("PUT", `${path}/not-there`, configuration(kind, "not-there", []));
    expect(missing.status).toBe(404);
  });

  test(`[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should be able to create and update ${word} webhook configurations with match conditions [Conformance]`, async () => {
    const name = `match-conditions-${word}`;
    const initial = [{ name: "exclude-leases", expression: "!(request.resource.group == 'coordination.k8s.io' && request.resource.resource == 'leases')" }];
    const created = await h.call("POST", path, configuration(kind, name, [{ ...webhook("match.example.com"), matchConditions: initial }]));
    expect(created.status).toBe(201);
    expect((await h.call("GET", `${path}/${name}`)).body.webhooks[0].matchConditions).toEqual(initial);
    const current = (await h.call("GET", `${path}/${name}`)).body;
    const next = [{ name: "exclude-kube-system", expression: "request.namespace != 'kube-system'" }, { name: "only-configmaps", expression: "request.resource.resource == 'configmaps'" }];
    current.webhooks[0].matchConditions = next;
    expect((await h.call("PUT", `${path}/${name}`, current)).status).toBe(200);
    expect((await h.call("GET", `${path}/${name}`)).body.webhooks[0].matchConditions).toEqual(next);
  });

  test("an invalid configuration is 422 Invalid with upstream's field causes", async () => {
    const bad = { ...webhook("not-qualified"), sideEffects: "Some", timeoutSeconds: 31, clientConfig: { url: "http://hook.example.com/x" }, admissionReviewVersions: ["v2"] };
    const r = await h.call("POST", path, configuration(kind, `invalid-${word}`, [bad, webhook("not-qualified")]));
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ kind: "Status", status: "Failure", reason: "Invalid", code: 422, details: { name: `invalid-${word}`, group: "admissionregistration.k8s.io", kind } });
    expect(r.body.details.causes).toEqual([
      { reason: "FieldValueInvalid", field: "webhooks[0].name", message: 'Invalid value: "not-qualified": should be a domain with at least three segments separated by dots' },
      { reason: "FieldValueNotSupported", field: "webhooks[0].sideEffects", message: 'Unsupported value: "Some": supported values: "None", "NoneOnDryRun"' },
      { reason: "FieldValueInvalid", field: "webhooks[0].timeoutSeconds", message: "Invalid value: 31: the timeout value must be between 1 and 30 seconds" },
      { reason: "FieldValueInvalid", field: "webhooks[0].clientConfig.url", message: "Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]" },
      { reason: "FieldValueInvalid", field: "webhooks[0].admissionReviewVersions", message: 'Invalid value: []string{"v2"}: must include at least one of v1, v1beta1' },
      { reason: "FieldValueInvalid", field: "webhooks[1].name", message: 'Invalid value: "not-qualified": should be a domain with at least three segments separated by dots' },
      { reason: "FieldValueDuplicate", field: "webhooks[1].name", message: 'Duplicate value: "not-qualified"' },
    ]);
    expect(r.body.message).toStartWith(`${kind}.admissionregistration.k8s.io "invalid-${word}" is invalid: [webhooks[0].name: Invalid value: "not-qualified"`);
    // Updates are validated too.
    const ok = (await h.call("POST", path, configuration(kind, `valid-${word}`, [webhook("valid.example.com")]))).body;
    ok.webhooks[0].clientConfig = {};
    const u = await h.call("PUT", `${path}/valid-${word}`, ok);
    expect(u.status).toBe(422);
    expect(u.body.details.causes).toEqual([{ reason: "FieldValueRequired", field: "webhooks[0].clientConfig", message: "Required value: exactly one of url or service is required" }]);
  });

  test("fieldValidation=Strict rejects unknown fields inside webhooks", async () => {
    const r = await h.call("POST", `${path}?fieldValidation=Strict`, configuration(kind, `strict-${word}`, [{ ...webhook("strict.example.com"), timeout: 5 }]));
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('strict decoding error: unknown field "webhooks[0].timeout"');
  });

  test("Table: NAME, WEBHOOKS (the count), AGE", async () => {
    const name = `table-${word}`;
    await h.call("POST", path, configuration(kind, name, [webhook("one.example.com"), webhook("two.example.com")]));
    await h.call("POST", path, configuration(kind, `${name}-empty`, []));
    const t = (await h.call("GET", path, undefined, TABLE)).body;
    expect(t.columnDefinitions.map((c: Json) => [c.name, c.type, c.format, c.priority])).toEqual([
      ["Name", "string", "name", 0], ["Webhooks", "integer", "", 0], ["Age", "string", "", 0],
    ]);
    expect(t.columnDefinitions[1].description).toBe("Webhooks indicates the number of webhooks registered in this configuration");
    const row = (n: string) => t.rows.find((r: Json) => r.cells[0] === n);
    expect(row(name).cells).toEqual([name, 2, expect.stringMatching(/^\d+s$/)]);
    expect(row(`${name}-empty`).cells.slice(0, 2)).toEqual([`${name}-empty`, 0]);
  });
});

describe("protobuf request bodies (field numbers of upstream generated.proto)", () => {
  test("a MutatingWebhookConfiguration in protobuf decodes, inline Rule fields included, and is defaulted", async () => {
    const rule: PbValue[] = [
      { n: 1, str: "CREATE" }, { n: 1, str: "UPDATE" },
      { n: 2, msg: [{ n: 1, str: "apps" }, { n: 2, str: "v1" }, { n: 3, str: "deployments" }, { n: 3, str: "deployments/scale" }, { n: 4, str: "Namespaced" }] },
    ];
    const hook: PbValue[] = [
      { n: 1, str: "pb.example.com" },
      { n: 2, msg: [{ n: 1, msg: [{ n: 1, str: "webhook-ns" }, { n: 2, str: "svc" }, { n: 3, str: "/mutate" }, { n: 4, varint: 8443 }] }, { n: 2, bytes: new Uint8Array([99, 97]) }] },
      { n: 3, msg: rule },
      { n: 4, str: "Ignore" },
      { n: 5, msg: [{ n: 1, msg: [{ n: 1, str: "team" }, { n: 2, str: "a" }] }] },
      { n: 6, str: "NoneOnDryRun" },
      { n: 7, varint: 5 },
      { n: 8, str: "v1" },
      { n: 9, str: "Exact" },
      { n: 10, str: "IfNeeded" },
      { n: 11, msg: [] },
      { n: 12, msg: [{ n: 1, str: "not-leases" }, { n: 2, str: "request.resource.resource != 'leases'" }] },
    ];
    const body = k8sBody("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", [{ n: 1, msg: [{ n: 1, str: "pb" }] }, { n: 2, msg: hook }]);
    const res = await h.server.handle(new Request(`https://lite.test${MUTATING}`, { method: "POST", body, headers: { "content-type": "application/vnd.kubernetes.protobuf", accept: "application/json" } }), ADMIN);
    const created = await res.json() as Json;
    expect(res.status).toBe(201);
    expect(created.webhooks).toEqual([{
      name: "pb.example.com",
      clientConfig: { service: { namespace: "webhook-ns", name: "svc", path: "/mutate", port: 8443 }, caBundle: "Y2E=" },
      rules: [{ operations: ["CREATE", "UPDATE"], apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments", "deployments/scale"], scope: "Namespaced" }],
      failurePolicy: "Ignore", namespaceSelector: { matchLabels: { team: "a" } }, sideEffects: "NoneOnDryRun", timeoutSeconds: 5,
      admissionReviewVersions: ["v1"], matchPolicy: "Exact", reinvocationPolicy: "IfNeeded", objectSelector: {},
      matchConditions: [{ name: "not-leases", expression: "request.resource.resource != 'leases'" }],
    }]);
  });
});
