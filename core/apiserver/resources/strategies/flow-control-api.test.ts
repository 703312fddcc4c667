/**
 * FlowSchemas and PriorityLevelConfigurations through the in-process API server: discovery, OpenAPI, the
 * upstream conformance tests' API operations (CRUD, watch, patch, status, deletecollection), defaults,
 * generation, Invalid errors, Tables, protobuf bodies, the bootstrap configuration the server keeps and
 * the FlowSchemas' Dangling condition.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { patchMetaFor } from "@lite/sdk";
import { createMemoryStore } from "../../../store/memory.ts";
import { builtinPatchMeta } from "../../machinery/builtin-patch-meta.ts";
import { k8sBody, type PbValue } from "../../protobuf/test-encoder.ts";
import { ADMIN, readEvents, startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const GROUP = "flowcontrol.apiserver.k8s.io";
const GV = `/apis/${GROUP}/v1`;
const FLOW_SCHEMAS = `${GV}/flowschemas`;
const PRIORITY_LEVELS = `${GV}/prioritylevelconfigurations`;
const TABLE = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" };
const AGGREGATED = { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" };
const MERGE = { "content-type": "application/merge-patch+json" };
const STRATEGIC = { "content-type": "application/strategic-merge-patch+json" };
const AUTO_UPDATE = "apf.kubernetes.io/autoupdate-spec";

// biome-ignore lint: test fixtures are open JSON.
type Json = Record<string, any>;

function flowSchema(metadata: Json, spec: Json = {}): Json {
  return {
    apiVersion: `${GROUP}/v1`, kind: "FlowSchema", metadata,
    spec: {
      matchingPrecedence: 10000, priorityLevelConfiguration: { name: "global-default" }, distinguisherMethod: { type: "ByUser" },
      rules: [{ subjects: [{ kind: "User", user: { name: "example-e2e-non-existent-user" } }], nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }] }],
      ...spec,
    },
  };
}

function priorityLevel(metadata: Json, spec: Json = {}): Json {
  return {
    apiVersion: `${GROUP}/v1`, kind: "PriorityLevelConfiguration", metadata,
    spec: { type: "Limited", limited: { nominalConcurrencyShares: 2, limitResponse: { type: "Reject" } }, ...spec },
  };
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await read();
    if (ok(v)) return v;
    await Bun.sleep(10);
  }
  throw new Error(`gave up waiting for ${what}`);
}

const get = (path: string) => h.call("GET", path);
const dangling = (fs: Json) => (fs.status?.conditions ?? []).find((c: Json) => c.type === "Dangling");
const watch = (path: string, query: string) => h.server.handle(new Request(`https://lite.test${path}?watch=true&${query}`), ADMIN);

/** The discovery steps both conformance tests start with. */
async function expectDiscovery(resource: string): Promise<void> {
  const groups = (await get("/apis")).body.groups;
  const group = groups.find((g: Json) => g.name === GROUP);
  expect(group?.versions).toEqual([{ groupVersion: `${GROUP}/v1`, version: "v1" }]);
  expect((await get(`/apis/${GROUP}`)).body).toMatchObject({ kind: "APIGroup", name: GROUP, preferredVersion: { groupVersion: `${GROUP}/v1`, version: "v1" } });
  const names = (await get(GV)).body.resources.map((r: Json) => r.name);
  expect(names).toContain(resource);
  expect(names).toContain(`${resource}/status`);
}

describe("discovery and OpenAPI", () => {
  test("flowcontrol.apiserver.k8s.io is the last group of /apis, with both kinds and their status subresources", async () => {
    const names: string[] = (await get("/apis")).body.groups.map((g: Json) => g.name);
    // Upstream group priority: discovery.k8s.io, then flowcontrol.apiserver.k8s.io.
    expect(names.at(-1)).toBe(GROUP);
    expect(names.at(-2)).toBe("discovery.k8s.io");
    const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    const status = ["get", "patch", "update"];
    expect((await get(GV)).body.resources).toEqual([
      { name: "flowschemas", singularName: "flowschema", namespaced: false, kind: "FlowSchema", verbs },
      { name: "flowschemas/status", singularName: "flowschema", namespaced: false, kind: "FlowSchema", verbs: status },
      { name: "prioritylevelconfigurations", singularName: "prioritylevelconfiguration", namespaced: false, kind: "PriorityLevelConfiguration", verbs },
      { name: "prioritylevelconfigurations/status", singularName: "prioritylevelconfiguration", namespaced: false, kind: "PriorityLevelConfiguration", verbs: status },
    ]);
    const agg = (await h.call("GET", "/apis", undefined, AGGREGATED)).body;
    const group = agg.items.find((i: Json) => i.metadata.name === GROUP);
    expect(group.versions[0].resources.map((r: Json) => [r.resource, r.scope, r.responseKind.kind, r.subresources.map((s: Json) => s.subresource)])).toEqual([
      ["flowschemas", "Cluster", "FlowSchema", ["status"]],
      ["prioritylevelconfigurations", "Cluster", "PriorityLevelConfiguration", ["status"]],
    ]);
  });

  test("OpenAPI v3: both kinds, upstream's required fields, the conditions list-maps, the status paths", async () => {
    const index = (await get("/openapi/v3")).body;
    const doc = (await get(index.paths[`apis/${GROUP}/v1`].serverRelativeURL)).body;
    const schemas = doc.components.schemas;
    const p = "io.k8s.api.flowcontrol.v1";
    expect(schemas[`${p}.FlowSchema`]["x-kubernetes-group-version-kind"]).toEqual([{ group: GROUP, kind: "FlowSchema", version: "v1" }]);
    expect(schemas[`${p}.PriorityLevelConfiguration`]["x-kubernetes-group-version-kind"]).toEqual([{ group: GROUP, kind: "PriorityLevelConfiguration", version: "v1" }]);
    expect(schemas[`${p}.FlowSchemaSpec`].required).toEqual(["priorityLevelConfiguration"]);
    expect(schemas[`${p}.ResourcePolicyRule`].required).toEqual(["apiGroups", "resources", "verbs"]);
    expect(schemas[`${p}.NonResourcePolicyRule`].required).toEqual(["nonResourceURLs", "verbs"]);
    expect(schemas[`${p}.PriorityLevelConfigurationSpec`].required).toEqual(["type"]);
    expect(schemas[`${p}.FlowSchemaCondition`].required).toBeUndefined();
    for (const kind of ["FlowSchemaStatus", "PriorityLevelConfigurationStatus"]) {
      expect(schemas[`${p}.${kind}`].properties.conditions).toMatchObject({
        type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"], "x-kubernetes-patch-merge-key": "type", "x-kubernetes-patch-strategy": "merge",
      });
    }
    expect(schemas[`${p}.ResourcePolicyRule`].properties.verbs["x-kubernetes-list-type"]).toBe("set");
    expect(Object.keys(doc.paths)).toContain(`${GV}/flowschemas/{name}/status`);
    expect(Object.keys(doc.paths)).toContain(`${GV}/prioritylevelconfigurations/{name}/status`);
  });

  test("the declared patch metadata agrees with the strategic-merge-patch engine's table", () => {
    for (const kind of ["FlowSchema", "PriorityLevelConfiguration"]) {
      const declared = patchMetaFor(GROUP, "v1", kind)!;
      const table = builtinPatchMeta(GROUP, kind);
      const path = ["status", "conditions"];
      expect({ strategy: declared.lookup(path)?.strategy, mergeKey: declared.lookup(path)?.mergeKey }).toEqual({ strategy: table.lookup(path)?.strategy, mergeKey: table.lookup(path)?.mergeKey });
    }
  });
});

describe("conformance", () => {
  test("[sig-api-machinery] API priority and fairness should support FlowSchema API operations [Conformance]", async () => {
    await expectDiscovery("flowschemas");
    const label = "example-e2e-fs-label=fs-api-ops";
    const selector = `labelSelector=${encodeURIComponent(label)}`;
    const template = flowSchema({ generateName: "e2e-example-fs-", labels: { "example-e2e-fs-label": "fs-api-ops" } });

    // creating, getting, listing
    const created: Json[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await h.call("POST", FLOW_SCHEMAS, template);
      expect(r.status).toBe(201);
      created.push(r.body);
    }
    const fsCreated = created[2]!;
    expect(fsCreated.metadata.name).toStartWith("e2e-example-fs-");
    expect((await get(`${FLOW_SCHEMAS}/${fsCreated.metadata.name}`)).body.metadata.uid).toBe(fsCreated.metadata.uid);
    const list = (await get(`${FLOW_SCHEMAS}?${selector}`)).body;
    expect(list.kind).toBe("FlowSchemaList");
    expect(list.items).toHaveLength(3);

    // watching from the list, then patching and updating
    const events = readEvents(await watch(FLOW_SCHEMAS, `resourceVersion=${list.metadata.resourceVersion}&${selector}`), 50, 800);
    const patched = await h.call("PATCH", `${FLOW_SCHEMAS}/${fsCreated.metadata.name}`, { metadata: { annotations: { patched: "true" } }, spec: { matchingPrecedence: 9999 } }, MERGE);
    expect(patched.status).toBe(200);
    expect(patched.body.metadata.annotations).toMatchObject({ patched: "true" });
    expect(patched.body.spec.matchingPrecedence).toBe(9999);
    const toUpdate = (await get(`${FLOW_SCHEMAS}/${fsCreated.metadata.name}`)).body;
    toUpdate.metadata.annotations.updated = "true";
    toUpdate.spec.matchingPrecedence = 9000;
    const updated = await h.call("PUT", `${FLOW_SCHEMAS}/${fsCreated.metadata.name}`, toUpdate);
    expect(updated.status).toBe(200);
    expect(updated.body.metadata.annotations).toMatchObject({ updated: "true" });
    expect(updated.body.spec.matchingPrecedence).toBe(9000);
    const seen = await events;
    // Every event is a modification (the Dangling condition written by the server is one too), and one carries the patch.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((e) => e.type === "MODIFIED")).toBe(true);
    expect(seen.some((e) => e.object.metadata.annotations?.patched === "true")).toBe(true);

    // getting, patching and updating /status
    const statusRead = await get(`${FLOW_SCHEMAS}/${fsCreated.metadata.name}/status`);
    expect(statusRead.body).toMatchObject({ apiVersion: `${GROUP}/v1`, kind: "FlowSchema", metadata: { uid: fsCreated.metadata.uid } });
    const statusPatched = await h.call("PATCH", `${FLOW_SCHEMAS}/${fsCreated.metadata.name}/status`, { status: { conditions: [{ type: "PatchStatusFailed", status: "False", reason: "e2e" }] } }, MERGE);
    expect(statusPatched.status).toBe(200);
    expect(statusPatched.body.status.conditions).toContainEqual({ type: "PatchStatusFailed", status: "False", reason: "e2e" });
    let statusUpdated: Json | undefined;
    for (let attempt = 0; attempt < 5 && !statusUpdated; attempt++) {
      const fs = (await get(`${FLOW_SCHEMAS}/${fsCreated.metadata.name}`)).body;
      fs.status.conditions = [...(fs.status.conditions ?? []), { type: "StatusUpdateFailed", status: "False", reason: "E2E", message: "Set from an e2e test" }];
      const r = await h.call("PUT", `${FLOW_SCHEMAS}/${fsCreated.metadata.name}/status`, fs);
      if (r.status === 200) statusUpdated = r.body;
      else expect(r.status).toBe(409); // the server's Dangling condition raced us: get and retry, as RetryOnConflict does
    }
    expect(statusUpdated?.status.conditions).toContainEqual({ type: "StatusUpdateFailed", status: "False", reason: "E2E", message: "Set from an e2e test" });

    // deleting one, then the collection
    expect((await h.call("DELETE", `${FLOW_SCHEMAS}/${fsCreated.metadata.name}`)).status).toBe(200);
    expect((await get(`${FLOW_SCHEMAS}/${fsCreated.metadata.name}`)).status).toBe(404);
    expect((await get(`${FLOW_SCHEMAS}?${selector}`)).body.items).toHaveLength(2);
    expect((await h.call("DELETE", `${FLOW_SCHEMAS}?${selector}`)).status).toBe(200);
    expect((await get(`${FLOW_SCHEMAS}?${selector}`)).body.items).toEqual([]);
  });

  test("[sig-api-machinery] API priority and fairness should support PriorityLevelConfiguration API operations [Conformance]", async () => {
    await expectDiscovery("prioritylevelconfigurations");
    const selector = `labelSelector=${encodeURIComponent("example-e2e-plc-label=plc-api-ops")}`;
    const template = priorityLevel({ generateName: "e2e-example-plc-", labels: { "example-e2e-plc-label": "plc-api-ops" } });

    const created: Json[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await h.call("POST", PRIORITY_LEVELS, template);
      expect(r.status).toBe(201);
      created.push(r.body);
    }
    const plcCreated = created[2]!;
    expect(plcCreated.spec).toEqual({ type: "Limited", limited: { nominalConcurrencyShares: 2, lendablePercent: 0, limitResponse: { type: "Reject" } } });
    expect((await get(`${PRIORITY_LEVELS}/${plcCreated.metadata.name}`)).body.metadata.uid).toBe(plcCreated.metadata.uid);
    const list = (await get(`${PRIORITY_LEVELS}?${selector}`)).body;
    expect(list.kind).toBe("PriorityLevelConfigurationList");
    expect(list.items).toHaveLength(3);

    const events = readEvents(await watch(PRIORITY_LEVELS, `resourceVersion=${list.metadata.resourceVersion}&${selector}`), 50, 800);
    const patched = await h.call("PATCH", `${PRIORITY_LEVELS}/${plcCreated.metadata.name}`, { metadata: { annotations: { patched: "true" } }, spec: { limited: { nominalConcurrencyShares: 4 } } }, MERGE);
    expect(patched.status).toBe(200);
    expect(patched.body.metadata.annotations).toMatchObject({ patched: "true" });
    expect(patched.body.spec.limited.nominalConcurrencyShares).toBe(4);
    const toUpdate = (await get(`${PRIORITY_LEVELS}/${plcCreated.metadata.name}`)).body;
    toUpdate.metadata.annotations.updated = "true";
    toUpdate.spec.limited.nominalConcurrencyShares = 5;
    const updated = await h.call("PUT", `${PRIORITY_LEVELS}/${plcCreated.metadata.name}`, toUpdate);
    expect(updated.status).toBe(200);
    expect(updated.body.metadata.annotations).toMatchObject({ updated: "true" });
    expect(updated.body.spec.limited.nominalConcurrencyShares).toBe(5);
    const seen = await events;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((e) => e.type === "MODIFIED")).toBe(true);
    expect(seen.some((e) => e.object.metadata.annotations?.patched === "true")).toBe(true);

    const statusRead = await get(`${PRIORITY_LEVELS}/${plcCreated.metadata.name}/status`);
    expect(statusRead.body).toMatchObject({ apiVersion: `${GROUP}/v1`, kind: "PriorityLevelConfiguration", metadata: { uid: plcCreated.metadata.uid } });
    const statusPatched = await h.call("PATCH", `${PRIORITY_LEVELS}/${plcCreated.metadata.name}/status`, { status: { conditions: [{ type: "PatchStatusFailed", status: "False", reason: "e2e" }] } }, MERGE);
    expect(statusPatched.body.status.conditions).toEqual([{ type: "PatchStatusFailed", status: "False", reason: "e2e" }]);
    const plc = (await get(`${PRIORITY_LEVELS}/${plcCreated.metadata.name}`)).body;
    plc.status.conditions.push({ type: "StatusUpdateFailed", status: "False", reason: "E2E", message: "Set from an e2e test" });
    const statusUpdated = await h.call("PUT", `${PRIORITY_LEVELS}/${plcCreated.metadata.name}/status`, plc);
    expect(statusUpdated.status).toBe(200);
    expect(statusUpdated.body.status.conditions.map((c: Json) => c.type)).toEqual(["PatchStatusFailed", "StatusUpdateFailed"]);

    expect((await h.call("DELETE", `${PRIORITY_LEVELS}/${plcCreated.metadata.name}`)).status).toBe(200);
    expect((await get(`${PRIORITY_LEVELS}/${plcCreated.metadata.name}`)).status).toBe(404);
    expect((await get(`${PRIORITY_LEVELS}?${selector}`)).body.items).toHaveLength(2);
    expect((await h.call("DELETE", `${PRIORITY_LEVELS}?${selector}`)).status).toBe(200);
    expect((await get(`${PRIORITY_LEVELS}?${selector}`)).body.items).toEqual([]);
  });
});

describe("objects", () => {
  test("create applies the v1 defaults, clears status and sets generation 1; spec changes bump it, status and metadata do not", async () => {
    const body = { ...flowSchema({ name: "gen" }, { matchingPrecedence: undefined }), status: { conditions: [{ type: "Mine", status: "True" }] } };
    const created = await h.call("POST", FLOW_SCHEMAS, body);
    expect(created.status).toBe(201);
    expect(created.body.spec.matchingPrecedence).toBe(1000);
    expect(created.body.status).toEqual({});
    expect(created.body.metadata.generation).toBe(1);
    await until(() => get(`${FLOW_SCHEMAS}/gen`), (r) => dangling(r.body) !== undefined, "the Dangling condition");
    expect((await h.call("PATCH", `${FLOW_SCHEMAS}/gen`, { metadata: { labels: { a: "b" } } }, MERGE)).body.metadata.generation).toBe(1);
    // Writes of the main resource keep the status; writes of /status keep the spec.
    const main = await h.call("PATCH", `${FLOW_SCHEMAS}/gen`, { spec: { matchingPrecedence: 500 }, status: { conditions: [] } }, MERGE);
    expect(main.body.metadata.generation).toBe(2);
    expect(dangling(main.body)).toMatchObject({ status: "False", reason: "Found" });
    const status = await h.call("PATCH", `${FLOW_SCHEMAS}/gen/status`, { spec: { matchingPrecedence: 7 }, status: { conditions: [{ type: "Mine", status: "True" }] } }, STRATEGIC);
    expect(status.body.spec.matchingPrecedence).toBe(500);
    expect(status.body.metadata.generation).toBe(2);
    expect(status.body.status.conditions.map((c: Json) => c.type)).toEqual(["Mine", "Dangling"]);

    const pl = await h.call("POST", PRIORITY_LEVELS, priorityLevel({ name: "queued" }, { limited: { limitResponse: { type: "Queue", queuing: { queues: 16 } } } }));
    expect(pl.status).toBe(201);
    expect(pl.body.spec).toEqual({ type: "Limited", limited: { limitResponse: { type: "Queue", queuing: { queues: 16, handSize: 8, queueLengthLimit: 50 } }, nominalConcurrencyShares: 30, lendablePercent: 0 } });
    expect(pl.body.metadata.generation).toBe(1);
    // Unconditional updates are allowed (upstream AllowUnconditionalUpdate); PUT does not create.
    const { resourceVersion: _rv, ...meta } = pl.body.metadata;
    const put = await h.call("PUT", `${PRIORITY_LEVELS}/queued`, { ...pl.body, metadata: meta, spec: { ...pl.body.spec, limited: { ...pl.body.spec.limited, lendablePercent: 10 } } });
    expect(put.status).toBe(200);
    expect(put.body.metadata.generation).toBe(2);
    expect((await h.call("PUT", `${PRIORITY_LEVELS}/not-there`, priorityLevel({ name: "not-there" }))).status).toBe(404);
  });

  test("an invalid object is 422 Invalid with upstream's field causes", async () => {
    const r = await h.call("POST", FLOW_SCHEMAS, flowSchema({ name: "invalid" }, {
      matchingPrecedence: 1, priorityLevelConfiguration: { name: "" },
      rules: [{ subjects: [{ kind: "Group" }], resourceRules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] }],
    }));
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ kind: "Status", status: "Failure", reason: "Invalid", code: 422, details: { name: "invalid", group: GROUP, kind: "FlowSchema" } });
    expect(r.body.details.causes).toEqual([
      { reason: "FieldValueInvalid", field: "spec.matchingPrecedence", message: "Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1" },
      { reason: "FieldValueRequired", field: "spec.priorityLevelConfiguration.name", message: "Required value: must reference a priority level" },
      { reason: "FieldValueRequired", field: "spec.rules[0].subjects[0].group", message: "Required value: group is required when subject kind is 'Group'" },
      { reason: "FieldValueRequired", field: "spec.rules[0].resourceRules[0].namespaces", message: "Required value: resource rules that are not cluster scoped must supply at least one namespace" },
    ]);
    expect(r.body.message).toStartWith('FlowSchema.flowcontrol.apiserver.k8s.io "invalid" is invalid: [spec.matchingPrecedence: Invalid value: 1');
    const pl = await h.call("POST", PRIORITY_LEVELS, priorityLevel({ name: "invalid" }, { limited: { nominalConcurrencyShares: -1, limitResponse: { type: "Queue" } } }));
    expect(pl.status).toBe(422);
    expect(pl.body.details.causes).toEqual([
      { reason: "FieldValueInvalid", field: "spec.limited.nominalConcurrencyShares", message: "Invalid value: -1: must be a non-negative integer" },
      { reason: "FieldValueRequired", field: "spec.limited.limitResponse.queuing", message: "Required value: must not be empty if limited.limitResponse.type is Limited" },
    ]);
  });

  test("fieldValidation=Strict rejects unknown fields inside the spec", async () => {
    const r = await h.call("POST", `${PRIORITY_LEVELS}?fieldValidation=Strict`, priorityLevel({ name: "strict" }, { limited: { shares: 3, limitResponse: { type: "Reject" } } }));
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('strict decoding error: unknown field "spec.limited.shares"');
  });

  test("Table: FlowSchemas in matching order with NAME, PRIORITYLEVEL, MATCHINGPRECEDENCE, DISTINGUISHERMETHOD, AGE, MISSINGPL", async () => {
    await h.call("POST", FLOW_SCHEMAS, flowSchema({ name: "table-missing" }, { matchingPrecedence: 5000, priorityLevelConfiguration: { name: "no-such-level" }, distinguisherMethod: undefined }));
    await until(() => get(`${FLOW_SCHEMAS}/table-missing`), (r) => dangling(r.body) !== undefined, "the Dangling condition");
    const t = (await h.call("GET", FLOW_SCHEMAS, undefined, TABLE)).body;
    expect(t.columnDefinitions.map((c: Json) => [c.name, c.type, c.format, c.priority])).toEqual([
      ["Name", "string", "name", 0], ["PriorityLevel", "string", "", 0], ["MatchingPrecedence", "string", "", 0],
      ["DistinguisherMethod", "string", "", 0], ["Age", "string", "", 0], ["MissingPL", "string", "", 0],
    ]);
    expect(t.columnDefinitions[5].description).toBe("references a broken or non-existent PriorityLevelConfiguration");
    const rows = t.rows.map((r: Json) => r.cells);
    const precedences = rows.map((c: unknown[]) => c[2] as number);
    expect(precedences).toEqual([...precedences].sort((a, b) => a - b));
    expect(rows[0].slice(0, 4)).toEqual(["exempt", "exempt", 1, "<none>"]);
    expect(rows.at(-1).slice(0, 4)).toEqual(["catch-all", "catch-all", 10000, "ByUser"]);
    expect(rows.find((c: unknown[]) => c[0] === "kube-controller-manager")).toEqual(["kube-controller-manager", "workload-high", 800, "ByNamespace", expect.stringMatching(/^\d+s$/), "False"]);
    expect(rows.find((c: unknown[]) => c[0] === "kube-scheduler")[2]).toBe(800);
    expect(rows.findIndex((c: unknown[]) => c[0] === "kube-controller-manager")).toBeLessThan(rows.findIndex((c: unknown[]) => c[0] === "kube-scheduler"));
    expect(rows.find((c: unknown[]) => c[0] === "table-missing")).toEqual(["table-missing", "no-such-level", 5000, "<none>", expect.stringMatching(/^\d+s$/), "True"]);
  });

  test("Table: PriorityLevelConfigurations with NAME, TYPE, NOMINALCONCURRENCYSHARES, QUEUES, HANDSIZE, QUEUELENGTHLIMIT, AGE", async () => {
    const t = (await h.call("GET", PRIORITY_LEVELS, undefined, TABLE)).body;
    expect(t.columnDefinitions.map((c: Json) => [c.name, c.type])).toEqual([
      ["Name", "string"], ["Type", "string"], ["NominalConcurrencyShares", "string"], ["Queues", "string"], ["HandSize", "string"], ["QueueLengthLimit", "string"], ["Age", "string"],
    ]);
    const row = (n: string) => t.rows.find((r: Json) => r.cells[0] === n).cells.slice(0, 6);
    expect(row("exempt")).toEqual(["exempt", "Exempt", "<none>", "<none>", "<none>", "<none>"]);
    expect(row("catch-all")).toEqual(["catch-all", "Limited", 5, "<none>", "<none>", "<none>"]);
    expect(row("workload-low")).toEqual(["workload-low", "Limited", 100, 128, 6, 50]);
    expect(row("leader-election")).toEqual(["leader-election", "Limited", 10, 16, 4, 50]);
  });

  test("a PriorityLevelConfiguration in protobuf decodes and is defaulted", async () => {
    const spec: PbValue[] = [
      { n: 1, str: "Limited" },
      { n: 2, msg: [{ n: 1, varint: 7 }, { n: 2, msg: [{ n: 1, str: "Queue" }, { n: 2, msg: [{ n: 1, varint: 32 }, { n: 2, varint: 4 }] }] }, { n: 4, varint: 200 }] },
    ];
    const body = k8sBody(`${GROUP}/v1`, "PriorityLevelConfiguration", [{ n: 1, msg: [{ n: 1, str: "pb" }] }, { n: 2, msg: spec }]);
    const res = await h.server.handle(new Request(`https://lite.test${PRIORITY_LEVELS}`, { method: "POST", body, headers: { "content-type": "application/vnd.kubernetes.protobuf", accept: "application/json" } }), ADMIN);
    const created = await res.json() as Json;
    expect(res.status).toBe(201);
    expect(created.spec).toEqual({
      type: "Limited",
      limited: { nominalConcurrencyShares: 7, limitResponse: { type: "Queue", queuing: { queues: 32, handSize: 4, queueLengthLimit: 50 } }, borrowingLimitPercent: 200, lendablePercent: 0 },
    });
  });

  test("a FlowSchema in protobuf decodes, subjects and rules included", async () => {
    const rule: PbValue[] = [
      { n: 1, msg: [{ n: 1, str: "ServiceAccount" }, { n: 4, msg: [{ n: 1, str: "kube-system" }, { n: 2, str: "*" }] }] },
      { n: 2, msg: [{ n: 1, str: "get" }, { n: 2, str: "" }, { n: 3, str: "nodes" }, { n: 4, varint: 1 }] },
      { n: 3, msg: [{ n: 1, str: "get" }, { n: 6, str: "/healthz" }] },
    ];
    const spec: PbValue[] = [{ n: 1, msg: [{ n: 1, str: "global-default" }] }, { n: 2, varint: 300 }, { n: 3, msg: [{ n: 1, str: "ByNamespace" }] }, { n: 4, msg: rule }];
    const body = k8sBody(`${GROUP}/v1`, "FlowSchema", [{ n: 1, msg: [{ n: 1, str: "pb" }] }, { n: 2, msg: spec }]);
    const res = await h.server.handle(new Request(`https://lite.test${FLOW_SCHEMAS}`, { method: "POST", body, headers: { "content-type": "application/vnd.kubernetes.protobuf", accept: "application/json" } }), ADMIN);
    const created = await res.json() as Json;
    expect(res.status).toBe(201);
    expect(created.spec).toEqual({
      priorityLevelConfiguration: { name: "global-default" }, matchingPrecedence: 300, distinguisherMethod: { type: "ByNamespace" },
      rules: [{
        subjects: [{ kind: "ServiceAccount", serviceAccount: { namespace: "kube-system", name: "*" } }],
        resourceRules: [{ verbs: ["get"], apiGroups: [""], resources: ["nodes"], clusterScope: true }],
        nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }],
      }],
    });
  });
});

describe("the configuration the server keeps", () => {
  test("the mandatory and suggested objects exist, annotated for auto-update, every FlowSchema Dangling False", async () => {
    const fs = (await get(FLOW_SCHEMAS)).body.items.filter((o: Json) => o.metadata.annotations?.[AUTO_UPDATE]);
    expect(fs.map((o: Json) => o.metadata.name).sort()).toEqual([
      "catch-all", "endpoint-controller", "exempt", "global-default", "kube-controller-manager", "kube-scheduler", "kube-system-service-accounts",
      "probes", "service-accounts", "system-leader-election", "system-node-high", "system-nodes", "workload-leader-election",
    ]);
    const pl = (await get(PRIORITY_LEVELS)).body.items.filter((o: Json) => o.metadata.annotations?.[AUTO_UPDATE]);
    expect(pl.map((o: Json) => o.metadata.name).sort()).toEqual(["catch-all", "exempt", "global-default", "leader-election", "node-high", "system", "workload-high", "workload-low"]);
    for (const o of [...fs, ...pl]) expect(o.metadata.annotations[AUTO_UPDATE]).toBe("true");
    for (const o of fs) {
      expect(dangling(o)).toEqual({
        type: "Dangling", status: "False", lastTransitionTime: expect.any(String), reason: "Found",
        message: `This FlowSchema references the PriorityLevelConfiguration object named "${o.spec.priorityLevelConfiguration.name}" and it exists`,
      });
    }
    const probes = fs.find((o: Json) => o.metadata.name === "probes");
    expect(probes.spec).toEqual({
      priorityLevelConfiguration: { name: "exempt" }, matchingPrecedence: 2,
      rules: [{ subjects: [{ kind: "Group", group: { name: "system:unauthenticated" } }, { kind: "Group", group: { name: "system:authenticated" } }], nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/healthz", "/readyz", "/livez"] }] }],
    });
    expect(probes.metadata.managedFields.map((m: Json) => m.manager).sort()).toEqual(["api-priority-and-fairness-config-consumer-v1", "api-priority-and-fairness-config-producer-v1"]);
    const exempt = pl.find((o: Json) => o.metadata.name === "exempt");
    expect(exempt.spec).toEqual({ type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } });
    // The APIService of the group-version (upstream priorities 16100/21).
    expect((await get("/apis/apiregistration.k8s.io/v1/apiservices/v1.flowcontrol.apiserver.k8s.io")).body.spec)
      .toEqual({ group: GROUP, version: "v1", groupPriorityMinimum: 16100, versionPriority: 21 });
  });

  test("mandatory objects: a fixed spec (Invalid otherwise), recreated when deleted, the annotation put back; exempt's spec.exempt is the administrator's", async () => {
    const changed = await h.call("PATCH", `${FLOW_SCHEMAS}/catch-all`, { spec: { matchingPrecedence: 9000 } }, MERGE);
    expect(changed.status).toBe(422);
    expect(changed.body.details.causes[0]).toMatchObject({ field: "spec", message: expect.stringContaining("spec of 'catch-all' must equal the fixed value") });
    const uid = (await get(`${FLOW_SCHEMAS}/catch-all`)).body.metadata.uid;
    expect((await h.call("DELETE", `${FLOW_SCHEMAS}/catch-all`)).status).toBe(200);
    const back = await until(() => get(`${FLOW_SCHEMAS}/catch-all`), (r) => r.status === 200, "catch-all back");
    expect(back.body.metadata.uid).not.toBe(uid);
    expect(back.body.spec.matchingPrecedence).toBe(10000);

    await h.call("PATCH", `${PRIORITY_LEVELS}/catch-all`, { metadata: { annotations: { [AUTO_UPDATE]: "false" } } }, MERGE);
    await until(() => get(`${PRIORITY_LEVELS}/catch-all`), (r) => r.body.metadata.annotations[AUTO_UPDATE] === "true", "the annotation put back");

    const exempt = await h.call("PATCH", `${PRIORITY_LEVELS}/exempt`, { spec: { exempt: { nominalConcurrencyShares: 10, lendablePercent: 20 } } }, MERGE);
    expect(exempt.status).toBe(200);
    await Bun.sleep(50);
    expect((await get(`${PRIORITY_LEVELS}/exempt`)).body.spec.exempt).toEqual({ nominalConcurrencyShares: 10, lendablePercent: 20 });
    expect((await h.call("PATCH", `${PRIORITY_LEVELS}/exempt`, { spec: { type: "Limited" } }, MERGE)).status).toBe(422);
  });

  test("suggested objects: the spec is put back while the annotation says true, kept once it says false; deleted ones come back", async () => {
    await h.call("PATCH", `${PRIORITY_LEVELS}/workload-low`, { spec: { limited: { nominalConcurrencyShares: 7 } } }, MERGE);
    const restored = await until(() => get(`${PRIORITY_LEVELS}/workload-low`), (r) => r.body.spec.limited.nominalConcurrencyShares === 100, "the spec put back");
    expect(restored.body.metadata.generation).toBe(3);

    await h.call("PATCH", `${FLOW_SCHEMAS}/service-accounts`, { metadata: { annotations: { [AUTO_UPDATE]: "false" } }, spec: { matchingPrecedence: 8000 } }, MERGE);
    await Bun.sleep(50);
    expect((await get(`${FLOW_SCHEMAS}/service-accounts`)).body.spec.matchingPrecedence).toBe(8000);

    const uid = (await get(`${FLOW_SCHEMAS}/probes`)).body.metadata.uid;
    await h.call("DELETE", `${FLOW_SCHEMAS}/probes`);
    const back = await until(() => get(`${FLOW_SCHEMAS}/probes`), (r) => r.status === 200 && r.body.metadata.uid !== uid, "probes back");
    expect(back.body.metadata.annotations).toEqual({ [AUTO_UPDATE]: "true" });
  });

  test("suggested objects without the annotation: auto-updated (annotation true) while unedited, else left as they are (annotation false)", async () => {
    // An edited spec (generation 2) without the annotation is the operator's.
    const edited = (await get(`${FLOW_SCHEMAS}/kube-scheduler`)).body;
    delete edited.metadata.annotations;
    edited.spec.matchingPrecedence = 700;
    expect((await h.call("PUT", `${FLOW_SCHEMAS}/kube-scheduler`, edited)).body.metadata.generation).toBe(2);
    const marked = await until(() => get(`${FLOW_SCHEMAS}/kube-scheduler`), (r) => r.body.metadata.annotations?.[AUTO_UPDATE] === "false", "annotation false");
    expect(marked.body.spec.matchingPrecedence).toBe(700);
    // An unedited one (generation 1) with an unparseable annotation is auto-updated.
    await h.call("PATCH", `${PRIORITY_LEVELS}/node-high`, { metadata: { annotations: { [AUTO_UPDATE]: "maybe" } } }, MERGE);
    const fixed = await until(() => get(`${PRIORITY_LEVELS}/node-high`), (r) => r.body.metadata.annotations?.[AUTO_UPDATE] === "true", "annotation true");
    expect(fixed.body.metadata.generation).toBe(1);
  });

  test("objects annotated for auto-update that are no bootstrap objects are deleted; others are left alone", async () => {
    expect((await h.call("POST", PRIORITY_LEVELS, priorityLevel({ name: "retired", annotations: { [AUTO_UPDATE]: "true" } }))).status).toBe(201);
    expect((await h.call("POST", PRIORITY_LEVELS, priorityLevel({ name: "kept", annotations: { [AUTO_UPDATE]: "false" } }))).status).toBe(201);
    await until(() => get(`${PRIORITY_LEVELS}/retired`), (r) => r.status === 404, "the retired level deleted");
    expect((await get(`${PRIORITY_LEVELS}/kept`)).status).toBe(200);
  });

  test("the Dangling condition follows the referenced PriorityLevelConfiguration", async () => {
    await h.call("POST", FLOW_SCHEMAS, flowSchema({ name: "follows" }, { priorityLevelConfiguration: { name: "later" } }));
    const missing = await until(() => get(`${FLOW_SCHEMAS}/follows`), (r) => dangling(r.body)?.status === "True", "Dangling True");
    expect(dangling(missing.body)).toMatchObject({ reason: "NotFound", message: 'This FlowSchema references the PriorityLevelConfiguration object named "later" but there is no such object' });
    await h.call("POST", PRIORITY_LEVELS, priorityLevel({ name: "later" }));
    const found = await until(() => get(`${FLOW_SCHEMAS}/follows`), (r) => dangling(r.body)?.status === "False", "Dangling False");
    expect(dangling(found.body)).toMatchObject({ reason: "Found" });
    await h.call("DELETE", `${PRIORITY_LEVELS}/later`);
    await until(() => get(`${FLOW_SCHEMAS}/follows`), (r) => dangling(r.body)?.status === "True", "Dangling True again");
  });
});

describe("across restarts", () => {
  test("a second start finds the configuration as it should be and writes nothing", async () => {
    const store = createMemoryStore();
    const first = await startHarness({ store });
    const versions = async (x: Harness) => {
      const items = [...(await x.call("GET", FLOW_SCHEMAS)).body.items, ...(await x.call("GET", PRIORITY_LEVELS)).body.items];
      return Object.fromEntries(items.map((o: Json) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion]));
    };
    await until(() => first.call("GET", FLOW_SCHEMAS), (r) => r.body.items.every((o: Json) => dangling(o)), "the Dangling conditions");
    const before = await versions(first);
    expect(Object.keys(before)).toHaveLength(21);
    await first.server.close();
    const second = await startHarness({ store });
    try {
      await Bun.sleep(50);
      expect(await versions(second)).toEqual(before);
    } finally {
      await second.close();
    }
  });
});
