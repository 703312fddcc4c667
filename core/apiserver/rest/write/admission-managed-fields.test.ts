/**
 * managedFields around mutating admission, as upstream records them: the write's managedFields
 * are computed before mutating admission (create, update, patch and apply alike), so what a
 * mutating plugin or webhook adds is owned by no manager; managedFields that admission leaves
 * invalid are reset to their value before admission, with upstream's warning.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { AdmissionPlugin } from "../../admission/types.ts";
import { startHarness, type Harness } from "../../testing/harness.ts";
import { INVALID_MANAGED_FIELDS_AFTER_ADMISSION } from "./field-management.ts";

/** Labels configmaps labelled `mutate=yes` with `mutated=<operation>`; `corrupt=yes` breaks their managedFields, `drop=yes` removes them. */
const plugin: AdmissionPlugin = {
  name: "TestMutator",
  admit(attrs) {
    const obj = attrs.object;
    if (!obj || attrs.def.resource !== "configmaps") return;
    const labels = obj.metadata.labels ?? {};
    if (labels.mutate === "yes") obj.metadata.labels = { ...labels, mutated: attrs.operation.toLowerCase() };
    // As a webhook's patch does: a new metadata object (and list).
    if (labels.corrupt === "yes") obj.metadata = { ...obj.metadata, managedFields: [{ manager: "outdated-webhook", apiVersion: "v1", fieldsV1: {} }] };
    if (labels.drop === "yes") { const { managedFields: _, ...rest } = obj.metadata; obj.metadata = rest; }
  },
};

let h: Harness;
beforeAll(async () => { h = await startHarness({ admission: [plugin] }); });
afterAll(async () => { await h.close(); });

const CMS = "/api/v1/namespaces/default/configmaps";
const APPLY = { "content-type": "application/apply-patch+yaml" };
const MERGE = { "content-type": "application/merge-patch+json" };
const cm = (name: string, labels: Record<string, string>, data: Record<string, string> = { a: "1" }) =>
  ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data });
/** The labels `manager`'s entry owns. */
const ownedLabels = (obj: any, manager: string): string[] =>
  Object.keys(obj.metadata.managedFields.find((e: any) => e.manager === manager)?.fieldsV1?.["f:metadata"]?.["f:labels"] ?? {}).sort();

describe("fields set by mutating admission", () => {
  test("on create they are stored but owned by no manager", async () => {
    const r = await h.call("POST", `${CMS}?fieldManager=creator`, cm("c1", { mutate: "yes" }));
    expect(r.status).toBe(201);
    expect(r.body.metadata.labels).toEqual({ mutate: "yes", mutated: "create" });
    expect(r.body.metadata.managedFields).toHaveLength(1);
    expect(r.body.metadata.managedFields[0]).toMatchObject({ manager: "creator", operation: "Update" });
    expect(ownedLabels(r.body, "creator")).toEqual([".", "f:mutate"]);
  });

  test("a server-side apply of the same label by another manager takes it without a conflict", async () => {
    const r = await h.call("PATCH", `${CMS}/c1?fieldManager=applier`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c1", labels: { mutated: "mine" } } }, APPLY);
    expect(r.status).toBe(200);
    expect(r.body.metadata.labels.mutated).toBe("update"); // the plugin sets it again on the update
    expect(ownedLabels(r.body, "applier")).toEqual(["f:mutated"]);
    // Now it is owned: a third manager's different value conflicts with the applier.
    const c = await h.call("PATCH", `${CMS}/c1?fieldManager=third`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c1", labels: { mutated: "theirs" } } }, APPLY);
    expect(c.status).toBe(409);
    expect(c.body.message).toBe('Apply failed with 1 conflict: conflict with "applier": .metadata.labels.mutated');
  });

  test("on update (PUT) and patch they are not attributed to the request's manager", async () => {
    await h.call("POST", `${CMS}?fieldManager=creator`, cm("c2", { mutate: "yes" }));
    const cur = (await h.call("GET", `${CMS}/c2`)).body;
    cur.data = { a: "2" };
    const put = await h.call("PUT", `${CMS}/c2?fieldManager=editor`, cur);
    expect(put.status).toBe(200);
    expect(put.body.metadata.labels.mutated).toBe("update");
    const editor = put.body.metadata.managedFields.find((e: any) => e.manager === "editor");
    expect(editor.fieldsV1).toEqual({ "f:data": { "f:a": {} } });
    const patched = await h.call("PATCH", `${CMS}/c2?fieldManager=patcher`, { metadata: { labels: { extra: "x" } } }, MERGE);
    expect(patched.status).toBe(200);
    expect(ownedLabels(patched.body, "patcher")).toEqual(["f:extra"]);
    expect(ownedLabels(patched.body, "creator")).toEqual([".", "f:mutate"]);
  });

  test("on a server-side apply create they are not owned by the applier", async () => {
    const r = await h.call("PATCH", `${CMS}/c3?fieldManager=applier`, cm("c3", { mutate: "yes" }), APPLY);
    expect(r.status).toBe(201);
    expect(r.body.metadata.labels.mutated).toBe("create");
    expect(r.body.metadata.managedFields).toHaveLength(1);
    expect(r.body.metadata.managedFields[0]).toMatchObject({ manager: "applier", operation: "Apply" });
    expect(ownedLabels(r.body, "applier")).toEqual(["f:mutate"]);
  });
});

describe("managedFields that mutating admission leaves invalid", () => {
  test("are reset to their value before admission, with upstream's warning (create and update)", async () => {
    const r = await h.call("POST", `${CMS}?fieldManager=creator`, cm("bad", { corrupt: "yes" }));
    expect(r.status).toBe(201);
    expect(r.headers.get("warning")).toBe(`299 - "${INVALID_MANAGED_FIELDS_AFTER_ADMISSION}operation must be \`Apply\` or \`Update\`"`);
    expect(r.body.metadata.managedFields).toHaveLength(1);
    expect(r.body.metadata.managedFields[0]).toMatchObject({ manager: "creator", operation: "Update", fieldsV1: { "f:data": { ".": {}, "f:a": {} }, "f:metadata": { "f:labels": { ".": {}, "f:corrupt": {} } } } });
    const u = await h.call("PATCH", `${CMS}/bad?fieldManager=patcher`, { data: { b: "2" } }, MERGE);
    expect(u.status).toBe(200);
    expect(u.headers.get("warning")).toContain(INVALID_MANAGED_FIELDS_AFTER_ADMISSION);
    expect(u.body.metadata.managedFields.map((e: any) => e.manager)).toEqual(["creator", "patcher"]);
  });

  test("valid changes are kept: managedFields removed by admission stay removed, as upstream", async () => {
    const r = await h.call("POST", `${CMS}?fieldManager=creator`, cm("dropped", { drop: "yes" }));
    expect(r.status).toBe(201);
    expect(r.headers.get("warning")).toBeNull();
    expect(r.body.metadata.managedFields).toBeUndefined();
  });

  test("no warning when admission leaves managedFields alone", async () => {
    const r = await h.call("POST", `${CMS}?fieldManager=creator`, cm("plain", { mutate: "yes" }));
    expect(r.headers.get("warning")).toBeNull();
  });
});
