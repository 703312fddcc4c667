import { describe, expect, test } from "bun:test";
import { BUILTIN_API } from "@lite/sdk";
import { openapiSchemaNameOf, openapiSchemasFor, type SchemaObject } from "./schemas.ts";

const refOf = (s: SchemaObject | undefined) => s?.$ref ?? s?.allOf?.[0]?.$ref;

describe("openapiSchemasFor", () => {
  const apps = openapiSchemasFor("apps", "v1");

  test("Deployment is tagged with its GVK and references ObjectMeta and PodTemplateSpec", () => {
    const d = apps["io.k8s.api.apps.v1.Deployment"]!;
    expect(d["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", kind: "Deployment", version: "v1" }]);
    expect(refOf(d.properties!.metadata)).toBe("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    const spec = apps["io.k8s.api.apps.v1.DeploymentSpec"]!;
    expect(refOf(spec.properties!.template)).toBe("#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec");
    expect(spec.required).toEqual(["selector", "template"]);
    expect(apps["io.k8s.api.apps.v1.DeploymentList"]!["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", kind: "DeploymentList", version: "v1" }]);
  });

  test("every $ref resolves inside the returned set", () => {
    for (const gv of BUILTIN_API.groupVersions()) {
      const all = openapiSchemasFor(gv.group, gv.version);
      const refs = JSON.stringify(all).match(/#\/components\/schemas\/[^"]+/g) ?? [];
      for (const r of refs) expect(all[r.slice("#/components/schemas/".length)]).toBeDefined();
    }
  });

  test("containers carry patch strategy, merge key and list-map keys", () => {
    const c = apps["io.k8s.api.core.v1.PodSpec"]!.properties!.containers!;
    expect(c.type).toBe("array");
    expect(c["x-kubernetes-patch-strategy"]).toBe("merge");
    expect(c["x-kubernetes-patch-merge-key"]).toBe("name");
    expect(c["x-kubernetes-list-type"]).toBe("map");
    expect(c["x-kubernetes-list-map-keys"]).toEqual(["name"]);
    const vols = apps["io.k8s.api.core.v1.PodSpec"]!.properties!.volumes!;
    expect(vols["x-kubernetes-patch-strategy"]).toBe("merge,retainKeys");
  });

  test("special types: IntOrString, Quantity, Time, enums, inline fields, atomic structs", () => {
    const core = openapiSchemasFor("", "v1");
    const ios = core["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!;
    expect(ios.format).toBe("int-or-string");
    expect(ios["x-kubernetes-int-or-string"]).toBe(true);
    expect(core["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]).toMatchObject({ type: "string", format: "date-time" });
    expect(core["io.k8s.api.core.v1.ServicePort"]!.properties!.protocol!.enum).toEqual(["TCP", "UDP", "SCTP"]);
    // Volume inlines VolumeSource: its members are direct properties.
    expect(core["io.k8s.api.core.v1.Volume"]!.properties!.emptyDir).toBeDefined();
    expect(core["io.k8s.api.core.v1.Volume"]!.properties!.volumeSource).toBeUndefined();
    expect(core["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"]!["x-kubernetes-map-type"]).toBe("atomic");
    expect(core["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"]!["x-kubernetes-group-version-kind"]).toEqual([{ group: "", kind: "DeleteOptions", version: "v1" }, { group: "meta.k8s.io", kind: "DeleteOptions", version: "v1" }]);
    expect(core["io.k8s.api.core.v1.Pod"]!.description).toBeTruthy();
  });

  test("schema names of kinds", () => {
    expect(openapiSchemaNameOf("", "v1", "Pod")).toBe("io.k8s.api.core.v1.Pod");
    expect(openapiSchemaNameOf("apiextensions.k8s.io", "v1", "CustomResourceDefinition")).toBe("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition");
    expect(openapiSchemaNameOf("x", "v1", "Nope")).toBeUndefined();
  });
});
