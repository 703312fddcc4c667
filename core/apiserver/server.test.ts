import { afterAll, beforeAll, expect, test } from "bun:test";
import { pod, startHarness, type Harness } from "./testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const AGG = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

test("anonymous (system:anonymous): only version and health; everything else 403 as upstream", async () => {
  expect((await h.call("GET", "/version", undefined, {}, null)).body).toMatchObject({ major: "1", minor: "32", gitVersion: "v1.32.4+lite1" });
  expect((await h.call("GET", "/healthz", undefined, {}, null)).text).toBe("ok");
  expect((await h.call("GET", "/readyz?verbose", undefined, {}, null)).text).toContain("[+]ping ok\n");
  expect((await h.call("GET", "/livez?verbose", undefined, {}, null)).text).toEndWith("livez check passed\n");
  const denied = await h.call("GET", "/api/v1/pods", undefined, {}, null);
  expect(denied.status).toBe(403);
  expect(denied.body).toMatchObject({ kind: "Status", reason: "Forbidden", message: 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope' });
});

test("authorizer hook denies with upstream Forbidden text", async () => {
  const denying = await startHarness({ authorize: () => ({ allowed: false, reason: "" }) });
  const r = await denying.call("GET", "/api/v1/namespaces/default/pods", undefined, {}, { username: "u", groups: [] });
  expect(r.status).toBe(403);
  expect(r.body.message).toBe('pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "default"');
  await denying.close();
});

test("bootstrap: system namespaces and the kubernetes Service", async () => {
  const ns = await h.call("GET", "/api/v1/namespaces");
  expect(ns.body.items.map((n: any) => n.metadata.name).sort()).toEqual(["default", "kube-node-lease", "kube-public", "kube-system"]);
  expect(ns.body.items[0]).toMatchObject({ kind: "Namespace", spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } });
  const svc = await h.call("GET", "/api/v1/namespaces/default/services/kubernetes");
  expect(svc.body.spec.clusterIP).toBe("10.43.0.1");
  expect(svc.body.spec.ports[0]).toMatchObject({ port: 443, targetPort: 6443 });
  // A second server on the same store does not duplicate anything.
  const again = await startHarness({ store: h.store });
  expect((await again.call("GET", "/api/v1/namespaces")).body.items.length).toBe(4);
  await again.server.close();
});

test("ClusterIP and NodePort allocation, conflicts, release on delete", async () => {
  const mk = (name: string, spec: Record<string, unknown>) => h.call("POST", "/api/v1/namespaces/default/services", { metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } });
  const a = await mk("a", { type: "NodePort" });
  expect(a.body.spec.clusterIP).toMatch(/^10\.43\./);
  expect(a.body.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
  expect(a.body.spec.ports[0].targetPort).toBe(80);
  const taken = await mk("b", { clusterIP: a.body.spec.clusterIP });
  expect(taken.status).toBe(422);
  expect(taken.body.details.causes[0].message).toContain("provided IP is already allocated");
  const out = await mk("c", { clusterIP: "192.168.0.1" });
  expect(out.body.details.causes[0].message).toContain("provided IP is not in the valid range. The range of valid IPs is 10.43.0.0/16");
  const port = await mk("d", { type: "NodePort", ports: [{ port: 80, nodePort: a.body.spec.ports[0].nodePort }] });
  expect(port.body.details.causes[0].field).toBe("spec.ports[0].nodePort");
  await h.call("DELETE", "/api/v1/namespaces/default/services/a");
  const reuse = await mk("e", { type: "NodePort", clusterIP: a.body.spec.clusterIP, ports: [{ port: 80, nodePort: a.body.spec.ports[0].nodePort }] });
  expect(reuse.status).toBe(201);
});

test("namespace lifecycle: missing, terminating, immortal", async () => {
  const missing = await h.call("POST", "/api/v1/namespaces/nope/pods", pod("x"));
  expect(missing.body).toMatchObject({ code: 404, message: 'namespaces "nope" not found' });
  await h.call("POST", "/api/v1/namespaces", { metadata: { name: "doomed" } });
  const del = await h.call("DELETE", "/api/v1/namespaces/doomed");
  expect(del.body.status.phase).toBe("Terminating");
  const blocked = await h.call("POST", "/api/v1/namespaces/doomed/configmaps", { metadata: { name: "x" } });
  expect(blocked.body).toMatchObject({ code: 403, message: 'configmaps "x" is forbidden: unable to create new content in namespace doomed because it is being terminated' });
  const fin = (await h.call("GET", "/api/v1/namespaces/doomed")).body;
  fin.spec.finalizers = [];
  expect((await h.call("PUT", "/api/v1/namespaces/doomed/finalize", fin)).status).toBe(200);
  expect((await h.call("GET", "/api/v1/namespaces/doomed")).status).toBe(404);
  expect((await h.call("DELETE", "/api/v1/namespaces/kube-system")).body).toMatchObject({ code: 403, message: 'namespaces "kube-system" is forbidden: this namespace may not be deleted' });
});

test("legacy and aggregated discovery", async () => {
  const agg = await h.call("GET", "/apis", undefined, { accept: AGG });
  expect(agg.headers.get("content-type")).toBe("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  const apps = agg.body.items.find((g: any) => g.metadata.name === "apps");
  const deploy = apps.versions[0].resources.find((r: any) => r.resource === "deployments");
  expect(deploy).toMatchObject({ scope: "Namespaced", shortNames: ["deploy"], categories: ["all"] });
  expect(deploy.subresources.map((s: any) => s.subresource)).toEqual(["scale", "status"]);
  expect(deploy.subresources[0].responseKind).toEqual({ group: "autoscaling", version: "v1", kind: "Scale" });
  const core = await h.call("GET", "/api", undefined, { accept: AGG });
  expect(core.body.items[0].metadata.name).toBe("");
  const v1 = await h.call("GET", "/api/v1", undefined, { accept: "application/json, */*" });
  const eviction = v1.body.resources.find((r: any) => r.name === "pods/eviction");
  expect(eviction).toMatchObject({ group: "policy", version: "v1", kind: "Eviction", verbs: ["create"] });
  const hpaVersions = (await h.call("GET", "/apis/autoscaling")).body;
  expect(hpaVersions.preferredVersion.version).toBe("v2");
  expect((await h.call("GET", "/apis")).body.kind).toBe("APIGroupList");
  expect((await h.call("GET", "/apis/nope/v1")).status).toBe(404);
  const etag = v1.headers.get("etag") ?? "";
  expect((await h.call("GET", "/api/v1", undefined, { accept: "application/json", "if-none-match": etag })).status).toBe(304);
});

test("OpenAPI v3: index lists every group-version, PATCH has GVK + fieldValidation, hash caching", async () => {
  const index = await h.call("GET", "/openapi/v3");
  const paths = Object.keys(index.body.paths);
  for (const gv of ["api/v1", "apis/apps/v1", "apis/batch/v1", "apis/autoscaling/v1", "apis/autoscaling/v2", "apis/rbac.authorization.k8s.io/v1", "apis/node.k8s.io/v1"]) expect(paths).toContain(gv);
  const etag = index.headers.get("etag") ?? "";
  expect((await h.call("GET", "/openapi/v3", undefined, { "if-none-match": etag })).status).toBe(304);
  const url = index.body.paths["apis/batch/v1"].serverRelativeURL as string;
  const doc = await h.call("GET", url);
  expect(doc.headers.get("cache-control")).toBe("public, immutable");
  const patch = doc.body.paths["/apis/batch/v1/namespaces/{namespace}/jobs/{name}"].patch;
  expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "batch", version: "v1", kind: "Job" });
  expect(patch.parameters.some((p: any) => p.name === "fieldValidation" && p.in === "query")).toBe(true);
  const wrong = await h.server.handle(new Request("https://x/openapi/v3/apis/batch/v1?hash=bad"), { username: "a", groups: [] });
  expect(wrong.status).toBe(301);
  expect(wrong.headers.get("location")).toBe(url);
});

test("server-side Table for pods, services and the default columns", async () => {
  await h.call("POST", "/api/v1/namespaces/default/pods", pod("tbl"));
  const accept = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json" };
  const t = await h.call("GET", "/api/v1/namespaces/default/pods?limit=500", undefined, accept);
  expect(t.body.kind).toBe("Table");
  expect(t.body.columnDefinitions.map((c: any) => c.name)).toEqual(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"]);
  expect(t.body.rows[0].cells.slice(0, 4)).toEqual(["tbl", "0/1", "Pending", "0"]);
  expect(t.body.rows[0].object).toMatchObject({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: { name: "tbl", namespace: "default" } });
  const svc = await h.call("GET", "/api/v1/namespaces/default/services/kubernetes", undefined, accept);
  expect(svc.body.rows[0].cells.slice(0, 5)).toEqual(["kubernetes", "ClusterIP", "10.43.0.1", "<none>", "443/TCP"]);
  const roles = await h.call("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles", undefined, accept);
  expect(roles.body.columnDefinitions.map((c: any) => c.name)).toEqual(["Name", "Created At"]);
});

test("two servers coexist in one process", async () => {
  const other = await startHarness();
  await other.call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "only-here" } });
  expect((await h.call("GET", "/api/v1/namespaces/default/configmaps/only-here")).status).toBe(404);
  await other.close();
});
