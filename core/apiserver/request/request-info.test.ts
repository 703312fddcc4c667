import { expect, test } from "bun:test";
import { parseRequestInfo } from "./request-info.ts";

const info = (method: string, path: string) => parseRequestInfo(method, new URL(`https://x${path}`));

test("resource paths", () => {
  expect(info("GET", "/api/v1/namespaces/default/pods/web")).toMatchObject({ verb: "get", group: "", version: "v1", namespace: "default", resource: "pods", name: "web" });
  expect(info("GET", "/apis/apps/v1/deployments")).toMatchObject({ verb: "list", group: "apps", resource: "deployments", namespace: "" });
  expect(info("GET", "/api/v1/pods?watch=1")).toMatchObject({ verb: "watch" });
  expect(info("GET", "/api/v1/watch/namespaces/ns/pods")).toMatchObject({ verb: "watch", namespace: "ns", resource: "pods" });
  expect(info("DELETE", "/api/v1/namespaces/ns/pods")).toMatchObject({ verb: "deletecollection" });
  expect(info("POST", "/api/v1/namespaces/ns/pods/p/eviction")).toMatchObject({ verb: "create", subresource: "eviction", name: "p" });
});

test("namespaces themselves and their subresources", () => {
  expect(info("GET", "/api/v1/namespaces/foo")).toMatchObject({ resource: "namespaces", name: "foo", namespace: "foo" });
  expect(info("PUT", "/api/v1/namespaces/foo/finalize")).toMatchObject({ resource: "namespaces", name: "foo", subresource: "finalize" });
  expect(info("GET", "/api/v1/namespaces")).toMatchObject({ resource: "namespaces", verb: "list" });
});

test("non-resource paths", () => {
  expect(info("GET", "/version").isResourceRequest).toBe(false);
  expect(info("GET", "/apis/apps/v1").isResourceRequest).toBe(false);
  expect(info("GET", "/api").isResourceRequest).toBe(false);
});

test("watch is a bool query option as apimachinery converts it (the Python client sends watch=True)", () => {
  for (const w of ["True", "true", "1", "t", "yes", ""]) expect(info("GET", `/api/v1/pods?watch=${w}`)).toMatchObject({ verb: "watch" });
  for (const w of ["False", "false", "0", "f", "F"]) expect(info("GET", `/api/v1/pods?watch=${w}`)).toMatchObject({ verb: "list" });
});
