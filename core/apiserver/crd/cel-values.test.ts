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

test("x-kubernetes-list-type map and set lists compare without regard to order; atomic and untyped lists in order", () => {
  const item = { type: "object", properties: { name: { type: "string" }, proto: { type: "string" }, port: { type: "integer" } } } as JSONSchemaProps;
  const lists: JSONSchemaProps = {
    type: "object",
    properties: {
      ports: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name", "proto"], items: item },
      tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
      sizes: { type: "array", "x-kubernetes-list-type": "set", items: { type: "number" } },
      atomic: { type: "array", "x-kubernetes-list-type": "atomic", items: { type: "string" } },
      plain: { type: "array", items: { type: "string" } },
      nested: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], items: { type: "object", properties: { name: { type: "string" }, tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } } } } },
    },
  };
  const a = {
    ports: [{ name: "http", proto: "TCP", port: 80 }, { name: "http", proto: "UDP", port: 80 }, { name: "dns", proto: "UDP", port: 53 }],
    tags: ["x", "y", "z"], sizes: [1, 2.5], atomic: ["x", "y"], plain: ["x", "y"], nested: [{ name: "a", tags: ["1", "2"] }, { name: "b", tags: [] }],
  };
  const b = {
    ports: [{ name: "dns", proto: "UDP", port: 53 }, { name: "http", proto: "UDP", port: 80 }, { name: "http", proto: "TCP", port: 80 }],
    tags: ["z", "x", "y"], sizes: [2.5, 1], atomic: ["y", "x"], plain: ["y", "x"], nested: [{ name: "b", tags: [] }, { name: "a", tags: ["2", "1"] }],
  };
  const both = (src: string, self: unknown, old: unknown) => evaluateCel(compileCel(src) as Expr, markNative({ self: schemaValue(self, lists), oldSelf: schemaValue(old, lists) }));
  expect(both("self.ports == oldSelf.ports && self.tags == oldSelf.tags && self.sizes == oldSelf.sizes && self.nested == oldSelf.nested", a, b)).toBe(true);
  expect(both("self.atomic == oldSelf.atomic || self.plain == oldSelf.plain", a, b)).toBe(false);
  // Objects holding them compare the same way; the whole value too (atomic and plain excepted).
  expect(both("self == oldSelf", { ...a, atomic: [], plain: [] }, { ...b, atomic: [], plain: [] })).toBe(true);
  expect(both("self != oldSelf", a, b)).toBe(true);
  // Changed values, keys or sizes are unequal.
  const changed = { ...b, ports: [{ name: "dns", proto: "UDP", port: 54 }, b.ports[1], b.ports[2]] };
  expect(both("self.ports == oldSelf.ports", a, changed)).toBe(false);
  expect(both("self.ports == oldSelf.ports", a, { ...b, ports: [{ name: "dns", proto: "TCP", port: 53 }, b.ports[1], b.ports[2]] })).toBe(false);
  expect(both("self.ports == oldSelf.ports || self.tags == oldSelf.tags", a, { ...b, ports: b.ports.slice(1), tags: ["x", "y", "w"] })).toBe(false);
  expect(both("self.nested == oldSelf.nested", a, { ...b, nested: [{ name: "b", tags: [] }, { name: "a", tags: ["2", "3"] }] })).toBe(false);
  // The typed list decides when it is the left operand (upstream asks the left value's Equal).
  expect(run("self.tags == ['y', 'z', 'x'] && self.sizes == [2.5, 1] && self.ports == [{'name': 'dns', 'proto': 'UDP', 'port': 53}, {'name': 'http', 'proto': 'UDP', 'port': 80}, {'name': 'http', 'proto': 'TCP', 'port': 80}]", a, lists)).toBe(true);
  expect(run("['y', 'z', 'x'] == self.tags", a, lists)).toBe(false);
  expect(run("self.tags == ['x', 'y'] || self.tags == ['x', 'y', 'w'] || self.tags == 'xyz'", a, lists)).toBe(false);
  // Elements without a plain scalar form (timestamps) are matched by CEL equality.
  const times: JSONSchemaProps = { type: "array", "x-kubernetes-list-type": "set", items: { type: "string", format: "date-time" } };
  expect(run("self == [timestamp('2024-01-02T00:00:00Z'), timestamp('2024-01-01T00:00:00Z')]", ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"], times)).toBe(true);
  expect(run("self == [timestamp('2024-01-02T00:00:00Z'), timestamp('2024-01-03T00:00:00Z')]", ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"], times)).toBe(false);
  // Other list operations keep the list's order.
  expect(run("self.tags[0] == 'x' && self.ports.map(p, p.port) == [80, 80, 53]", a, lists)).toBe(true);
});

test("`+` on map lists merges by key and on set lists unions (upstream Add); the result stays typed", () => {
  const item = { type: "object", properties: { name: { type: "string" }, proto: { type: "string" }, port: { type: "integer" } } } as JSONSchemaProps;
  const lists: JSONSchemaProps = {
    type: "object",
    properties: {
      ports: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name", "proto"], items: item },
      tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
      sizes: { type: "array", "x-kubernetes-list-type": "set", items: { type: "number" } },
      times: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string", format: "date-time" } },
      atomic: { type: "array", "x-kubernetes-list-type": "atomic", items: { type: "string" } },
    },
  };
  const a = {
    ports: [{ name: "http", proto: "TCP", port: 80 }, { name: "http", proto: "UDP", port: 80 }, { name: "dns", proto: "UDP", port: 53 }],
    tags: ["x", "y"], sizes: [1, 2.5], times: ["2024-01-01T00:00:00Z"], atomic: ["x", "y"],
  };
  const ok = (src: string) => expect([src, run(src, a, lists)]).toEqual([src, true]);
  // Map list: replaced in place (the last of several with one key), new keys appended in order (not merged with each other).
  ok("(self.ports + [{'name': 'dns', 'proto': 'UDP', 'port': 5353}, {'name': 'ssh', 'proto': 'TCP', 'port': 22}]).map(p, p.name + '/' + p.proto + ':' + string(p.port)) == ['http/TCP:80', 'http/UDP:80', 'dns/UDP:5353', 'ssh/TCP:22']");
  ok("(self.ports + [{'name': 'http', 'proto': 'UDP', 'port': 1}, {'name': 'http', 'proto': 'UDP', 'port': 2}]).map(p, p.port) == [80, 2, 53]");
  ok("(self.ports + [{'name': 'a', 'proto': 'TCP', 'port': 1}, {'name': 'a', 'proto': 'TCP', 'port': 2}]).map(p, p.port) == [80, 80, 53, 1, 2]");
  ok("(self.ports + [{'name': 'http', 'port': 1}]).size() == 4 && (self.ports + []).size() == 3");
  // The result is still a map list: equality ignores order, and `+` merges again.
  ok("self.ports + [{'name': 'http', 'proto': 'TCP', 'port': 8080}] == [{'name': 'dns', 'proto': 'UDP', 'port': 53}, {'name': 'http', 'proto': 'UDP', 'port': 80}, {'name': 'http', 'proto': 'TCP', 'port': 8080}]");
  ok("(self.ports + [{'name': 'ssh', 'proto': 'TCP', 'port': 22}] + [{'name': 'ssh', 'proto': 'TCP', 'port': 2222}]).map(p, p.port) == [80, 80, 53, 2222]");
  // Set list: union keeping the left order, new elements (deduplicated) appended in order.
  ok("(self.tags + ['z', 'x', 'w', 'z']).map(t, t) == ['x', 'y', 'z', 'w']");
  ok("self.tags + ['z', 'x'] == ['z', 'y', 'x'] && self.tags + self.tags == ['y', 'x']");
  ok("(self.sizes + [1, 3.0, 2.5]).map(s, s) == [1.0, 2.5, 3.0]");
  ok("(self.times + [timestamp('2024-01-01T00:00:00Z'), timestamp('2024-01-02T00:00:00Z')]).size() == 2");
  // A plain list on the left, and atomic lists, concatenate; the result compares in order.
  ok("(['x'] + self.tags).map(t, t) == ['x', 'x', 'y'] && ['x'] + self.tags != ['y', 'x', 'x']");
  ok("(self.atomic + ['x']).map(t, t) == ['x', 'y', 'x'] && self.atomic + ['x'] != ['x', 'x', 'y']");
  expect(() => run("self.tags + 'z'", a, lists)).toThrow(/no such overload/);
});
