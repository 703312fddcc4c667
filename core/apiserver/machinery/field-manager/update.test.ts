import { describe, expect, test } from "bun:test";
import type { JsonObject } from "../json-value.ts";
import { applyObject } from "./apply.ts";
import { managerOrUserAgent } from "./manager-name.ts";
import { deployment, deploymentSchema, T0, T1, T2 } from "./test-fixtures.ts";
import { updateManagedFields } from "./update.ts";

const update = (live: object | undefined, updated: object, manager: string, now = T1, extra: { subresource?: string; apiVersion?: string; resetFields?: string[][]; emptyObject?: object } = {}) =>
  updateManagedFields({ live, updated, manager, operation: "Update", meta: deploymentSchema, now, ...extra });

const managedFields = (o: JsonObject) => (o.metadata as JsonObject).managedFields as JsonObject[] | undefined;
const withSpec = (o: JsonObject, patch: JsonObject): JsonObject => ({ ...o, spec: { ...(o.spec as JsonObject), ...patch } });

describe("updateManagedFields", () => {
  test("create: the manager owns every field it set; added maps and items carry '.' (Compare: Added includes the map path)", () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default", labels: { a: "1" } }, data: { k: "v" } };
    const out = update(undefined, cm, "kubectl-create", T0);
    expect(managedFields(out)).toEqual([
      {
        manager: "kubectl-create",
        operation: "Update",
        apiVersion: "v1",
        time: T0,
        fieldsType: "FieldsV1",
        fieldsV1: { "f:data": { ".": {}, "f:k": {} }, "f:metadata": { "f:labels": { ".": {}, "f:a": {} } } },
      },
    ]);
    expect({ ...out, metadata: { ...(out.metadata as JsonObject), managedFields: undefined } }).toEqual({ ...cm, metadata: { ...cm.metadata, managedFields: undefined } });
  });

  test("create compared with a zero object: non-pointer structs given in emptyObject get no '.'", () => {
    const out = update(undefined, deployment({ replicas: 1 }), "kubectl-create", T0, { emptyObject: { spec: { template: { spec: {} } } } });
    const f = managedFields(out)![0]!.fieldsV1 as JsonObject;
    expect(Object.keys(f["f:spec"] as JsonObject)[0]).toBe("f:replicas");
    expect((f["f:spec"] as JsonObject)["."]).toBeUndefined();
  });

  test("an update takes the fields it changed from the applier, without conflict (Updater.Update, force)", () => {
    const applied = applyObject({ live: undefined, applied: deployment({ replicas: 2 }), manager: "kubectl", force: false, meta: deploymentSchema, now: T0 });
    if (!applied.ok) throw new Error("apply failed");
    const out = update(applied.object, withSpec(applied.object, { replicas: 7 }), "kubectl-edit", T1);
    const mf = managedFields(out)!;
    expect(mf.map((e) => e.manager)).toEqual(["kubectl", "kubectl-edit"]);
    expect(mf[1]!.fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });
    expect(JSON.stringify(mf[0]!.fieldsV1)).not.toContain("f:replicas");
  });

  test("entries left owning nothing are dropped", () => {
    const a = update(undefined, deployment({ replicas: 1 }), "creator", T0);
    const b = update(a, withSpec(a, { replicas: 2 }), "scaler", T1);
    const c = update(b, withSpec(b, { replicas: 3 }), "other", T2);
    expect(managedFields(c)!.map((e) => e.manager)).toEqual(["creator", "other"]);
  });

  test("removing a field takes it from every manager (Comparison.Removed)", () => {
    const a = update(undefined, deployment({ replicas: 1, labels: { app: "web", x: "y" } }), "creator", T0);
    const meta = { ...(a.metadata as JsonObject), labels: { app: "web" } };
    const b = update(a, { ...a, metadata: meta }, "kubectl-label", T1);
    expect(JSON.stringify(managedFields(b))).not.toContain("f:x");
    // kubectl-label changed nothing it could own: no entry for it.
    expect(managedFields(b)!.map((e) => e.manager)).toEqual(["creator"]);
  });

  test("a no-op update keeps the entry and its time (managedFieldsUpdater only stamps changes)", () => {
    const a = update(undefined, deployment({ replicas: 1 }), "creator", T0);
    const b = update(a, a, "creator", T2);
    expect(b).toEqual(a);
  });

  test("an existing object without managedFields is not tracked (skipNonApplied)", () => {
    const live = deployment({ replicas: 1 });
    const out = update(live, withSpec(live, { replicas: 2 }), "kubectl-edit");
    expect(managedFields(out)).toBeUndefined();
  });

  test("managedFields sent in the body replace the live ones; [] resets them (isResetManagedFields)", () => {
    const a = update(undefined, deployment({ replicas: 1 }), "creator", T0);
    const sent = [{ manager: "imported", operation: "Update", apiVersion: "apps/v1", time: T0, fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } }];
    const b = update(a, { ...a, metadata: { ...(a.metadata as JsonObject), managedFields: sent } }, "creator", T1);
    expect(managedFields(b)).toEqual(sent);
    const c = update(a, { ...a, metadata: { ...(a.metadata as JsonObject), managedFields: [] } }, "creator", T1);
    expect(managedFields(c)).toBeUndefined();
    // A subresource write ignores managedFields in the body.
    const d = update(a, { ...a, metadata: { ...(a.metadata as JsonObject), managedFields: [] } }, "creator", T1, { subresource: "status" });
    expect(managedFields(d)).toEqual(managedFields(a));
  });

  test("Update entries are per apiVersion and subresource (BuildManagerIdentifier)", () => {
    const a = update(undefined, deployment({ replicas: 1 }), "m", T0);
    const b = update(a, withSpec(a, { paused: true }), "m", T1, { apiVersion: "apps/v1beta2" });
    const c = update(b, withSpec(b, { replicas: 4 }), "m", T2, { subresource: "scale" });
    expect(managedFields(c)!.map((e) => [e.manager, e.apiVersion, e.subresource])).toEqual([
      ["m", "apps/v1", undefined],
      ["m", "apps/v1beta2", undefined],
      ["m", "apps/v1", "scale"],
    ]);
  });

  test("reset fields are never owned", () => {
    const out = update(undefined, { ...deployment({ replicas: 1 }), status: { replicas: 1 } }, "c", T0, { resetFields: [["status"]] });
    expect(JSON.stringify(managedFields(out))).not.toContain("f:status");
  });

  test("more than 10 Update managers: the oldest merge into ancient-changes (capManagersManager)", () => {
    let o = update(undefined, deployment({ replicas: 0 }), "m0", "2025-01-01T00:00:00Z");
    for (let i = 1; i <= 11; i++) {
      o = update(o, { ...o, metadata: { ...(o.metadata as JsonObject), annotations: { ...((o.metadata as JsonObject).annotations as JsonObject), [`k${i}`]: "v" } } }, `m${i}`, `2025-01-01T00:00:${String(i).padStart(2, "0")}Z`);
    }
    const names = managedFields(o)!.map((e) => e.manager);
    expect(names.length).toBe(10);
    expect(names).toContain("ancient-changes");
    expect(names).not.toContain("m0");
  });

  test("inputs are not mutated", () => {
    const live = Object.freeze(update(undefined, deployment({ replicas: 1 }), "a", T0));
    const before = JSON.stringify(live);
    update(live, withSpec(live, { replicas: 2 }), "b", T1);
    expect(JSON.stringify(live)).toBe(before);
  });
});

describe("managerOrUserAgent", () => {
  test("uses fieldManager, else the User-Agent before the first '/' (prefixFromUserAgent)", () => {
    expect(managerOrUserAgent("kubectl-edit", "kubectl/v1.32.4")).toBe("kubectl-edit");
    expect(managerOrUserAgent("", "kubectl/v1.32.4 (linux/amd64) kubernetes/abc")).toBe("kubectl");
    expect(managerOrUserAgent(undefined, "x".repeat(200))).toBe("x".repeat(128));
    expect(managerOrUserAgent(undefined, "a\u0001b/1")).toBe("ab");
  });
});
