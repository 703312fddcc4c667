import { describe, expect, test } from "bun:test";
import type { JsonObject } from "../json-value.ts";
import { applyObject, type ApplyResult } from "./apply.ts";
import { formatConflictMessage } from "./conflict.ts";
import { deployment, deploymentSchema, T0, T1, T2 } from "./test-fixtures.ts";
import { updateManagedFields } from "./update.ts";

function ok(r: ApplyResult): JsonObject {
  if (!r.ok) throw new Error(`apply failed: ${JSON.stringify(r)}`);
  return r.object;
}

const apply = (live: object | undefined, applied: object, manager = "kubectl", opts: { force?: boolean; now?: string; resetFields?: string[][] } = {}) =>
  applyObject({ live, applied, manager, force: opts.force ?? false, meta: deploymentSchema, now: opts.now ?? T1, ...(opts.resetFields ? { resetFields: opts.resetFields } : {}) });

const managedFields = (o: JsonObject) => (o.metadata as JsonObject).managedFields as JsonObject[];
const spec = (o: JsonObject) => o.spec as JsonObject;
const containers = (o: JsonObject) => ((spec(o).template as JsonObject).spec as JsonObject).containers as JsonObject[];

describe("applyObject", () => {
  test("first apply records one Apply entry encoded as upstream FieldsV1 (toFieldSet: leaves, list items with '.', atomic selector)", () => {
    const obj = ok(apply(undefined, deployment({ replicas: 2 }), "kubectl", { now: T0 }));
    const expected = [
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "apps/v1",
        time: T0,
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
              "f:metadata": { "f:labels": { "f:app": {} } },
              "f:spec": {
                "f:containers": {
                  'k:{"name":"nginx"}': {
                    ".": {},
                    "f:image": {},
                    "f:name": {},
                    "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {}, "f:protocol": {} } },
                  },
                },
              },
            },
          },
        },
      },
    ];
    // Byte-for-byte, including key order (upstream emits sorted keys and this field order).
    expect(JSON.stringify(managedFields(obj))).toBe(JSON.stringify(expected));
    expect(spec(obj).replicas).toBe(2);
  });

  test("re-applying the same config is a no-op (managedFieldsUpdater keeps the time when the object is unchanged)", () => {
    const first = ok(apply(undefined, deployment({ replicas: 2 }), "kubectl", { now: T0 }));
    const r = apply(first, deployment({ replicas: 2 }), "kubectl", { now: T2 });
    expect(r.ok && r.changed).toBe(false);
    expect(ok(r)).toEqual(first);
  });

  test("a field dropped from the config is removed when only this manager owned it (Updater.prune)", () => {
    const first = ok(apply(undefined, deployment({ replicas: 2, labels: { app: "web", tier: "fe" } })));
    const obj = ok(apply(first, deployment({ labels: { app: "web" } }), "kubectl", { now: T2 }));
    expect(spec(obj).replicas).toBeUndefined();
    expect((obj.metadata as JsonObject).labels).toEqual({ app: "web" });
    const fields = managedFields(obj)[0]!.fieldsV1 as JsonObject;
    expect((fields["f:spec"] as JsonObject)["f:replicas"]).toBeUndefined();
    expect(managedFields(obj)[0]!.time).toBe(T2);
  });

  test("a dropped field another manager also owns is kept (addBackOwnedItems)", () => {
    const a = ok(apply(undefined, deployment({ replicas: 2 }), "alpha"));
    const b = ok(apply(a, deployment({ replicas: 2 }), "beta")); // same value: shared, no conflict
    // beta's apply changed nothing, so upstream leaves its entry without a time (sorted first).
    expect(managedFields(b).map((e) => [e.manager, e.time])).toEqual([["beta", undefined], ["alpha", T1]]);
    const c = ok(apply(b, deployment({}), "alpha"));
    expect(spec(c).replicas).toBe(2);
    const betaFields = managedFields(c).find((e) => e.manager === "beta")!.fieldsV1 as JsonObject;
    expect((betaFields["f:spec"] as JsonObject)["f:replicas"]).toEqual({});
  });

  test("two appliers own different containers by key; each prunes only its own item (associative list merge)", () => {
    const nginx = { name: "nginx", image: "nginx:1.27" };
    const sidecar = { name: "sidecar", image: "envoy:1" };
    const a = ok(apply(undefined, deployment({ containers: [nginx] }), "app"));
    const b = ok(apply(a, deployment({ containers: [sidecar] }), "mesh"));
    expect(containers(b).map((c) => c.name)).toEqual(["nginx", "sidecar"]);
    const meshFields = JSON.stringify(managedFields(b).find((e) => e.manager === "mesh")!.fieldsV1);
    expect(meshFields).toContain('k:{\\"name\\":\\"sidecar\\"}');
    expect(meshFields).not.toContain("nginx");
    // The app changes its image: no conflict, the sidecar stays.
    const c = ok(apply(b, deployment({ containers: [{ ...nginx, image: "nginx:1.28" }] }), "app"));
    expect(containers(c)).toEqual([{ name: "nginx", image: "nginx:1.28" }, sidecar]);
    // The mesh stops applying its container: only that item goes.
    const d = ok(apply(c, deployment({ containers: [] }), "mesh"));
    expect(containers(d)).toEqual([{ name: "nginx", image: "nginx:1.28" }]);
  });

  test("conflict with an Update manager that set the field (kubectl scale, then apply with other replicas) has upstream's message", () => {
    const created = ok(apply(undefined, deployment({ replicas: 2 }), "kubectl", { now: T0 }));
    const scaled = updateManagedFields({
      live: created,
      updated: { ...created, spec: { ...spec(created), replicas: 5 } },
      manager: "kubectl-client-side-apply",
      operation: "Update",
      meta: deploymentSchema,
      now: T1,
    });
    const r = apply(scaled, deployment({ replicas: 3 }), "kubectl", { now: T2 });
    expect(r.ok).toBe(false);
    if (r.ok || r.reason !== "Conflict") throw new Error("expected conflict");
    expect(r.conflicts).toEqual([{ manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1", field: ".spec.replicas" }]);
    expect(formatConflictMessage(r.conflicts)).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  });

  test("conflict with the scale subresource names it (printManager 'with subresource')", () => {
    const created = ok(apply(undefined, deployment({ replicas: 2 }), "kubectl"));
    const scaled = updateManagedFields({
      live: created,
      updated: { ...created, spec: { ...spec(created), replicas: 5 } },
      manager: "kubectl",
      operation: "Update",
      meta: deploymentSchema,
      now: T1,
      subresource: "scale",
    });
    const r = apply(scaled, deployment({ replicas: 3 }), "kubectl");
    if (r.ok || r.reason !== "Conflict") throw new Error("expected conflict");
    expect(formatConflictMessage(r.conflicts)).toBe('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
  });

  test("several conflicts are grouped by manager, in set order (getConflictMessage)", () => {
    const a = ok(apply(undefined, deployment({ replicas: 2, labels: { app: "web", tier: "fe" } }), "ops"));
    const r = apply(a, deployment({ replicas: 3, labels: { app: "web", tier: "be" } }), "dev");
    if (r.ok || r.reason !== "Conflict") throw new Error("expected conflict");
    expect(formatConflictMessage(r.conflicts)).toBe('Apply failed with 2 conflicts: conflicts with "ops":\n- .metadata.labels.tier\n- .spec.replicas');
  });

  test("applying the value another manager owns is not a conflict; both own it (Updater.update compares values)", () => {
    const a = ok(apply(undefined, deployment({ replicas: 2 }), "ops"));
    const r = apply(a, deployment({ replicas: 2 }), "dev");
    expect(r.ok).toBe(true);
  });

  test("force=true takes the conflicting field and removes it from the other manager", () => {
    const created = ok(apply(undefined, deployment({ replicas: 2 }), "kubectl"));
    const scaled = updateManagedFields({ live: created, updated: { ...created, spec: { ...spec(created), replicas: 5 } }, manager: "kubectl-scale", operation: "Update", meta: deploymentSchema, now: T1 });
    expect(managedFields(scaled).map((e) => e.manager)).toEqual(["kubectl", "kubectl-scale"]);
    const obj = ok(apply(scaled, deployment({ replicas: 3 }), "kubectl", { force: true, now: T2 }));
    expect(spec(obj).replicas).toBe(3);
    // kubectl-scale owned only .spec.replicas: its entry is dropped.
    expect(managedFields(obj).map((e) => e.manager)).toEqual(["kubectl"]);
    expect(JSON.stringify(managedFields(obj)[0]!.fieldsV1)).toContain("f:replicas");
  });

  test("an object without managedFields gets a before-first-apply Update entry (skipNonApplied)", () => {
    const legacy = { ...deployment({ replicas: 2 }), metadata: { name: "web", namespace: "default", uid: "u1", resourceVersion: "7", labels: { app: "web" } } };
    const r = apply(legacy, deployment({ replicas: 4 }), "kubectl");
    if (r.ok || r.reason !== "Conflict") throw new Error("expected conflict");
    expect(formatConflictMessage(r.conflicts)).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
    const same = ok(apply(legacy, deployment({ replicas: 2 }), "kubectl"));
    const managers = managedFields(same).map((e) => `${e.manager}/${e.operation}`);
    expect(managers).toEqual(["kubectl/Apply", "before-first-apply/Update"]);
  });

  test("reset fields (status of the main resource) are neither owned nor changed", () => {
    const live = { ...deployment({ replicas: 1 }), status: { replicas: 1 } };
    const created = ok(apply(undefined, { ...deployment({ replicas: 1 }), status: { replicas: 9 } }, "kubectl", { resetFields: [["status"]] }));
    expect(created.status).toBeUndefined();
    const obj = ok(apply({ ...created, status: live.status }, { ...deployment({ replicas: 1 }), status: { replicas: 9 } }, "kubectl", { resetFields: [["status"]] }));
    expect(obj.status).toEqual({ replicas: 1 });
    expect(JSON.stringify(managedFields(obj))).not.toContain("f:status");
  });

  test("metadata, apiVersion and kind identity fields are never owned (stripMetaManager)", () => {
    const obj = ok(apply(undefined, deployment({})));
    const fields = managedFields(obj)[0]!.fieldsV1 as JsonObject;
    expect(Object.keys(fields)).toEqual(["f:metadata", "f:spec"]);
    expect(Object.keys(fields["f:metadata"] as JsonObject)).toEqual(["f:labels"]);
  });

  test("a null in the config unsets the field", () => {
    const first = ok(apply(undefined, deployment({ replicas: 2 })));
    const cfg = deployment({});
    (cfg.spec as JsonObject).replicas = null;
    const obj = ok(apply(first, cfg));
    expect(spec(obj).replicas).toBeUndefined();
  });

  test("managedFields in the applied object is a BadRequest ('metadata.managedFields must be nil')", () => {
    const cfg = deployment({});
    (cfg.metadata as JsonObject).managedFields = [];
    expect(apply(undefined, cfg)).toEqual({ ok: false, reason: "BadRequest", message: "metadata.managedFields must be nil" });
  });

  test("an associative-list item without its key is a BadRequest", () => {
    const r = apply(undefined, deployment({ containers: [{ image: "x" }] }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe("BadRequest");
  });

  test("live-only list items keep their place; applied items follow the applied order (merge ordering)", () => {
    const a = ok(apply(undefined, deployment({ containers: [{ name: "a" }, { name: "b" }] }), "one"));
    const b = ok(apply(a, deployment({ containers: [{ name: "x" }] }), "two"));
    expect(containers(b).map((c) => c.name)).toEqual(["a", "b", "x"]);
    const c = ok(apply(b, deployment({ containers: [{ name: "b" }, { name: "a" }] }), "one"));
    // Upstream visitListItems: "a" is not the next shared item when met, so it follows "x".
    expect(containers(c).map((c) => c.name)).toEqual(["b", "x", "a"]);
  });

  test("atomic lists are replaced whole and owned as one leaf; set lists merge by value (list-type atomic / set)", () => {
    const withArgs = (args: string[], finalizers: string[]) => {
      const d = deployment({ containers: [{ name: "c", args }] });
      (d.metadata as JsonObject).finalizers = finalizers;
      return d;
    };
    const a = ok(apply(undefined, withArgs(["a", "b"], ["x"]), "one"));
    const b = ok(apply(a, withArgs(["z"], ["y"]), "two", { force: true }));
    expect(containers(b)[0]!.args).toEqual(["z"]);
    expect((b.metadata as JsonObject).finalizers).toEqual(["x", "y"]);
    const two = JSON.stringify(managedFields(b).find((e) => e.manager === "two")!.fieldsV1);
    expect(two).toContain('"f:args":{}');
    expect(two).toContain('"v:\\"y\\"":{}');
  });

  test("inputs are not mutated", () => {
    const live = Object.freeze(ok(apply(undefined, deployment({ replicas: 2 }))));
    const cfg = deployment({ replicas: 3 });
    const before = JSON.stringify(live);
    apply(live, cfg, "other", { force: true });
    expect(JSON.stringify(live)).toBe(before);
  });
});
