import { expect, test } from "bun:test";
import { formatFieldError } from "../errors/index.ts";
import { checkCel } from "./cel-check.ts";
import { schemaShape, validateRuleCompilation } from "./rule-compile.ts";
import type { CRDObject, JSONSchemaProps } from "./types.ts";

const spec: JSONSchemaProps = {
  type: "object",
  properties: {
    replicas: { type: "integer" }, "my-field": { type: "string" },
    ports: { type: "array", items: { type: "object", properties: { port: { type: "integer" } } } },
    labels: { type: "object", additionalProperties: { type: "object", properties: { v: { type: "string" } } } },
    extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { a: { type: "string" } } },
    any: { "x-kubernetes-int-or-string": true },
  },
};
const env = { variables: new Map([["self", schemaShape(spec)], ["oldSelf", schemaShape(spec)]]) };
const issues = (src: string) => checkCel(src, env)?.split("\n").filter((l) => l.startsWith("ERROR")) ?? [];

test("undefined fields through properties, items, additionalProperties and macro variables", () => {
  expect(issues("self.replicas > 0 && self.my__dash__field != '' && self.ports.all(p, p.port > 0) && self.labels['x'].v == '' && self.labels.y.v == ''")).toEqual([]);
  expect(issues("self.replica > 0")).toEqual(["ERROR: <input>:1:5: undefined field 'replica'"]);
  expect(issues("self.ports.all(p, p.prot > 0)")).toEqual(["ERROR: <input>:1:20: undefined field 'prot'"]);
  expect(issues("self.ports[0].prot > 0")).toEqual(["ERROR: <input>:1:14: undefined field 'prot'"]);
  expect(issues("self.labels.all(k, self.labels[k].w == '')")).toEqual(["ERROR: <input>:1:34: undefined field 'w'"]);
  expect(issues("has(self.nope)")).toEqual(["ERROR: <input>:1:9: undefined field 'nope'"]);
});

test("dynamic and open values are not reported", () => {
  expect(issues("self.extra.whatever == 1 && self.any.foo == 1 && size(self.ports) > 0 && self.ports.map(p, p).all(q, q.zzz)")).toEqual([]);
});

test("undeclared references and functions, syntax errors; type names and namespaced functions resolve", () => {
  expect(issues("foo == 1")).toEqual(["ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')"]);
  expect(issues("self.replicas.nope()")).toEqual(["ERROR: <input>:1:19: undeclared reference to 'nope' (in container '')"]);
  expect(issues("self.replicas ==")).toEqual(["ERROR: <input>:1:17: Syntax error: unexpected end of input"]);
  expect(issues("type(self.replicas) == int && type(quantity('1')) == kubernetes.Quantity && optional.none() != optional.of(1) && sets.contains([1], [1]) && oldSelf.replicas == 1")).toEqual([]);
  expect(issues("self.ports.exists(p, p.port == 1) && [1].all(x, x > 0)")).toEqual([]);
});

test("CRD validation reports rules at upstream's paths (spec.validation when all versions share the schema)", () => {
  const crd = (schemas: JSONSchemaProps[]) => ({ spec: { versions: schemas.map((s, i) => ({ name: `v${i + 1}`, served: true, storage: i === 0, schema: { openAPIV3Schema: s } })) } }) as unknown as CRDObject;
  const root: JSONSchemaProps = { type: "object", properties: { spec: { ...spec, "x-kubernetes-validations": [{ rule: "self.nope", messageExpression: "1" }, { rule: "self.replicas > 0", messageExpression: "self.zz" }] } } };
  expect(validateRuleCompilation(crd([root, root])).map((e) => e.field)).toEqual([
    "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule",
    "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].messageExpression",
  ]);
  const other: JSONSchemaProps = { type: "object", properties: { spec: { type: "object", properties: {} } }, "x-kubernetes-validations": [{ rule: "self.metadata.name == 'x' && self.metadata.labels.a == 'b'" }] };
  const errs = validateRuleCompilation(crd([root, other])).map(formatFieldError);
  expect(errs.map((e) => e.split(":")[0])).toEqual([
    "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule",
    "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].messageExpression",
    "spec.versions[1].schema.openAPIV3Schema.x-kubernetes-validations[0].rule",
  ]);
  expect(errs[2]).toContain("compilation failed: ERROR: <input>:1:43: undefined field 'labels'");
  expect(errs[1]).toContain("messageExpression compilation failed: ERROR: <input>:1:5: undefined field 'zz'");
});
