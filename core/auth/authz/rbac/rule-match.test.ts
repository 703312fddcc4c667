import { describe, expect, test } from "bun:test";
import type { Attributes } from "../../../apiserver/authz/types.ts";
import { ruleAllows } from "./rule-match.ts";

const user = { username: "u", groups: [] };
const res = (verb: string, group: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({
  user, verb, isResourceRequest: true, path: "", apiGroup: group, apiVersion: "v1", namespace: "ns", resource, subresource: "", name: "", ...extra,
});
const path = (verb: string, p: string): Attributes => ({
  user, verb, isResourceRequest: false, path: p, apiGroup: "", apiVersion: "", namespace: "", resource: "", subresource: "", name: "",
});

describe("RBAC rule matching (upstream RuleAllows)", () => {
  test("verbs, groups and resources, with wildcards", () => {
    const r = { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] };
    expect(ruleAllows(res("get", "", "pods"), r)).toBe(true);
    expect(ruleAllows(res("watch", "", "pods"), r)).toBe(false);
    expect(ruleAllows(res("get", "apps", "pods"), r)).toBe(false);
    expect(ruleAllows(res("get", "", "services"), r)).toBe(false);
    const all = { verbs: ["*"], apiGroups: ["*"], resources: ["*"] };
    expect(ruleAllows(res("deletecollection", "apps", "deployments"), all)).toBe(true);
    expect(ruleAllows(res("get", "", "pods", { subresource: "log" }), all)).toBe(true);
  });

  test("subresources: exact pods/log, */scale, and the parent alone does not cover them", () => {
    const log = { verbs: ["get"], apiGroups: [""], resources: ["pods/log"] };
    expect(ruleAllows(res("get", "", "pods", { subresource: "log" }), log)).toBe(true);
    expect(ruleAllows(res("get", "", "pods"), log)).toBe(false);
    const pods = { verbs: ["get"], apiGroups: [""], resources: ["pods"] };
    expect(ruleAllows(res("get", "", "pods", { subresource: "log" }), pods)).toBe(false);
    const scale = { verbs: ["update"], apiGroups: ["apps"], resources: ["*/scale"] };
    expect(ruleAllows(res("update", "apps", "deployments", { subresource: "scale" }), scale)).toBe(true);
    expect(ruleAllows(res("update", "apps", "deployments", { subresource: "status" }), scale)).toBe(false);
  });

  test("resourceNames restrict by name; list without a name is not allowed by a named rule", () => {
    const r = { verbs: ["get", "list"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["cfg"] };
    expect(ruleAllows(res("get", "", "configmaps", { name: "cfg" }), r)).toBe(true);
    expect(ruleAllows(res("get", "", "configmaps", { name: "other" }), r)).toBe(false);
    expect(ruleAllows(res("list", "", "configmaps"), r)).toBe(false);
  });

  test("nonResourceURLs: exact, * and prefix*", () => {
    const r = { verbs: ["get"], nonResourceURLs: ["/healthz", "/apis/*"] };
    expect(ruleAllows(path("get", "/healthz"), r)).toBe(true);
    expect(ruleAllows(path("get", "/healthz/etcd"), r)).toBe(false);
    expect(ruleAllows(path("get", "/apis/apps/v1"), r)).toBe(true);
    expect(ruleAllows(path("post", "/healthz"), r)).toBe(false);
    expect(ruleAllows(path("get", "/anything"), { verbs: ["*"], nonResourceURLs: ["*"] })).toBe(true);
    // Resource rules never match non-resource requests and vice versa.
    expect(ruleAllows(path("get", "/api"), { verbs: ["*"], apiGroups: ["*"], resources: ["*"] })).toBe(false);
    expect(ruleAllows(res("get", "", "pods"), { verbs: ["*"], nonResourceURLs: ["*"] })).toBe(false);
  });
});
