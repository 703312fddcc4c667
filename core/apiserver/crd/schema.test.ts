import { describe, expect, test } from "bun:test";
import { formatFieldError } from "../errors/index.ts";
import { parseJsonPath } from "./jsonpath.ts";
import { toOpenAPIV2 } from "./openapi.ts";
import { applyDefaults } from "./schema-default.ts";
import { pruneObject } from "./schema-prune.ts";
import { validateAgainstSchema } from "./schema-validate.ts";
import { validateStructuralSchema } from "./structural.ts";
import type { JSONSchemaProps } from "./types.ts";

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        size: { type: "number", minimum: 0, exclusiveMinimum: true },
        items: { type: "array", minItems: 1, items: { type: "object", properties: { name: { type: "string", minLength: 2 } }, required: ["name"] } },
        opt: { type: "string", nullable: true },
        d: { type: "object", default: { a: 1 }, properties: { a: { type: "integer" }, b: { type: "string", default: "x" } } },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { known: { type: "object", properties: { k: { type: "string" } } } } },
      },
    },
  },
};

test("validation messages follow kube-openapi", () => {
  const errs = validateAgainstSchema(schema, { spec: { size: 0, items: [{ name: "a" }, {}], opt: null } }).map(formatFieldError);
  expect(errs).toEqual([
    "spec.size: Invalid value: 0: spec.size in body should be greater than 0",
    'spec.items[0].name: Invalid value: "a": spec.items[0].name in body should be at least 2 chars long',
    "spec.items[1].name: Required value",
  ]);
  expect(validateAgainstSchema(schema, { spec: { items: [] } }).map(formatFieldError)).toEqual(["spec.items: Invalid value: 0: spec.items in body should have at least 1 items"]);
  expect(validateAgainstSchema(schema, { spec: { size: null } }).map(formatFieldError)).toEqual(['spec.size: Invalid value: "null": spec.size in body must be of type number: "null"']);
});

test("defaults apply top-down, also inside defaulted objects", () => {
  const obj: Record<string, any> = { spec: {} };
  applyDefaults(schema, obj);
  expect(obj.spec.d).toEqual({ a: 1, b: "x" });
  const keep: Record<string, any> = { spec: { d: { a: 5 } } };
  applyDefaults(schema, keep);
  expect(keep.spec.d).toEqual({ a: 5, b: "x" });
});

test("pruning removes unknown fields but keeps preserved ones and reports paths", () => {
  const obj: Record<string, any> = { apiVersion: "a/v1", kind: "K", metadata: { name: "n" }, spec: { x: 1, items: [{ name: "aa", y: 2 }], free: { z: 1, known: { k: "v", drop: 1 } } }, top: true };
  expect(pruneObject(schema, obj)).toEqual(["spec.x", "spec.items[0].y", "spec.free.known.drop", "top"]);
  expect(obj).toEqual({ apiVersion: "a/v1", kind: "K", metadata: { name: "n" }, spec: { items: [{ name: "aa" }], free: { z: 1, known: { k: "v" } } } });
});

test("structural schema rules", () => {
  const errs = validateStructuralSchema({ type: "object", additionalProperties: { type: "string" }, properties: { a: { type: "array" }, b: {} } }, "s").map(formatFieldError);
  expect(errs).toContain("s.additionalProperties: Forbidden: must not be used at the root");
  expect(errs).toContain("s.properties[a].items: Required value: must be specified");
  expect(errs).toContain("s.properties[b].type: Required value: must not be empty for specified object fields");
  expect(validateStructuralSchema({ type: "object", properties: { p: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] } } }, "s")).toEqual([]);
});

test("JSONPath subset of printer columns", () => {
  const obj = { status: { conditions: [{ type: "Ready", status: "True" }, { type: "Synced", status: "False" }] }, spec: { list: [1, 2], "a.b": 3 } };
  expect(parseJsonPath('.status.conditions[?(@.type=="Synced")].status').find(obj)).toEqual(["False"]);
  expect(parseJsonPath(".spec.list[1]").find(obj)).toEqual([2]);
  expect(parseJsonPath(".spec.list[*]").find(obj)).toEqual([1, 2]);
  expect(parseJsonPath("{.spec['a.b']}").find(obj)).toEqual([3]);
  expect(parseJsonPath(".spec.missing").find(obj)).toEqual([]);
  expect(() => parseJsonPath(".spec..x")).toThrow();
});

describe("toOpenAPIV2 (upstream ToStructuralOpenAPIV2)", () => {
  test("junctors go; nullable and unknown-preserving nodes lose type, items and properties; arrays without items lose their type", () => {
    const v2 = toOpenAPIV2({
      type: "object", required: ["a", "n"],
      properties: {
        a: { type: "string", anyOf: [{ pattern: "x" }] },
        n: { type: "object", nullable: true, properties: { x: { type: "string" } } },
        p: { type: "array", "x-kubernetes-preserve-unknown-fields": true, items: { type: "string" } },
        o: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { y: { type: "string" } } },
      },
    });
    expect(v2).toEqual({
      type: "object", required: ["a"],
      properties: {
        a: { type: "string" },
        n: {},
        p: { "x-kubernetes-preserve-unknown-fields": true },
        o: { "x-kubernetes-preserve-unknown-fields": true },
      },
    });
  });
});
