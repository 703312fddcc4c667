import { describe, expect, test } from "bun:test";
import type { Attributes } from "../../apiserver/authz/types.ts";
import { evaluateCel } from "../evaluate.ts";
import { parseCel } from "../parse.ts";
import { AuthorizerBinding, type AuthzDecision } from "./authz.ts";

/** An authorizer that records what it was asked and allows `get` on pods, denies `delete`, errors on `explode`. */
function setup() {
  const seen: Attributes[] = [];
  const decide = (a: Attributes): AuthzDecision => {
    seen.push(a);
    if (a.verb === "explode") throw new Error("webhook unreachable");
    if (a.verb === "delete") return { decision: "deny", reason: "deletes are denied" };
    if (a.verb === "get" && (a.resource === "pods" || a.path === "/healthz")) return { decision: "allow", reason: "rbac says yes" };
    return { decision: "noOpinion", reason: "" };
  };
  const authorizer = new AuthorizerBinding(decide, { username: "alice", groups: ["system:authenticated"] });
  const vars = { authorizer, requestResource: authorizer.requestResource({ group: "apps", resource: "deployments", subresource: "scale", namespace: "ns1", name: "web" }) };
  const run = (src: string) => evaluateCel(parseCel(src), vars);
  return { seen, run };
}

describe("authorizer library (apiserver/pkg/cel/library/authz.go)", () => {
  test("resource checks pass every attribute to the authorizer (ResourceCheck.Authorize)", () => {
    const { seen, run } = setup();
    expect(run("authorizer.group('').resource('pods').namespace('default').name('p1').check('get').allowed()")).toBe(true);
    expect(seen).toEqual([{
      user: { username: "alice", groups: ["system:authenticated"] }, verb: "get", isResourceRequest: true, path: "", apiGroup: "",
      apiVersion: "*", resource: "pods", subresource: "", namespace: "default", name: "p1",
    }]);
    run("authorizer.group('apps').resource('deployments').subresource('scale').fieldSelector('spec.x=y').labelSelector('app=a').check('update')");
    expect(seen[1]).toMatchObject({ apiGroup: "apps", resource: "deployments", subresource: "scale", fieldSelector: "spec.x=y", labelSelector: "app=a", verb: "update" });
  });

  test("path checks are non-resource requests", () => {
    const { seen, run } = setup();
    expect(run("authorizer.path('/healthz').check('get').allowed()")).toBe(true);
    expect(seen[0]).toMatchObject({ isResourceRequest: false, path: "/healthz", verb: "get", resource: "" });
    expect(() => run("authorizer.path('  ').check('get')")).toThrow("path must not be empty");
  });

  test("Decision: allowed, reason, errored, error (no opinion is not allowed)", () => {
    const { run } = setup();
    expect(run("authorizer.group('').resource('pods').check('get').reason()")).toBe("rbac says yes");
    expect(run("authorizer.group('').resource('pods').check('delete').allowed()")).toBe(false);
    expect(run("authorizer.group('').resource('pods').check('delete').reason()")).toBe("deletes are denied");
    expect(run("authorizer.group('').resource('secrets').check('get').allowed()")).toBe(false);
    expect(run("authorizer.group('').resource('pods').check('get').errored()")).toBe(false);
    expect(run("authorizer.group('').resource('pods').check('get').error()")).toBe("");
    expect(run("authorizer.group('').resource('pods').check('explode').errored()")).toBe(true);
    expect(run("authorizer.group('').resource('pods').check('explode').error()")).toBe("webhook unreachable");
    expect(run("authorizer.group('').resource('pods').check('explode').allowed()")).toBe(false);
  });

  test("resource('') is an error; empty subresource/name mean unset", () => {
    const { seen, run } = setup();
    expect(() => run("authorizer.group('apps').resource(' ')")).toThrow("resource must not be empty");
    run("authorizer.group('apps').resource('deployments').subresource('').name('').check('list')");
    expect(seen[0]).toMatchObject({ subresource: "", name: "", namespace: "" });
  });

  test("serviceAccount() checks as that service account, validating its names (doc examples)", () => {
    const { seen, run } = setup();
    run("authorizer.serviceAccount('default', 'builder').group('').resource('pods').check('get')");
    expect(seen[0]!.user).toEqual({ username: "system:serviceaccount:default:builder", groups: ["system:serviceaccounts", "system:serviceaccounts:default"] });
    expect(() => run("authorizer.serviceAccount('not@a#valid!namespace', 'validname')")).toThrow("Invalid service account namespace");
    expect(() => run("authorizer.serviceAccount('valid.example.com', 'invalid@*name')")).toThrow("Invalid service account name");
    expect(() => run("authorizer.serviceAccount('a.b', 'ok')")).toThrow("Invalid service account namespace");
  });

  test("a requestResource ResourceCheck checks the admitted request's resource", () => {
    const { seen, run } = setup();
    expect(run("requestResource.check('get').allowed()")).toBe(false);
    expect(seen[0]).toMatchObject({ apiGroup: "apps", resource: "deployments", subresource: "scale", namespace: "ns1", name: "web", verb: "get", user: { username: "alice" } });
  });

  test("functions refuse other receivers and argument types", () => {
    const { run } = setup();
    expect(() => run("authorizer.group(1)")).toThrow("no such overload");
    expect(() => run("authorizer.check('get')")).toThrow("no such overload");
    expect(() => run("authorizer.group('').check('get')")).toThrow("no such overload");
    expect(() => run("'x'.allowed()")).toThrow("no such overload");
  });
});
