/**
 * APIServices through the in-process API server: discovery, OpenAPI, CRUD with defaults, the status
 * split, Invalid errors, Tables, protobuf bodies, and the autoregistered APIServices of the served
 * group-versions (Local, `automanaged: onstart`) and of CRDs (`automanaged: "true"`). Proxying to and
 * availability checks of APIServices backed by a Service are the aggregator's (core/apiserver/aggregator).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { patchMetaFor } from "@lite/sdk";
import { createMemoryStore } from "../../../store/memory.ts";
import { cronTabCRD, installCRD } from "../../crd/testing/fixtures.ts";
import { builtinPatchMeta } from "../../machinery/builtin-patch-meta.ts";
import { k8sBody, type PbValue } from "../../protobuf/test-encoder.ts";
import { ADMIN, startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const GV = "/apis/apiregistration.k8s.io/v1";
const APISERVICES = `${GV}/apiservices`;
const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const TABLE = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" };
const AGGREGATED = { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" };
const MERGE = { "content-type": "application/merge-patch+json" };
const STRATEGIC = { "content-type": "application/strategic-merge-patch+json" };
const AUTOMANAGED = "kube-aggregator.kubernetes.io/automanaged";

// biome-ignore lint: test fixtures are open JSON.
type Json = Record<string, any>;

function apiService(group: string, version: string, spec: Json = {}, labels?: Record<string, string>): Json {
  return {
    apiVersion: "apiregistration.k8s.io/v1", kind: "APIService",
    metadata: { name: `${version}.${group}`, ...(labels ? { labels } : {}) },
    spec: { service: { namespace: "wardle", name: "sample-api" }, group, version, caBundle: "Y2E=", groupPriorityMinimum: 2000, versionPriority: 200, ...spec },
  };
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (ok(v)) return v;
    await Bun.sleep(10);
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("discovery and OpenAPI", () => {
  test("apiregistration.k8s.io is the first group of /apis, with apiservices and apiservices/status", async () => {
    const groups = (await h.call("GET", "/apis")).body.groups;
    expect(groups[0]).toEqual({
      name: "apiregistration.k8s.io",
      versions: [{ groupVersion: "apiregistration.k8s.io/v1", version: "v1" }],
      preferredVersion: { groupVersion: "apiregistration.k8s.io/v1", version: "v1" },
    });
    expect(groups[1].name).toBe("apps");
    const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    expect((await h.call("GET", GV)).body.resources).toEqual([
      { name: "apiservices", singularName: "apiservice", namespaced: false, kind: "APIService", verbs, categories: ["api-extensions"] },
      { name: "apiservices/status", singularName: "apiservice", namespaced: false, kind: "APIService", verbs: ["get", "patch", "update"] },
    ]);
    const agg = (await h.call("GET", "/apis", undefined, AGGREGATED)).body;
    expect(agg.items[0].metadata.name).toBe("apiregistration.k8s.io");
    const r = agg.items[0].versions[0].resources[0];
    expect([r.resource, r.scope, r.responseKind.kind, r.categories, r.subresources.map((s: Json) => s.subresource)])
      .toEqual(["apiservices", "Cluster", "APIService", ["api-extensions"], ["status"]]);
  });

  test("OpenAPI v3: the kube-aggregator schema names, required priorities, the conditions list-map", async () => {
    const index = (await h.call("GET", "/openapi/v3")).body;
    const doc = (await h.call("GET", index.paths["apis/apiregistration.k8s.io/v1"].serverRelativeURL)).body;
    const schemas = doc.components.schemas;
    const prefix = "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1";
    expect(schemas[`${prefix}.APIService`]["x-kubernetes-group-version-kind"]).toEqual([{ group: "apiregistration.k8s.io", kind: "APIService", version: "v1" }]);
    expect(schemas[`${prefix}.APIServiceSpec`].required).toEqual(["groupPriorityMinimum", "versionPriority"]);
    expect(schemas[`${prefix}.APIServiceSpec`].properties.caBundle).toMatchObject({ type: "string", format: "byte" });
    expect(schemas[`${prefix}.APIServiceCondition`].required).toEqual(["status", "type"]);
    expect(schemas[`${prefix}.APIServiceStatus`].properties.conditions).toMatchObject({
      type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"], "x-kubernetes-patch-merge-key": "type", "x-kubernetes-patch-strategy": "merge",
    });
    expect(Object.keys(doc.paths)).toContain("/apis/apiregistration.k8s.io/v1/apiservices/{name}/status");
  });

  test("the declared patch metadata agrees with the strategic-merge-patch engine's table", () => {
    const declared = patchMetaFor("apiregistration.k8s.io", "v1", "APIService")!;
    const table = builtinPatchMeta("apiregistration.k8s.io", "APIService");
    const p = ["status", "conditions"];
    expect({ strategy: declared.lookup(p)?.strategy, mergeKey: declared.lookup(p)?.mergeKey }).toEqual({ strategy: table.lookup(p)?.strategy, mergeKey: table.lookup(p)?.mergeKey });
  });
});

describe("autoregistered Local APIServices", () => {
  test("every served built-in group-version has a Local APIService, named <version>.<group> (v1. for the core API)", async () => {
    const list = (await h.call("GET", `${APISERVICES}?labelSelector=${encodeURIComponent(`${AUTOMANAGED}=onstart`)}`)).body;
    const names: string[] = list.items.map((s: Json) => s.metadata.name);
    expect(names).toEqual([
      "v1.", "v1.admissionregistration.k8s.io", "v1.apiextensions.k8s.io", "v1.apps", "v1.autoscaling", "v1.batch", "v1.certificates.k8s.io",
      "v1.coordination.k8s.io", "v1.discovery.k8s.io", "v1.events.k8s.io", "v1.flowcontrol.apiserver.k8s.io", "v1.networking.k8s.io", "v1.node.k8s.io", "v1.policy",
      "v1.rbac.authorization.k8s.io", "v1.scheduling.k8s.io", "v1.storage.k8s.io", "v2.autoscaling",
    ]);
    // The aggregator's own group has none (it is not served by the delegate kube-apiserver upstream).
    expect((await h.call("GET", `${APISERVICES}/v1.apiregistration.k8s.io`)).status).toBe(404);
    const core = (await h.call("GET", `${APISERVICES}/v1.`)).body;
    expect(core.metadata.labels).toEqual({ [AUTOMANAGED]: "onstart" });
    expect(core.spec).toEqual({ version: "v1", groupPriorityMinimum: 18000, versionPriority: 1 });
    expect(core.status.conditions).toEqual([
      { type: "Available", status: "True", lastTransitionTime: core.metadata.creationTimestamp, reason: "Local", message: "Local APIServices are always available" },
    ]);
    expect((await h.call("GET", `${APISERVICES}/v1.apps`)).body.spec).toEqual({ group: "apps", version: "v1", groupPriorityMinimum: 17800, versionPriority: 15 });
    expect((await h.call("GET", `${APISERVICES}/v2.autoscaling`)).body.spec).toEqual({ group: "autoscaling", version: "v2", groupPriorityMinimum: 17500, versionPriority: 30 });
  });

  test("at the next start: changed specs are put back, deleted ones recreated, stale onstart ones deleted, unlabelled ones kept", async () => {
    const store = createMemoryStore();
    const first = await startHarness({ store });
    const apps = (await first.call("GET", `${APISERVICES}/v1.apps`)).body;
    apps.spec.versionPriority = 99;
    expect((await first.call("PUT", `${APISERVICES}/v1.apps`, apps)).body.spec.versionPriority).toBe(99);
    expect((await first.call("DELETE", `${APISERVICES}/v1.batch`)).status).toBe(200);
    const stale = apiService("gone.example.com", "v1", { service: undefined, caBundle: undefined }, { [AUTOMANAGED]: "onstart" });
    expect((await first.call("POST", APISERVICES, stale)).status).toBe(201);
    const mine = apiService("mine.example.com", "v1", { service: undefined, caBundle: undefined });
    expect((await first.call("POST", APISERVICES, mine)).status).toBe(201);
    // While the server runs, onstart APIServices are left as they are.
    await Bun.sleep(30);
    expect((await first.call("GET", `${APISERVICES}/v1.apps`)).body.spec.versionPriority).toBe(99);
    expect((await first.call("GET", `${APISERVICES}/v1.batch`)).status).toBe(404);
    await first.server.close();

    const second = await startHarness({ store });
    try {
      const restored = (await second.call("GET", `${APISERVICES}/v1.apps`)).body;
      expect(restored.spec).toEqual({ group: "apps", version: "v1", groupPriorityMinimum: 17800, versionPriority: 15 });
      expect(restored.metadata.uid).toBe(apps.metadata.uid);
      expect((await second.call("GET", `${APISERVICES}/v1.batch`)).body.spec).toEqual({ group: "batch", version: "v1", groupPriorityMinimum: 17400, versionPriority: 15 });
      expect((await second.call("GET", `${APISERVICES}/v1.gone.example.com`)).status).toBe(404);
      expect((await second.call("GET", `${APISERVICES}/v1.mine.example.com`)).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  test("each served CRD version has an APIService (automanaged true, 1000/100), kept in step with the CRD", async () => {
    const crd = cronTabCRD();
    crd.spec.versions = [
      { ...crd.spec.versions[0], name: "v2" },
      { ...crd.spec.versions[0], name: "v1", storage: false },
      { ...crd.spec.versions[0], name: "v1beta1", storage: false, served: false },
    ];
    await installCRD(h, crd);
    const v2 = await until(() => h.call("GET", `${APISERVICES}/v2.stable.example.com`), (r) => r.status === 200, "v2.stable.example.com");
    expect(v2.body.metadata.labels).toEqual({ [AUTOMANAGED]: "true" });
    expect(v2.body.spec).toEqual({ group: "stable.example.com", version: "v2", groupPriorityMinimum: 1000, versionPriority: 100 });
    expect(v2.body.status.conditions[0]).toMatchObject({ type: "Available", status: "True", reason: "Local" });
    await until(() => h.call("GET", `${APISERVICES}/v1.stable.example.com`), (r) => r.status === 200, "v1.stable.example.com");
    expect((await h.call("GET", `${APISERVICES}/v1beta1.stable.example.com`)).status).toBe(404);

    // A changed spec is put back, a deleted APIService comes back.
    await h.call("PATCH", `${APISERVICES}/v2.stable.example.com`, { spec: { groupPriorityMinimum: 5 } }, MERGE);
    await until(() => h.call("GET", `${APISERVICES}/v2.stable.example.com`), (r) => r.body.spec.groupPriorityMinimum === 1000, "the spec put back");
    await h.call("DELETE", `${APISERVICES}/v1.stable.example.com`);
    await until(() => h.call("GET", `${APISERVICES}/v1.stable.example.com`), (r) => r.status === 200, "v1.stable.example.com back");

    // A version no longer served loses its APIService; deleting the CRD removes the rest.
    const stored = (await h.call("GET", `${CRDS}/crontabs.stable.example.com`)).body;
    stored.spec.versions[1].served = false;
    expect((await h.call("PUT", `${CRDS}/crontabs.stable.example.com`, stored)).status).toBe(200);
    await until(() => h.call("GET", `${APISERVICES}/v1.stable.example.com`), (r) => r.status === 404, "v1.stable.example.com gone");
    expect((await h.call("DELETE", `${CRDS}/crontabs.stable.example.com`)).status).toBe(200);
    await until(() => h.call("GET", `${APISERVICES}/v2.stable.example.com`), (r) => r.status === 404, "v2.stable.example.com gone");
  });
});

describe("APIService objects", () => {
  test("create applies defaults and resets status; get, list by label, update, status update, patch, delete", async () => {
    const name = "v1alpha1.wardle.example.com";
    const body = { ...apiService("wardle.example.com", "v1alpha1", {}, { "e2e-apiservice-test": "lifecycle" }), status: { conditions: [{ type: "Available", status: "True" }] } };
    const created = await h.call("POST", APISERVICES, body);
    expect(created.status).toBe(201);
    expect(created.body.spec).toEqual({
      service: { namespace: "wardle", name: "sample-api", port: 443 }, group: "wardle.example.com", version: "v1alpha1",
      caBundle: "Y2E=", groupPriorityMinimum: 2000, versionPriority: 200,
    });
    expect(created.body.status).toEqual({});
    expect(created.body.metadata.generation).toBeUndefined();
    expect((await h.call("GET", `${APISERVICES}/${name}`)).body).toEqual(created.body);
    const list = (await h.call("GET", `${APISERVICES}?labelSelector=e2e-apiservice-test%3Dlifecycle`)).body;
    expect(list.kind).toBe("APIServiceList");
    expect(list.items.map((s: Json) => s.metadata.name)).toEqual([name]);

    // Status through /status: only the status changes (spec and labels of the request are ignored).
    const current = (await h.call("GET", `${APISERVICES}/${name}`)).body;
    const condition = { type: "Available", status: "False", lastTransitionTime: "2025-01-01T00:00:00Z", reason: "MissingEndpoints", message: "endpoints for service/sample-api in \"wardle\" have no addresses" };
    const statusPut = await h.call("PUT", `${APISERVICES}/${name}/status`, {
      ...current, metadata: { ...current.metadata, labels: { changed: "yes" } }, spec: { ...current.spec, versionPriority: 1 }, status: { conditions: [condition] },
    });
    expect(statusPut.status).toBe(200);
    expect(statusPut.body.status).toEqual({ conditions: [condition] });
    expect(statusPut.body.spec.versionPriority).toBe(200);
    expect(statusPut.body.metadata.labels).toEqual({ "e2e-apiservice-test": "lifecycle" });
    // A strategic merge patch of /status merges conditions by type.
    const patched = await h.call("PATCH", `${APISERVICES}/${name}/status`, { status: { conditions: [{ type: "Ready", status: "Unknown" }] } }, STRATEGIC);
    expect(patched.status).toBe(200);
    expect(patched.body.status.conditions.map((c: Json) => c.type).sort()).toEqual(["Available", "Ready"]);

    // The main resource: spec and metadata change, the status is kept.
    const main = (await h.call("GET", `${APISERVICES}/${name}`)).body;
    const updated = await h.call("PUT", `${APISERVICES}/${name}`, { ...main, spec: { ...main.spec, versionPriority: 300 }, status: { conditions: [] } });
    expect(updated.status).toBe(200);
    expect(updated.body.spec.versionPriority).toBe(300);
    expect(updated.body.status.conditions).toHaveLength(2);
    const labelled = await h.call("PATCH", `${APISERVICES}/${name}`, { metadata: { labels: { "e2e-apiservice-test": "patched" } } }, MERGE);
    expect(labelled.body.metadata.labels).toEqual({ "e2e-apiservice-test": "patched" });

    expect((await h.call("DELETE", `${APISERVICES}/${name}`)).body).toMatchObject({ kind: "Status", status: "Success" });
    expect((await h.call("GET", `${APISERVICES}/${name}`)).status).toBe(404);
  });

  test("a Local APIService created through the API is Available at once", async () => {
    const r = await h.call("POST", APISERVICES, apiService("local.example.com", "v1", { service: undefined, caBundle: undefined, groupPriorityMinimum: 100, versionPriority: 10 }));
    expect(r.status).toBe(201);
    expect(r.body.status.conditions).toEqual([{ type: "Available", status: "True", lastTransitionTime: r.body.metadata.creationTimestamp, reason: "Local", message: "Local APIServices are always available" }]);
  });

  test("Local APIServices stay Available with reason Local (upstream's local availability controller)", async () => {
    const created = (await h.call("POST", APISERVICES, apiService("becomes-local.example.com", "v1"))).body;
    expect(created.status).toEqual({});
    // Dropping the service makes it Local: it becomes Available.
    const local = await h.call("PUT", `${APISERVICES}/v1.becomes-local.example.com`, { ...created, spec: { ...created.spec, service: undefined, caBundle: undefined } });
    expect(local.status).toBe(200);
    const available = await until(() => h.call("GET", `${APISERVICES}/v1.becomes-local.example.com`), (r) => r.body.status.conditions?.[0]?.status === "True", "Available");
    expect(available.body.status.conditions).toEqual([{ type: "Available", status: "True", lastTransitionTime: expect.any(String), reason: "Local", message: "Local APIServices are always available" }]);
    // A status written by someone else is put back.
    const current = available.body;
    await h.call("PUT", `${APISERVICES}/v1.becomes-local.example.com/status`, { ...current, status: { conditions: [{ type: "Available", status: "False", reason: "Mine", message: "" }] } });
    await until(() => h.call("GET", `${APISERVICES}/v1.becomes-local.example.com`), (r) => r.body.status.conditions?.[0]?.reason === "Local", "reason Local again");
  });

  test("a name other than <version>.<group> is 422 Invalid", async () => {
    const body = apiService("wardle.example.com", "v1alpha1");
    body.metadata.name = "wardle";
    const r = await h.call("POST", APISERVICES, body);
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ kind: "Status", status: "Failure", reason: "Invalid", code: 422, details: { name: "wardle", group: "apiregistration.k8s.io", kind: "APIService" } });
    expect(r.body.details.causes).toEqual([
      { reason: "FieldValueInvalid", field: "metadata.name", message: 'Invalid value: "wardle": must be `spec.version+"."+spec.group`: "v1alpha1.wardle.example.com"' },
    ]);
    expect(r.body.message).toBe('APIService.apiregistration.k8s.io "wardle" is invalid: metadata.name: Invalid value: "wardle": must be `spec.version+"."+spec.group`: "v1alpha1.wardle.example.com"');
  });

  test("invalid specs and statuses are 422 with upstream's causes; updates need a resourceVersion", async () => {
    const bad = apiService("bad.example.com", "v1", { service: { namespace: "", name: "svc", port: 70000 }, insecureSkipTLSVerify: true, groupPriorityMinimum: 0 });
    const r = await h.call("POST", APISERVICES, bad);
    expect(r.status).toBe(422);
    expect(r.body.details.causes).toEqual([
      { reason: "FieldValueInvalid", field: "spec.groupPriorityMinimum", message: "Invalid value: 0: must be positive and less than 20000" },
      { reason: "FieldValueRequired", field: "spec.service.namespace", message: "Required value" },
      { reason: "FieldValueInvalid", field: "spec.service.port", message: "Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive" },
      { reason: "FieldValueInvalid", field: "spec.insecureSkipTLSVerify", message: "Invalid value: true: may not be true if caBundle is present" },
    ]);
    const created = (await h.call("POST", APISERVICES, apiService("rv.example.com", "v1"))).body;
    const { resourceVersion: _rv, ...meta } = created.metadata;
    const noRV = await h.call("PUT", `${APISERVICES}/v1.rv.example.com`, { ...created, metadata: meta });
    expect(noRV.status).toBe(422);
    expect(noRV.body.message).toContain("metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
    const noRVStatus = await h.call("PUT", `${APISERVICES}/v1.rv.example.com/status`, { ...created, metadata: meta });
    expect(noRVStatus.status).toBe(422);
    expect((await h.call("PUT", `${APISERVICES}/v1.not-there`, apiService("not-there", "v1"))).status).toBe(404);
    const badStatus = await h.call("PUT", `${APISERVICES}/v1.rv.example.com/status`, { ...created, status: { conditions: [{ type: "Available", status: "Maybe" }] } });
    expect(badStatus.status).toBe(422);
    expect(badStatus.body.details.causes).toEqual([
      { reason: "FieldValueNotSupported", field: "status.conditions[0].status", message: 'Unsupported value: "Maybe": supported values: "True", "False", "Unknown"' },
    ]);
  });

  test("Table: NAME, SERVICE (namespace/name or Local), AVAILABLE (False with the reason), AGE", async () => {
    const withService = (await h.call("POST", APISERVICES, apiService("table.example.com", "v1"))).body;
    const failing = (await h.call("POST", APISERVICES, apiService("table.example.com", "v2"))).body;
    await h.call("PUT", `${APISERVICES}/v2.table.example.com/status`, { ...failing, status: { conditions: [{ type: "Available", status: "False", reason: "FailedDiscoveryCheck", message: "no response" }] } });
    const t = (await h.call("GET", APISERVICES, undefined, TABLE)).body;
    expect(t.columnDefinitions.map((c: Json) => [c.name, c.type, c.format, c.priority, c.description.slice(0, 40)])).toEqual([
      ["Name", "string", "name", 0, "Name must be unique within a namespace. "],
      ["Service", "string", "", 0, "The reference to the service that hosts "],
      ["Available", "string", "", 0, "Whether this service is available."],
      ["Age", "string", "", 0, "CreationTimestamp is a timestamp represe"],
    ]);
    const row = (n: string) => t.rows.find((r: Json) => r.cells[0] === n)?.cells;
    expect(row("v1.")).toEqual(["v1.", "Local", "True", expect.stringMatching(/^\d+s$/)]);
    expect(row(withService.metadata.name).slice(0, 3)).toEqual(["v1.table.example.com", "wardle/sample-api", "Unknown"]);
    expect(row("v2.table.example.com").slice(0, 3)).toEqual(["v2.table.example.com", "wardle/sample-api", "False (FailedDiscoveryCheck)"]);
  });

  test("a protobuf APIService decodes with upstream's field numbers (7 and 8 for the priorities)", async () => {
    const spec: PbValue[] = [
      { n: 1, msg: [{ n: 1, str: "wardle" }, { n: 2, str: "sample-api" }, { n: 3, varint: 8443 }] },
      { n: 2, str: "pb.example.com" }, { n: 3, str: "v1beta1" }, { n: 4, varint: 1 },
      { n: 7, varint: 1500 }, { n: 8, varint: 20 },
    ];
    const body = k8sBody("apiregistration.k8s.io/v1", "APIService", [{ n: 1, msg: [{ n: 1, str: "v1beta1.pb.example.com" }] }, { n: 2, msg: spec }]);
    const res = await h.server.handle(new Request(`https://lite.test${APISERVICES}`, { method: "POST", body, headers: { "content-type": "application/vnd.kubernetes.protobuf", accept: "application/json" } }), ADMIN);
    const created = await res.json() as Json;
    expect(res.status).toBe(201);
    expect(created.spec).toEqual({
      service: { namespace: "wardle", name: "sample-api", port: 8443 }, group: "pb.example.com", version: "v1beta1",
      insecureSkipTLSVerify: true, groupPriorityMinimum: 1500, versionPriority: 20,
    });
  });
});
