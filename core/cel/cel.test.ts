import { expect, test } from "bun:test";
import { CelError, evaluateCel } from "./evaluate.ts";
import { CelSyntaxError, parseCel, UnsupportedCel } from "./parse.ts";

const request = {
  operation: "CREATE", namespace: "kube-system", name: "x",
  resource: { group: "coordination.k8s.io", version: "v1", resource: "leases" },
  userInfo: { username: "system:kube-scheduler", groups: ["system:authenticated"] },
};
const object = { metadata: { name: "x", labels: { app: "web", tier: "1" } }, spec: { replicas: 3, containers: [{ name: "a", image: "nginx" }, { name: "b", image: "busybox" }] } };
const run = (src: string) => evaluateCel(parseCel(src), { request, object, oldObject: null });

test("expressions match conditions use, with CEL precedence and semantics", () => {
  expect(run("!(request.resource.group == 'coordination.k8s.io' && request.resource.resource == 'leases')")).toBe(false);
  expect(run("request.userInfo.username != 'system:kube-scheduler'")).toBe(false);
  expect(run("!('system:nodes' in request.userInfo.groups)")).toBe(true);
  expect(run("request.namespace.startsWith('kube-') && !request.name.endsWith('y')")).toBe(true);
  expect(run("has(object.metadata.labels) && 'app' in object.metadata.labels")).toBe(true);
  expect(run("has(object.metadata.annotations)")).toBe(false);
  expect(run("object.spec.replicas > 2 && object.spec.replicas * 2 == 6")).toBe(true);
  expect(run("object.spec.containers.all(c, c.image != '')")).toBe(true);
  expect(run("object.spec.containers.exists(c, c.image.contains('busy'))")).toBe(true);
  expect(run("object.spec.containers.exists_one(c, c.name == 'a')")).toBe(true);
  expect(run("object.spec.containers.map(c, c.name) == ['a', 'b']")).toBe(true);
  expect(run("size(object.spec.containers.filter(c, c.name.matches('^[ab]$'))) == 2")).toBe(true);
  expect(run("object.metadata.labels['tier'] == '1' ? 'one' : 'other'")).toBe("one");
  expect(run("int(object.metadata.labels.tier) + 1 == 2")).toBe(true);
  expect(run("1 + 2 * 3 == 7 && (1 + 2) * 3 == 9 && 7 % 4 == 3 && -1 < 0")).toBe(true);
  expect(run("{'a': 1}.a == 1 && [1, 2, 3][1] == 2 && size('héllo') == 5")).toBe(true);
  expect(run("r'\\d' == '\\\\d' && \"x\\ty\" == 'x\\ty'")).toBe(true);
});

test("errors: a missing field is an error that && and || absorb when the other side decides", () => {
  expect(() => run("object.metadata.annotations.x == 'y'")).toThrow(CelError);
  expect(() => run("object.metadata.annotations.x == 'y'")).toThrow("no such key: annotations");
  expect(run("false && object.metadata.annotations.x == 'y'")).toBe(false);
  expect(run("object.metadata.annotations.x == 'y' || true")).toBe(true);
  expect(() => run("object.metadata.annotations.x == 'y' && true")).toThrow(CelError);
  expect(() => run("1 / 0 == 1")).toThrow("division by zero");
  expect(() => run("'a' < 1")).toThrow("no such overload");
});

test("what the subset does not know is UnsupportedCel, not false", () => {
  expect(() => parseCel("object.x ==")).toThrow(UnsupportedCel);
  expect(() => parseCel("a $ b")).toThrow(UnsupportedCel);
  expect(() => run("authorizer.requestResource.check('get').allowed()")).toThrow(UnsupportedCel);
  expect(() => run("semver('1.0.0').isLessThan(semver('2.0.0'))")).toThrow(UnsupportedCel); // semver is Kubernetes 1.33+
});

test("text that is not CEL at all is a CelSyntaxError with its offset; CEL the subset lacks is not", () => {
  const syntax = (src: string) => { try { parseCel(src); } catch (err) { return err instanceof CelSyntaxError ? err.position : undefined; } return undefined; };
  expect(syntax("... [] bad expression")).toBe(1);
  expect(syntax("object.x ==")).toBe(11);
  expect(syntax("a == 'b")).toBe(5);
  expect(syntax(") x")).toBe(0);
  expect(syntax("a.(b)")).toBe(2);
  expect(syntax(".name == 1")).toBeUndefined(); // a root-relative name: CEL, not parsed here
  expect(syntax("Foo{a: 1}.a == 1")).toBeUndefined(); // message construction: CEL, not parsed here
  expect(syntax("a $ b")).toBeUndefined();
});
