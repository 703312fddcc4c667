import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../testing/harness.ts";
import { installCRD } from "./testing/fixtures.ts";
import { formatFieldError } from "../errors/index.ts";
import { validateRules } from "./validation-rules.ts";

const rulesCRD = {
  apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
  metadata: { name: "scalers.rules.example.com" },
  spec: {
    group: "rules.example.com", scope: "Namespaced",
    names: { plural: "scalers", singular: "scaler", kind: "Scaler" },
    versions: [{
      name: "v1", served: true, storage: true,
      schema: { openAPIV3Schema: {
        type: "object",
        properties: { spec: {
          type: "object",
          "x-kubernetes-validations": [
            { rule: "self.minReplicas <= self.maxReplicas", message: "minReplicas must not exceed maxReplicas" },
            { rule: "!has(self.mode) || self.mode == oldSelf.mode", message: "mode is immutable", optionalOldSelf: false },
          ],
          properties: {
            minReplicas: { type: "integer" }, maxReplicas: { type: "integer" }, mode: { type: "string" },
            ports: {
              type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
              items: { type: "object", properties: { name: { type: "string" }, port: { type: "integer" } }, required: ["name"],
                "x-kubernetes-validations": [{ rule: "self.port > 0 && self.port < 65536", messageExpression: "'port ' + string(self.port) + ' is out of range'" }] },
            },
            notes: { type: "string", "x-kubernetes-validations": [{ rule: "self.matches('^[a-z ]*$')" }] },
          },
        } },
      } },
    }],
  },
};
const SCALERS = "/apis/rules.example.com/v1/namespaces/default/scalers";
const scaler = (name: string, spec: Record<string, unknown>) => ({ apiVersion: "rules.example.com/v1", kind: "Scaler", metadata: { name }, spec });

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await installCRD(h, rulesCRD);
});
afterAll(async () => { await h.close(); });

test("x-kubernetes-validations: false rules are 422 Invalid at their path with their message (or messageExpression)", async () => {
  expect((await h.call("POST", SCALERS, scaler("ok", { minReplicas: 1, maxReplicas: 3, mode: "fast", ports: [{ name: "http", port: 80 }], notes: "all good" }))).status).toBe(201);
  const bad = await h.call("POST", SCALERS, scaler("bad", { minReplicas: 5, maxReplicas: 3, ports: [{ name: "http", port: 70000 }], notes: "Caps" }));
  expect(bad.status).toBe(422);
  expect(bad.body.reason).toBe("Invalid");
  expect(bad.body.details.causes.map((c: any) => `${c.field}: ${c.message}`)).toEqual([
    'spec: Invalid value: "object": minReplicas must not exceed maxReplicas',
    'spec.ports[0]: Invalid value: "object": port 70000 is out of range',
    "spec.notes: Invalid value: \"string\": failed rule: self.matches('^[a-z ]*$')",
  ]);
});

test("transition rules compare with the stored object on update and are skipped on create", async () => {
  const cur = (await h.call("GET", `${SCALERS}/ok`)).body;
  const changed = await h.call("PUT", `${SCALERS}/ok`, { ...cur, spec: { ...cur.spec, mode: "slow" } });
  expect(changed.status).toBe(422);
  expect(changed.body.details.causes[0].message).toBe('Invalid value: "object": mode is immutable');
  expect((await h.call("PUT", `${SCALERS}/ok`, { ...cur, spec: { ...cur.spec, maxReplicas: 4 } })).status).toBe(200);
});

test("CRDs whose rules do not compile are refused (undeclared variables, undefined fields)", async () => {
  const crd = structuredClone(rulesCRD) as any;
  crd.metadata.name = "badrules.rules.example.com";
  crd.spec.names = { plural: "badrules", singular: "badrule", kind: "BadRule" };
  crd.spec.versions[0].schema.openAPIV3Schema.properties.spec["x-kubernetes-validations"] = [{ rule: "authorizer.group('x').check('get').allowed()" }, { rule: "self.replicas > 0" }];
  const r = await h.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  expect(r.status).toBe(422);
  const rule = (text: string) => `apiextensions.ValidationRule{Rule:${JSON.stringify(text)}, Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}`;
  expect(r.body.details.causes.map((c: any) => `${c.field}: ${c.message}`)).toEqual([
    `spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: ${rule("authorizer.group('x').check('get').allowed()")}: compilation failed: ERROR: <input>:1:1: undeclared reference to 'authorizer' (in container '')\n | authorizer.group('x').check('get').allowed()\n | ^`,
    `spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule: Invalid value: ${rule("self.replicas > 0")}: compilation failed: ERROR: <input>:1:5: undefined field 'replicas'\n | self.replicas > 0\n | ....^`,
  ]);
});

test("rules whose evaluation fails are field errors worded as upstream's", () => {
  const schema = {
    type: "object", properties: { size: { type: "string" }, missing: { type: "integer" }, n: { type: "integer" } },
    "x-kubernetes-validations": [{ rule: "self.missing == 1" }, { rule: "self.n / 0 == 1", message: "n is bad" }, { rule: "self.size.startsWith(1)" }],
  };
  expect(validateRules(schema, { size: "1Mi", n: 1 }).map(formatFieldError)).toEqual([
    '<nil>: Invalid value: "object": no such key: missing evaluating rule: self.missing == 1',
    '<nil>: Invalid value: "object": division by zero evaluating rule: n is bad',
    "<nil>: Invalid value: \"object\": 'no such overload: string.startsWith(int)': call arguments did not match a supported operator, function or macro signature for rule: self.size.startsWith(1)",
  ]);
});

test("CEL this implementation does not handle is not enforced", () => {
  const schema = { type: "object", properties: { size: { type: "string" } }, "x-kubernetes-validations": [{ rule: ".self.size == 'x'" }, { rule: "semver(self.size).isGreaterThan(semver('1.0.0'))" }] };
  expect(validateRules(schema, { size: "1Mi" })).toEqual([]);
});

test("values are typed by the schema: date-time, duration, number, integer, bytes", () => {
  const schema = {
    type: "object",
    properties: {
      expiry: { type: "string", format: "date-time" }, ttl: { type: "string", format: "duration" }, ratio: { type: "number" },
      count: { type: "integer" }, data: { type: "string", format: "byte" }, port: { "x-kubernetes-int-or-string": true },
    },
    "x-kubernetes-validations": [
      { rule: "self.expiry > timestamp('2020-01-01T00:00:00Z')", message: "expired" },
      { rule: "self.ttl <= duration('24h')", message: "ttl" },
      { rule: "type(self.ratio) == double && type(self.count) == int && type(self.data) == bytes", message: "types" },
      { rule: "type(self.port) == string ? self.port.endsWith('%') : self.port > 0", message: "port" },
    ],
  };
  expect(validateRules(schema, { expiry: "2021-05-01T10:00:00Z", ttl: "1h30m", ratio: 1, count: 2, data: "aGk=", port: "5%" })).toEqual([]);
  expect(validateRules(schema, { expiry: "2019-05-01T10:00:00Z", ttl: "2d", ratio: 1, count: 2, data: "aGk=", port: 0 }).map(formatFieldError)).toEqual([
    '<nil>: Invalid value: "object": expired', '<nil>: Invalid value: "object": ttl', '<nil>: Invalid value: "object": port',
  ]);
});

test("optionalOldSelf binds oldSelf as an optional, also on create", () => {
  const schema = { type: "object", properties: { v: { type: "integer" } }, "x-kubernetes-validations": [{ rule: "!oldSelf.hasValue() || self.v >= oldSelf.value().v", message: "v may only grow", optionalOldSelf: true }] };
  expect(validateRules(schema, { v: 1 })).toEqual([]);
  expect(validateRules(schema, { v: 2 }, { v: 1 })).toEqual([]);
  expect(validateRules(schema, { v: 1 }, { v: 2 }).map(formatFieldError)).toEqual(['<nil>: Invalid value: "object": v may only grow']);
});

test("transition rules: `self == oldSelf` on map and set lists ignores order (upstream's list types), atomic lists do not", () => {
  const immutable = (list: Record<string, unknown>) => ({
    type: "object",
    properties: { ports: { type: "array", ...list, "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "ports are immutable" }] } },
  });
  const mapList = immutable({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], items: { type: "object", properties: { name: { type: "string" }, port: { type: "integer" } }, required: ["name"] } });
  const before = { ports: [{ name: "http", port: 80 }, { name: "https", port: 443 }] };
  const reordered = { ports: [{ name: "https", port: 443 }, { name: "http", port: 80 }] };
  expect(validateRules(mapList, reordered, before)).toEqual([]);
  expect(validateRules(mapList, { ports: [{ name: "https", port: 8443 }, { name: "http", port: 80 }] }, before).map(formatFieldError)).toEqual(['ports: Invalid value: "array": ports are immutable']);
  const setList = immutable({ "x-kubernetes-list-type": "set", items: { type: "integer" } });
  expect(validateRules(setList, { ports: [443, 80] }, { ports: [80, 443] })).toEqual([]);
  expect(validateRules(setList, { ports: [443, 8080] }, { ports: [80, 443] })).toHaveLength(1);
  const atomic = immutable({ "x-kubernetes-list-type": "atomic", items: { type: "integer" } });
  expect(validateRules(atomic, { ports: [443, 80] }, { ports: [80, 443] }).map(formatFieldError)).toEqual(['ports: Invalid value: "array": ports are immutable']);
});

test("Kubernetes library rules (quantity) are enforced", () => {
  const schema = { type: "object", properties: { size: { type: "string" } }, "x-kubernetes-validations": [{ rule: "quantity(self.size).isGreaterThan(quantity('1Gi'))" }] };
  expect(validateRules(schema, { size: "2Gi" })).toEqual([]);
  expect(validateRules(schema, { size: "1Mi" })).toHaveLength(1);
});

test("transition rules: `+` merges map lists by key and unions set lists (upstream), the result ignoring order", () => {
  const withRule = (list: Record<string, unknown>, rule: string) => ({
    type: "object",
    properties: { items: { type: "array", ...list, "x-kubernetes-validations": [{ rule, message: "only as the rule says" }] } },
  });
  const mapList = { "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"], items: { type: "object", properties: { k: { type: "string" }, v: { type: "integer" } }, required: ["k"] } };
  // oldSelf with `a` set to 2 (in place) and `c` added.
  const bump = withRule(mapList, "oldSelf + [{'k': 'a', 'v': 2}, {'k': 'c', 'v': 3}] == self");
  const before = { items: [{ k: "a", v: 1 }, { k: "b", v: 1 }] };
  expect(validateRules(bump, { items: [{ k: "a", v: 2 }, { k: "b", v: 1 }, { k: "c", v: 3 }] }, before)).toEqual([]);
  expect(validateRules(bump, { items: [{ k: "c", v: 3 }, { k: "b", v: 1 }, { k: "a", v: 2 }] }, before)).toEqual([]);
  expect(validateRules(bump, { items: [{ k: "a", v: 1 }, { k: "b", v: 1 }, { k: "a", v: 2 }, { k: "c", v: 3 }] }, before).map(formatFieldError)).toEqual(['items: Invalid value: "array": only as the rule says']);
  expect(validateRules(withRule(mapList, "self + [{'k': 'a', 'v': 2}] == oldSelf"), { items: [{ k: "b", v: 1 }, { k: "a", v: 1 }] }, { items: [{ k: "a", v: 2 }, { k: "b", v: 1 }] })).toEqual([]);
  // Only additions: the old set plus the new one is the new one.
  const grows = withRule({ "x-kubernetes-list-type": "set", items: { type: "string" } }, "oldSelf + self == self");
  expect(validateRules(grows, { items: ["c", "a", "b"] }, { items: ["a", "b"] })).toEqual([]);
  expect(validateRules(grows, { items: ["c", "a"] }, { items: ["a", "b"] })).toHaveLength(1);
});
