import { expect, test } from "bun:test";
import { compileCel } from "./compile-cache.ts";
import { evaluateCel } from "./evaluate.ts";
import { UnsupportedCel } from "./parse.ts";

/** Rules in the shapes CRD x-kubernetes-validations and ValidatingAdmissionPolicies use. */
const run = (src: string, vars: Record<string, unknown>) => {
  const e = compileCel(src);
  if (e instanceof UnsupportedCel) throw e;
  return evaluateCel(e, vars);
};

const self = {
  replicas: 3, minReplicas: 1, maxReplicas: 5, timeout: "90s", notBefore: "2024-01-01T00:00:00Z", notAfter: "2025-01-01T00:00:00Z",
  labels: { app: "web", "x-team": "a" }, ports: [{ name: "http", port: 80 }, { name: "https", port: 443 }], value: "50%",
  items: [{ enabled: true }, { enabled: false }, { enabled: true }],
};

test("CRD validation rules over self (and oldSelf)", () => {
  const cases: [string, boolean][] = [
    ["self.minReplicas <= self.replicas && self.replicas <= self.maxReplicas", true],
    ["self.labels.all(k, k.matches('^[a-z][-a-z]*$'))", true],
    ["self.labels.all(k, v, k.size() <= 63 && v.size() <= 63)", true],
    ["!has(self.paused) || self.paused == false", true],
    ["self.?paused.orValue(false) == false", true],
    ["self.ports.map(p, p.port).all(p, p > 0 && p < 65536)", true],
    ["self.ports.exists_one(p, p.name == 'http')", true],
    ["size(self.items.filter(i, i.enabled)) <= 1", false],
    ["duration(self.timeout) <= duration('1m')", false],
    ["timestamp(self.notAfter) > timestamp(self.notBefore)", true],
    ["timestamp(self.notAfter) - timestamp(self.notBefore) == duration('8784h')", true], // 2024 is a leap year
    ["type(self.value) == int ? self.value > 0 : self.value.matches('^[0-9]+%$')", true],
    ["self.replicas == oldSelf.replicas", false],
    ["self.ports.all(p, oldSelf.ports.exists(o, o.name == p.name))", false],
  ];
  const oldSelf = { ...self, replicas: 2, ports: [{ name: "http", port: 80 }] };
  for (const [rule, want] of cases) expect([rule, run(rule, { self, oldSelf })]).toEqual([rule, want]);
});

test("admission policy expressions over object, request, params and variables", () => {
  const object = { metadata: { name: "web", namespace: "prod", labels: { env: "prod" } }, spec: { replicas: 7, template: { spec: { containers: [{ name: "a", image: "registry.example.com/a:1" }] } } } };
  const request = { operation: "CREATE", userInfo: { username: "alice", groups: ["system:authenticated", "dev"] } };
  const params = { maxReplicas: 5, allowedRegistries: ["registry.example.com/"] };
  const variables = { containers: object.spec.template.spec.containers };
  const vars = { object, oldObject: null, request, params, variables };
  const cases: [string, unknown][] = [
    ["object.spec.replicas <= params.maxReplicas", false],
    ["variables.containers.all(c, params.allowedRegistries.exists(r, c.image.startsWith(r)))", true],
    ["request.userInfo.groups.exists(g, g == 'system:masters') || object.metadata.namespace != 'kube-system'", true],
    ["'object ' + object.metadata.name + ' has ' + string(object.spec.replicas) + ' replicas'", "object web has 7 replicas"],
    ["oldObject == null || object.metadata.name == oldObject.metadata.name", true],
    ["object.metadata.?labels[?'env'].orValue('none')", "prod"],
    ["has(object.metadata.labels) && 'env' in object.metadata.labels", true],
    ["request.operation in ['CREATE', 'UPDATE']", true],
  ];
  for (const [expr, want] of cases) expect([expr, run(expr, vars)] as unknown[]).toEqual([expr, want]);
});
