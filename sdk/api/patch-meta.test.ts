import { describe, expect, test } from "bun:test";
import { BUILTIN_API } from "./builtin.ts";
import { patchMetaFor } from "./patch-meta.ts";
import { createApiRegistry } from "./registry.ts";
import { defineApiPackage, f, object } from "./dsl.ts";

describe("registry", () => {
  test("every served group-version has its kinds and lists", () => {
    const gvs = BUILTIN_API.groupVersions().map((g) => `${g.group}/${g.version}`);
    for (const gv of ["/v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "policy/v1", "rbac.authorization.k8s.io/v1",
      "networking.k8s.io/v1", "storage.k8s.io/v1", "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "authorization.k8s.io/v1", "authentication.k8s.io/v1"]) {
      expect(gvs).toContain(gv);
    }
    expect(BUILTIN_API.kindType("", "v1", "PodList")?.openapiName).toBe("io.k8s.api.core.v1.PodList");
    expect(BUILTIN_API.kindType("policy", "v1", "EvictionList")).toBeUndefined();
  });

  test("declarations are checked: unknown refs and keys on non-lists are rejected", () => {
    const bad = defineApiPackage({ id: "x/v1", group: "x", version: "v1", openapiPrefix: "x", kinds: {}, types: { A: object("", { b: f(1, "Missing") }) } });
    expect(() => createApiRegistry([bad])).toThrow(/unknown type x\/v1.Missing/);
    const badKey = defineApiPackage({ id: "x/v1", group: "x", version: "v1", openapiPrefix: "x", kinds: {}, types: { A: object("", { b: f(1, "string", { mergeKey: "k" }) }) } });
    expect(() => createApiRegistry([badKey])).toThrow(/non-list/);
  });
});

describe("patchMetaFor", () => {
  const deploy = patchMetaFor("apps", "v1", "Deployment")!;
  const pod = patchMetaFor("", "v1", "Pod")!;

  test("merge keys through nested lists (list items add no path element)", () => {
    expect(deploy.lookup(["spec", "template", "spec", "containers"])).toMatchObject({ strategy: "merge", mergeKey: "name" });
    expect(deploy.lookup(["spec", "template", "spec", "containers", "env"])).toMatchObject({ strategy: "merge", mergeKey: "name" });
    expect(deploy.lookup(["spec", "template", "spec", "containers", "volumeMounts"])).toMatchObject({ strategy: "merge", mergeKey: "mountPath" });
    expect(deploy.lookup(["spec", "template", "spec", "volumes"])).toMatchObject({ strategy: "merge,retainKeys", mergeKey: "name" });
    expect(deploy.lookup(["spec", "strategy"])).toEqual({ strategy: "retainKeys" });
    expect(pod.lookup(["metadata", "ownerReferences"])).toMatchObject({ strategy: "merge", mergeKey: "uid", listType: "map", mapKeys: ["uid"] });
    expect(pod.lookup(["status", "conditions"])).toMatchObject({ strategy: "merge", mergeKey: "type" });
  });

  test("fields without strategy and unknown paths give undefined", () => {
    expect(pod.lookup(["spec", "containers", "args"])).toEqual({ listType: "atomic" });
    expect(pod.lookup(["spec", "nodeName"])).toBeUndefined();
    expect(pod.lookup(["spec", "nope", "x"])).toBeUndefined();
    expect(patchMetaFor("example.com", "v1", "Widget")).toBeUndefined();
  });
});
