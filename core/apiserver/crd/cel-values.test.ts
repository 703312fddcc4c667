import { expect, test } from "bun:test";
import { compileCel } from "../../cel/compile-cache.ts";
import { evaluateCel } from "../../cel/evaluate.ts";
import type { Expr } from "../../cel/parse.ts";
import { markNative } from "../../cel/values.ts";
import { schemaValue } from "./cel-values.ts";
import type { JSONSchemaProps } from "./types.ts";

const run = (src: string, value: unknown, schema: JSONSchemaProps, root = false) => evaluateCel(compileCel(src) as Expr, markNative({ self: schemaValue(value, schema, root) }));

const spec: JSONSchemaProps = {
  type: "object",
  properties: {
    when: { type: "string", format: "date-time" }, day: { type: "string", format: "date" }, ttl: { type: "string", format: "duration" },
    raw: { type: "string", format: "byte" }, ratio: { type: "number" }, n: { type: "integer" }, opt: { type: "string", nullable: true },
    labels: { type: "object", additionalProperties: { type: "number" } },
    list: { type: "array", items: { type: "number" } },
    open: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { a: { type: "integer" } } },
    res: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
  },
};
const value = {
  when: "2024-02-03T04:05:06Z", day: "2024-02-03", ttl: "1h30m", raw: "aGk=", ratio: 2, n: 3, opt: null, undeclared: 1,
  labels: { a: 1 }, list: [1, 2.5], open: { a: 1, b: { c: 2 } }, res: { apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { x: "y" } } },
};

test("string formats become timestamps, durations and bytes", () => {
  expect(run("self.when > timestamp('2020-01-01T00:00:00Z') && self.when.getFullYear() == 2024", value, spec)).toBe(true);
  expect(run("self.day == timestamp('2024-02-03T00:00:00Z')", value, spec)).toBe(true);
  expect(run("self.ttl == duration('90m')", value, spec)).toBe(true);
  expect(run("self.raw == b'hi'", value, spec)).toBe(true);
});

test("numbers are doubles even when whole, integers ints, in maps and lists too", () => {
  expect(run("type(self.ratio) == double && type(self.n) == int", value, spec)).toBe(true);
  expect(run("type(self.labels.a) == double && self.list.all(x, type(x) == double)", value, spec)).toBe(true);
});

test("objects with properties show declared, non-null properties only; preserve-unknown-fields keeps the rest as JSON", () => {
  expect(run("!has(self.opt) && !('undeclared' in self) && has(self.when)", value, spec)).toBe(true);
  expect(run("self.open.a == 1 && self.open.b.c == 2", value, spec)).toBe(true);
});

test("embedded resources and the resource root declare apiVersion, kind and metadata.name", () => {
  expect(run("self.res.kind == 'Pod' && self.res.metadata.name == 'p' && !has(self.res.metadata.labels)", value, spec)).toBe(true);
  const root: JSONSchemaProps = { type: "object", properties: { spec: { type: "object", properties: {} } } };
  expect(run("self.metadata.name == 'x' && self.kind == 'K' && !has(self.metadata.labels)", { kind: "K", metadata: { name: "x", labels: { a: "b" } } }, root, true)).toBe(true);
});

test("int-or-string stays dynamic", () => {
  const s: JSONSchemaProps = { type: "object", properties: { p: { "x-kubernetes-int-or-string": true } } };
  expect(run("type(self.p) == int", { p: 80 }, s)).toBe(true);
  expect(run("type(self.p) == string", { p: "80%" }, s)).toBe(true);
});

test("conversions are memoized per object and schema node", () => {
  expect(schemaValue(value, spec)).toBe(schemaValue(value, spec));
});
