import { describe, expect, test } from "bun:test";
import { emptySet, insertPath, setPaths } from "./field-set.ts";
import { decodeFieldsV1, encodeFieldsV1 } from "./fields-v1.ts";
import { pathToString, type PathElement } from "./path-element.ts";
import { formatConflictMessage, conflictCauses } from "./conflict.ts";

const f = (name: string): PathElement => ({ kind: "field", name });

describe("FieldsV1", () => {
  test("members are {}, a member with children gets '.', keys are sorted f: < k: < v: (serialize.go)", () => {
    const s = emptySet();
    insertPath(s, [f("spec"), f("containers"), { kind: "key", fields: [["name", "c"]] }]);
    insertPath(s, [f("spec"), f("containers"), { kind: "key", fields: [["name", "c"]] }, f("image")]);
    insertPath(s, [f("metadata"), f("finalizers"), { kind: "value", value: "x" }]);
    insertPath(s, [f("metadata"), f("labels"), f("app")]);
    const enc = encodeFieldsV1(s);
    expect(JSON.stringify(enc)).toBe(
      JSON.stringify({
        "f:metadata": { "f:finalizers": { 'v:"x"': {} }, "f:labels": { "f:app": {} } },
        "f:spec": { "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:image": {} } } },
      }),
    );
    expect(encodeFieldsV1(decodeFieldsV1(enc))).toEqual(enc);
  });

  test("multi-field keys are sorted by name and compared numerically", () => {
    const s = emptySet();
    for (const port of [8080, 80]) insertPath(s, [f("ports"), { kind: "key", fields: [["containerPort", port], ["protocol", "TCP"]] }]);
    expect(Object.keys(encodeFieldsV1(s)["f:ports"] as object)).toEqual(['k:{"containerPort":80,"protocol":"TCP"}', 'k:{"containerPort":8080,"protocol":"TCP"}']);
  });

  test("decoding rejects unknown element prefixes", () => {
    expect(() => decodeFieldsV1({ "x:foo": {} })).toThrow();
  });

  test("paths print as upstream Path.String and iterate members before descendants", () => {
    const s = decodeFieldsV1({ "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"c"}': { "f:image": {} } } } }, "f:replicas": {} }, "f:metadata": { "f:finalizers": { 'v:"a"': {} } } });
    expect(setPaths(s).map(pathToString)).toEqual(['.metadata.finalizers[="a"]', ".spec.replicas", '.spec.template.spec.containers[name="c"].image']);
  });
});

describe("conflict Status", () => {
  test("Apply entries print without 'using'; causes use reason FieldManagerConflict (NewConflictError)", () => {
    const c = [{ manager: "helm", operation: "Apply" as const, apiVersion: "v1", field: ".data.a" }];
    expect(formatConflictMessage(c)).toBe('Apply failed with 1 conflict: conflict with "helm": .data.a');
    expect(conflictCauses(c)).toEqual([{ reason: "FieldManagerConflict", message: 'conflict with "helm"', field: ".data.a" }]);
  });

  test("several managers are listed in sorted identity order", () => {
    const c = [
      { manager: "zeta", operation: "Update" as const, apiVersion: "v1", field: ".data.b" },
      { manager: "alpha", operation: "Update" as const, apiVersion: "v1", field: ".data.a" },
      { manager: "alpha", operation: "Update" as const, apiVersion: "v1", field: ".data.c" },
    ];
    expect(formatConflictMessage(c)).toBe('Apply failed with 3 conflicts: conflicts with "alpha" using v1:\n- .data.a\n- .data.c\nconflicts with "zeta" using v1:\n- .data.b');
  });
});
