/** In-process tests of CustomResourceDefinitions becoming served APIs (no sockets). */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createMemoryStore } from "../../store/memory.ts";
import { readEvents, startHarness, type Harness } from "../testing/harness.ts";
import { cronTab, cronTabCRD, CRONTABS, installCRD } from "./testing/fixtures.ts";

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const MERGE = { "content-type": "application/merge-patch+json" };
const TABLE = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" };
const AGGREGATED = { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json" };

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await installCRD(h);
});
afterAll(async () => { await h.close(); });

describe("CRD status", () => {
  test("[sig-api-machinery] CustomResourceDefinition resources: NamesAccepted, Established, acceptedNames, storedVersions", async () => {
    const crd = (await h.call("GET", `${CRDS}/crontabs.stable.example.com`)).body;
    expect(crd.status.acceptedNames).toEqual({ plural: "crontabs", singular: "crontab", kind: "CronTab", listKind: "CronTabList", shortNames: ["ct"], categories: ["all"] });
    expect(crd.status.storedVersions).toEqual(["v1"]);
    const byType = Object.fromEntries(crd.status.conditions.map((c: any) => [c.type, c]));
    expect(byType.NamesAccepted).toMatchObject({ status: "True", reason: "NoConflicts", message: "no conflicts found" });
    expect(byType.Established).toMatchObject({ status: "True", reason: "InitialNamesAccepted" });
    expect(crd.spec.conversion).toEqual({ strategy: "None" });
  });

  test("moving the storage version appends it to status.storedVersions (the stored status is not shared with the update)", async () => {
    const crd = cronTabCRD();
    crd.metadata.name = "stores.stable.example.com";
    crd.spec.names = { plural: "stores", kind: "Store" };
    const v1 = crd.spec.versions[0];
    crd.spec.versions = [v1, { ...v1, name: "v2", storage: false }];
    await installCRD(h, crd);
    const versions = [{ ...v1, storage: false }, { ...v1, name: "v2", storage: true }];
    const r = await h.call("PATCH", `${CRDS}/stores.stable.example.com`, { spec: { versions } }, MERGE);
    expect(r.status).toBe(200);
    expect(r.body.status.storedVersions).toEqual(["v1", "v2"]);
    await h.call("DELETE", `${CRDS}/stores.stable.example.com`);
  });

  test("a CRD whose names another CRD of the group holds is not established", async () => {
    const clash = cronTabCRD();
    clash.metadata.name = "crontabz.stable.example.com";
    clash.spec.names = { plural: "crontabz", kind: "CronTab", shortNames: ["ct"] };
    expect((await h.call("POST", CRDS, clash)).status).toBe(201);
    let crd: any;
    for (let i = 0; i < 50; i++) {
      crd = (await h.call("GET", `${CRDS}/crontabz.stable.example.com`)).body;
      if (crd.status.conditions?.length) break;
      await Bun.sleep(10);
    }
    const names = crd.status.conditions.find((c: any) => c.type === "NamesAccepted");
    expect(names).toMatchObject({ status: "False", reason: "ShortNamesConflict", message: '"ct" is already in use' });
    expect(crd.status.conditions.find((c: any) => c.type === "Established").status).toBe("False");
    expect((await h.call("GET", "/apis/stable.example.com/v1/crontabz")).status).toBe(404);
    await h.call("DELETE", `${CRDS}/crontabz.stable.example.com`);
  });
});

describe("CRD validation", () => {
  test("invalid CRDs are 422 with upstream causes", async () => {
    const bad = cronTabCRD();
    bad.metadata.name = "wrong.stable.example.com";
    bad.spec.group = "nodot";
    bad.spec.versions[0].storage = false;
    bad.spec.scope = "Galaxy";
    const r = await h.call("POST", CRDS, bad);
    expect(r.status).toBe(422);
    const fields = r.body.details.causes.map((c: any) => `${c.field}: ${c.message}`);
    expect(fields).toContain('metadata.name: Invalid value: "wrong.stable.example.com": must be spec.names.plural+"."+spec.group');
    expect(fields).toContain('spec.group: Invalid value: "nodot": should be a domain with at least one dot');
    expect(fields).toContain('spec.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced"');
    expect(fields).toContain('spec.versions: Invalid value: "": must have exactly one version marked as storage version');
  });

  test("a schema is required and must be structural", async () => {
    const noSchema = cronTabCRD({ metadata: { name: "foos.x.example.com" } });
    noSchema.spec = { group: "x.example.com", scope: "Cluster", names: { plural: "foos", kind: "Foo" }, versions: [{ name: "v1", served: true, storage: true }] };
    const r = await h.call("POST", CRDS, noSchema);
    expect(r.body.message).toBe('CustomResourceDefinition.apiextensions.k8s.io "foos.x.example.com" is invalid: spec.versions[0].schema.openAPIV3Schema: Required value');
    noSchema.spec.versions[0].schema = { openAPIV3Schema: { type: "object", properties: { spec: { properties: { a: { type: "string" } } }, list: { type: "array", uniqueItems: true, items: { type: "string" } } } } };
    const s = await h.call("POST", CRDS, noSchema);
    expect(s.status).toBe(422);
    const msgs = s.body.details.causes.map((c: any) => `${c.field}: ${c.message}`);
    expect(msgs).toContain("spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields");
    expect(msgs).toContain("spec.versions[0].schema.openAPIV3Schema.properties[list].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic");
  });
});

describe("custom objects", () => {
  test("[sig-api-machinery] CustomResourceDefinition resources: CRUD with kind/apiVersion, defaulting, generation", async () => {
    const c = await h.call("POST", CRONTABS, cronTab("alpha"));
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ kind: "CronTab", apiVersion: "stable.example.com/v1", metadata: { name: "alpha", namespace: "default", generation: 1 } });
    expect(c.body.spec.replicas).toBe(1);
    expect(c.body.spec.nested).toEqual({ level: "info" });
    const list = await h.call("GET", CRONTABS);
    expect(list.body).toMatchObject({ kind: "CronTabList", apiVersion: "stable.example.com/v1" });
    expect(list.body.items[0].kind).toBe("CronTab");
    const p = await h.call("PATCH", `${CRONTABS}/alpha`, { spec: { image: "v2" } }, MERGE);
    expect(p.body.metadata.generation).toBe(2);
    const l = await h.call("PATCH", `${CRONTABS}/alpha`, { metadata: { labels: { tier: "x" } } }, MERGE);
    expect(l.body.metadata.generation).toBe(2);
    const j = await h.call("PATCH", `${CRONTABS}/alpha`, [{ op: "replace", path: "/spec/image", value: "v3" }], { "content-type": "application/json-patch+json" });
    expect(j.body.spec.image).toBe("v3");
  });

  test("strategic merge patch is 415; PUT needs a resourceVersion", async () => {
    const r = await h.call("PATCH", `${CRONTABS}/alpha`, { spec: { image: "x" } }, { "content-type": "application/strategic-merge-patch+json" });
    expect(r.status).toBe(415);
    expect(r.body.message).toBe("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
    const cur = (await h.call("GET", `${CRONTABS}/alpha`)).body;
    delete cur.metadata.resourceVersion;
    const put = await h.call("PUT", `${CRONTABS}/alpha`, cur);
    expect(put.status).toBe(422);
    expect(put.body.details.causes[0].field).toBe("metadata.resourceVersion");
  });

  test("server-side apply creates and updates custom objects", async () => {
    const body = { apiVersion: "stable.example.com/v1", kind: "CronTab", metadata: { name: "applied" }, spec: { cronSpec: "* * * * *" } };
    const c = await h.call("PATCH", `${CRONTABS}/applied?fieldManager=t`, body, { "content-type": "application/apply-patch+yaml" });
    expect(c.status).toBe(201);
    const u = await h.call("PATCH", `${CRONTABS}/applied?fieldManager=t`, { ...body, spec: { cronSpec: "* * * * *", image: "i" } }, { "content-type": "application/apply-patch+yaml" });
    expect(u.status).toBe(200);
    expect(u.body.spec.image).toBe("i");
  });

  test("schema validation errors read as upstream's", async () => {
    const r = await h.call("POST", CRONTABS, cronTab("bad", { replicas: "three" }));
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('CronTab.stable.example.com "bad" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    const cases: [Record<string, unknown>, string][] = [
      [{ replicas: 0 }, "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"],
      [{ replicas: 11 }, "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10"],
      [{ mode: "medium" }, 'spec.mode: Unsupported value: "medium": supported values: "fast", "slow"'],
      [{ tags: ["a", "b", "c", "d"] }, "spec.tags: Too many: 4: must have at most 3 items"],
      [{ tags: ["toolong"] }, "spec.tags[0]: Too long: may not be more than 5 bytes"],
      [{ when: "yesterday" }, 'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"'],
      [{ port: true }, 'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"'],
      [{ cronSpec: "never" }, `spec.cronSpec: Invalid value: "never": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`],
      [{ labels: { a: 1 } }, 'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"'],
      [{ template: { metadata: {} } }, "spec.template.apiVersion: Required value"],
    ];
    for (const [spec, message] of cases) {
      const x = await h.call("POST", CRONTABS, cronTab("bad", spec));
      expect(x.status).toBe(422);
      expect(x.body.message).toStartWith(`CronTab.stable.example.com "bad" is invalid: `);
      expect(x.body.message).toContain(message);
    }
    const missing = await h.call("POST", CRONTABS, { apiVersion: "stable.example.com/v1", kind: "CronTab", metadata: { name: "m" }, spec: {} });
    expect(missing.body.message).toBe('CronTab.stable.example.com "m" is invalid: spec.cronSpec: Required value');
    expect((await h.call("POST", CRONTABS, cronTab("ok", { port: "http", tags: ["a"], when: "2024-01-02T03:04:05Z" }))).status).toBe(201);
  });

  test("unknown fields are pruned (Warn), rejected (Strict), kept under x-kubernetes-preserve-unknown-fields", async () => {
    const w = await h.call("POST", CRONTABS, { ...cronTab("pruned", { foo: 1, extra: { anything: { goes: true } } }), top: 1 });
    expect(w.status).toBe(201);
    expect(w.body.spec.foo).toBeUndefined();
    expect(w.body.top).toBeUndefined();
    expect(w.body.spec.extra).toEqual({ anything: { goes: true } });
    expect(w.headers.get("warning")).toContain('unknown field \\"spec.foo\\"');
    const s = await h.call("POST", `${CRONTABS}?fieldValidation=Strict`, cronTab("strict", { foo: 1 }));
    expect(s.status).toBe(400);
    expect(s.body.message).toBe('strict decoding error: unknown field "spec.foo"');
    const i = await h.call("POST", `${CRONTABS}?fieldValidation=Ignore`, cronTab("ignored", { foo: 1 }));
    expect(i.headers.get("warning")).toBeNull();
    expect(i.body.spec.foo).toBeUndefined();
  });

  test("server-side apply of fields the schema does not declare fails as upstream's typed conversion does", async () => {
    const apply = { "content-type": "application/apply-patch+yaml" };
    const one = await h.call("PATCH", `${CRONTABS}/typed?fieldManager=m&fieldValidation=Ignore`, { ...cronTab("typed", { foo: 1 }), top: 1 }, apply);
    expect(one.status).toBe(500);
    expect(one.body.message).toBe("failed to create typed patch object (/typed; stable.example.com/v1, Kind=CronTab): errors:\n  .spec.foo: field not declared in schema\n  .top: field not declared in schema");
    const ok = await h.call("PATCH", `${CRONTABS}/typed?fieldManager=m`, cronTab("typed", { extra: { anything: 1 } }), apply);
    expect(ok.status).toBe(201);
  });

  test("defaults apply to objects read from storage", async () => {
    await h.store.create("/registry/stable.example.com/crontabs/default/raw", JSON.stringify({ apiVersion: "stable.example.com/v1", kind: "CronTab", metadata: { name: "raw", namespace: "default", uid: "u" }, spec: { cronSpec: "* * * * *" } }));
    const g = await h.call("GET", `${CRONTABS}/raw`);
    expect(g.body.spec.replicas).toBe(1);
    expect(g.body.spec.nested).toEqual({ level: "info" });
  });

  test("label and field selectors", async () => {
    const l = await h.call("GET", `${CRONTABS}?labelSelector=tier%3Dx`);
    expect(l.body.items.map((i: any) => i.metadata.name)).toEqual(["alpha"]);
    const f = await h.call("GET", `${CRONTABS}?fieldSelector=metadata.name%3Dok`);
    expect(f.body.items.map((i: any) => i.metadata.name)).toEqual(["ok"]);
    expect((await h.call("GET", `${CRONTABS}?fieldSelector=spec.image%3Dx`)).status).toBe(400);
    const all = await h.call("GET", "/apis/stable.example.com/v1/crontabs?fieldSelector=metadata.namespace%3Ddefault");
    expect(all.body.items.length).toBeGreaterThan(2);
  });

  test("status subresource: spec/status split, generation unchanged by status writes", async () => {
    const cur = (await h.call("GET", `${CRONTABS}/alpha`)).body;
    const main = await h.call("PATCH", `${CRONTABS}/alpha`, { status: { replicas: 5 } }, MERGE);
    expect(main.body.status).toBeUndefined();
    const st = await h.call("PATCH", `${CRONTABS}/alpha/status`, { status: { replicas: 2, conditions: [{ type: "Ready", status: "True" }] }, spec: { image: "ignored" } }, MERGE);
    expect(st.status).toBe(200);
    expect(st.body.status.replicas).toBe(2);
    expect(st.body.spec.image).toBe(cur.spec.image);
    expect(st.body.metadata.generation).toBe(cur.metadata.generation);
    const bad = await h.call("PATCH", `${CRONTABS}/alpha/status`, { status: { replicas: "x" } }, MERGE);
    expect(bad.status).toBe(422);
  });

  test("scale subresource over specReplicasPath/statusReplicasPath/labelSelectorPath", async () => {
    await h.call("PATCH", `${CRONTABS}/alpha`, { spec: { selector: "app=cron" } }, MERGE);
    const s = await h.call("GET", `${CRONTABS}/alpha/scale`);
    expect(s.body).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 1 }, status: { replicas: 2, selector: "app=cron" } });
    const up = await h.call("PATCH", `${CRONTABS}/alpha/scale`, { spec: { replicas: 4 } }, MERGE);
    expect(up.body.spec.replicas).toBe(4);
    expect((await h.call("GET", `${CRONTABS}/alpha`)).body.spec.replicas).toBe(4);
    const tooMany = await h.call("PATCH", `${CRONTABS}/alpha/scale`, { spec: { replicas: 40 } }, MERGE);
    expect(tooMany.status).toBe(422);
  });

  test("Table output uses additionalPrinterColumns, or Age when none", async () => {
    const t = await h.call("GET", `${CRONTABS}/alpha`, undefined, TABLE);
    expect(t.body.columnDefinitions.map((c: any) => c.name)).toEqual(["Name", "Spec", "Replicas", "Ready", "Age"]);
    expect(t.body.rows[0].cells.slice(0, 4)).toEqual(["alpha", "* * * * */5", 4, "True"]);
    const plain = cronTabCRD();
    plain.metadata.name = "widgets.stable.example.com";
    plain.spec.names = { plural: "widgets", kind: "Widget" };
    delete plain.spec.versions[0].additionalPrinterColumns;
    await installCRD(h, plain);
    await h.call("POST", "/apis/stable.example.com/v1/namespaces/default/widgets", { apiVersion: "stable.example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { cronSpec: "* * * * *" } });
    const w = await h.call("GET", "/apis/stable.example.com/v1/namespaces/default/widgets", undefined, TABLE);
    expect(w.body.columnDefinitions.map((c: any) => c.name)).toEqual(["Name", "Age"]);
    expect(w.body.rows[0].cells[0]).toBe("w");
  });

  test("watch sees custom objects with kind and apiVersion", async () => {
    const rv = (await h.call("GET", CRONTABS)).body.metadata.resourceVersion;
    const res = await h.server.handle(new Request(`https://lite.test${CRONTABS}?watch=1&resourceVersion=${rv}`), { username: "admin", groups: ["system:masters"] });
    await h.call("POST", CRONTABS, cronTab("watched"));
    const events = await readEvents(res, 1);
    expect(events[0]).toMatchObject({ type: "ADDED", object: { kind: "CronTab", apiVersion: "stable.example.com/v1", metadata: { name: "watched" } } });
  });
});

describe("discovery and OpenAPI", () => {
  test("[sig-api-machinery] CustomResourceDefinition resources: discovery lists the group, short names and categories", async () => {
    const groups = (await h.call("GET", "/apis")).body.groups.map((g: any) => g.name);
    expect(groups).toContain("stable.example.com");
    const agg = await h.call("GET", "/apis", undefined, AGGREGATED);
    const g = agg.body.items.find((i: any) => i.metadata.name === "stable.example.com");
    const r = g.versions[0].resources.find((x: any) => x.resource === "crontabs");
    expect(r).toMatchObject({ scope: "Namespaced", singularResource: "crontab", shortNames: ["ct"], categories: ["all"], responseKind: { kind: "CronTab" } });
    expect(r.subresources.map((s: any) => s.subresource)).toEqual(["scale", "status"]);
  });

  test("[sig-api-machinery] CustomResourcePublishOpenAPI: the group-version document has the schema and fieldValidation on PATCH", async () => {
    const index = (await h.call("GET", "/openapi/v3")).body;
    const url = index.paths["apis/stable.example.com/v1"].serverRelativeURL;
    const doc = (await h.call("GET", url)).body;
    const patch = doc.paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"].patch;
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "stable.example.com", version: "v1", kind: "CronTab" });
    expect(patch.parameters.map((p: any) => p.name)).toContain("fieldValidation");
    expect(Object.keys(patch.requestBody.content)).not.toContain("application/strategic-merge-patch+json");
    // kubectl picks the FIRST path (in Go's random map order) whose PATCH carries the GVK to decide
    // whether strategic merge patch is allowed, so the subresource paths must agree too.
    for (const [path, item] of Object.entries(doc.paths as Record<string, any>)) {
      if (!item.patch) continue;
      expect({ path, types: Object.keys(item.patch.requestBody.content) }).toEqual({ path, types: ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"] });
    }
    const schema = doc.components.schemas["com.example.stable.v1.CronTab"];
    expect(schema["x-kubernetes-group-version-kind"]).toEqual([{ group: "stable.example.com", kind: "CronTab", version: "v1" }]);
    expect(schema.properties.spec.properties.cronSpec.description).toBe("The cron schedule.");
    expect(doc.components.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]).toBeDefined();
  });

  test("[sig-api-machinery] CustomResourcePublishOpenAPI: /openapi/v2 has the kind's definition in its v2 form", async () => {
    const doc = (await h.call("GET", "/openapi/v2")).body;
    const d = doc.definitions["com.example.stable.v1.CronTab"];
    expect(d["x-kubernetes-group-version-kind"]).toEqual([{ group: "stable.example.com", kind: "CronTab", version: "v1" }]);
    expect(d.properties.metadata).toEqual({ $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", description: expect.stringContaining("Standard object's metadata.") });
    expect(d.properties.spec.properties.cronSpec.description).toBe("The cron schedule.");
    // A node preserving unknown fields loses type and properties in v2 (kubectl would reject unknown fields).
    expect(d.properties.spec.properties.extra).toEqual({ "x-kubernetes-preserve-unknown-fields": true });
    expect(doc.definitions["com.example.stable.v1.CronTabList"].properties.items.items).toEqual({ $ref: "#/definitions/com.example.stable.v1.CronTab" });
    expect(doc.definitions["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]).toBeDefined();
  });

  test("discovery ETags and the OpenAPI index change when CRDs change", async () => {
    const before = await h.call("GET", "/apis", undefined, AGGREGATED);
    const oaBefore = await h.call("GET", "/openapi/v3");
    const crd = cronTabCRD();
    crd.metadata.name = "gadgets.other.example.com";
    crd.spec.group = "other.example.com";
    crd.spec.names = { plural: "gadgets", kind: "Gadget" };
    await installCRD(h, crd);
    const after = await h.call("GET", "/apis", undefined, AGGREGATED);
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));
    const oaAfter = await h.call("GET", "/openapi/v3");
    expect(oaAfter.headers.get("etag")).not.toBe(oaBefore.headers.get("etag"));
    expect(oaAfter.body.paths["apis/other.example.com/v1"]).toBeDefined();
  });
});

describe("multiple versions (conversion None)", () => {
  test("every served version serves the same objects with its apiVersion", async () => {
    const crd = cronTabCRD();
    crd.metadata.name = "things.multi.example.com";
    crd.spec.group = "multi.example.com";
    crd.spec.names = { plural: "things", kind: "Thing" };
    const v1 = crd.spec.versions[0];
    crd.spec.versions = [{ ...structuredClone(v1), name: "v1beta1", storage: false }, v1, { ...structuredClone(v1), name: "v2alpha1", served: false, storage: false }];
    await installCRD(h, crd);
    await h.call("POST", "/apis/multi.example.com/v1beta1/namespaces/default/things", { apiVersion: "multi.example.com/v1beta1", kind: "Thing", metadata: { name: "t" }, spec: { cronSpec: "* * * * *" } });
    const g = await h.call("GET", "/apis/multi.example.com/v1/namespaces/default/things/t");
    expect(g.body.apiVersion).toBe("multi.example.com/v1");
    expect((await h.call("GET", "/apis/multi.example.com/v2alpha1/namespaces/default/things")).status).toBe(404);
    const group = (await h.call("GET", "/apis/multi.example.com")).body;
    expect(group.preferredVersion.version).toBe("v1");
    expect(group.versions.map((v: any) => v.version)).toEqual(["v1", "v1beta1"]);
  });
});

describe("deletion", () => {
  test("[sig-api-machinery] CustomResourceDefinition resources: deleting a CRD deletes its objects and stops serving", async () => {
    const crd = cronTabCRD();
    crd.metadata.name = "doomeds.doom.example.com";
    crd.spec.group = "doom.example.com";
    crd.spec.names = { plural: "doomeds", kind: "Doomed" };
    await installCRD(h, crd);
    const path = "/apis/doom.example.com/v1/namespaces/default/doomeds";
    for (const n of ["a", "b"]) await h.call("POST", path, { apiVersion: "doom.example.com/v1", kind: "Doomed", metadata: { name: n }, spec: { cronSpec: "* * * * *" } });
    await h.call("POST", path, { apiVersion: "doom.example.com/v1", kind: "Doomed", metadata: { name: "fin", finalizers: ["example.com/hold"] }, spec: { cronSpec: "* * * * *" } });
    const d = await h.call("DELETE", `${CRDS}/doomeds.doom.example.com`);
    expect(d.status).toBe(200);
    expect(d.body.metadata.finalizers).toEqual(["customresourcecleanup.apiextensions.k8s.io"]);
    expect(d.body.status.conditions.find((c: any) => c.type === "Terminating")).toMatchObject({ status: "True", reason: "InstanceDeletionPending" });
    let names: string[] = [];
    for (let i = 0; i < 100; i++) {
      names = (await h.call("GET", path)).body.items?.map((x: any) => x.metadata.name) ?? [];
      if (names.length === 1) break;
      await Bun.sleep(10);
    }
    expect(names).toEqual(["fin"]);
    const create = await h.call("POST", path, { apiVersion: "doom.example.com/v1", kind: "Doomed", metadata: { name: "late" }, spec: { cronSpec: "* * * * *" } });
    expect(create.status).toBe(405);
    expect(create.body.message).toBe("create not allowed while custom resource definition is terminating");
    expect((await h.call("GET", `${path}/fin`)).body.metadata.deletionTimestamp).toBeDefined();
    await h.call("PATCH", `${path}/fin`, { metadata: { finalizers: null } }, MERGE);
    for (let i = 0; i < 300; i++) {
      if ((await h.call("GET", `${CRDS}/doomeds.doom.example.com`)).status === 404) break;
      await Bun.sleep(10);
    }
    expect((await h.call("GET", `${CRDS}/doomeds.doom.example.com`)).status).toBe(404);
    expect((await h.call("GET", path)).status).toBe(404);
    expect((await h.call("GET", "/apis")).body.groups.map((g: any) => g.name)).not.toContain("doom.example.com");
    expect((await h.store.list("/registry/doom.example.com/")).kvs.length).toBe(0);
  });
});

test("CRDs persist: after a restart on the same store the APIs are served as soon as the server is created", async () => {
  const store = createMemoryStore();
  const first = await startHarness({ store });
  await installCRD(first);
  await first.call("POST", CRONTABS, cronTab("kept"));
  await first.server.close();
  const second = await startHarness({ store });
  const g = await second.call("GET", `${CRONTABS}/kept`);
  expect(g.status).toBe(200);
  expect(g.body.kind).toBe("CronTab");
  await second.close();
});
