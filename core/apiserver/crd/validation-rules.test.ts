import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../testing/harness.ts";
import { installCRD } from "./testing/fixtures.ts";
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
            notes: { type: "string", "x-kubernetes-validations": [{ rule: "self.matches('^[a-z ]*$')" }, { rule: "authorizer.group('x').check('get').allowed()" }] },
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

test("rules the CEL subset cannot evaluate are not enforced", () => {
  const schema = { type: "object", "x-kubernetes-validations": [{ rule: "semver(self.size).isGreaterThan(semver('1.0.0'))" }, { rule: "self.missing == 1" }] };
  expect(validateRules(schema, { size: "1Mi" })).toEqual([]);
});

test("Kubernetes library rules (quantity) are enforced", () => {
  const schema = { type: "object", "x-kubernetes-validations": [{ rule: "quantity(self.size).isGreaterThan(quantity('1Gi'))" }] };
  expect(validateRules(schema, { size: "2Gi" })).toEqual([]);
  expect(validateRules(schema, { size: "1Mi" })).toHaveLength(1);
});
