/**
 * Micro-benchmark of one authorization decision (Node,RBAC chain over the in-process policy
 * indexes) with the bootstrap policy plus N users each bound by a RoleBinding and a
 * ClusterRoleBinding. Run: bun bench/authz/authorize-bench.ts [users=500]
 */
import { createApiServer } from "../../core/apiserver/index.ts";
import type { Attributes, UserInfo } from "../../core/apiserver/authz/types.ts";
import { createAuthorization } from "../../core/auth/authz/index.ts";
import { createMemoryStore } from "../../core/store/memory.ts";

const users = Number(process.argv[2] ?? 500);
const store = createMemoryStore();
const authz = createAuthorization();
const api = await createApiServer({
  store, serviceCIDR: "10.43.0.0/16", nodePortRange: { min: 30000, max: 32767 }, clusterDomain: "cluster.local",
  authorize: authz.authorize, admission: [...authz.admission], extraResources: [...authz.resources],
});
await authz.attach(api);
const admin: UserInfo = { username: "admin", groups: ["system:masters"] };
const post = (path: string, body: unknown) => api.handle(new Request(`https://b${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }), admin);
await post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } });
for (let i = 0; i < users; i++) {
  await post("/apis/rbac.authorization.k8s.io/v1/namespaces/bench/rolebindings", {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: `u${i}` },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" }, subjects: [{ kind: "User", name: `user${i}` }],
  });
  await post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: `u${i}` },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:discovery" }, subjects: [{ kind: "User", name: `user${i}` }],
  });
}
await Bun.sleep(200);

const attrs = (user: UserInfo, verb: string, resource: string, namespace = "bench"): Attributes => ({
  user, verb, isResourceRequest: true, path: "", apiGroup: resource === "deployments" ? "apps" : "", apiVersion: "v1", namespace, resource, subresource: "", name: "",
});
const u7: UserInfo = { username: "user7", groups: ["system:authenticated"] };
const cases: [string, Attributes, boolean][] = [
  ["system:masters (privileged group)", attrs(admin, "list", "pods"), true],
  ["RoleBinding -> edit (allowed, late rule)", attrs(u7, "update", "deployments"), true],
  ["RoleBinding -> edit (denied: nodes)", attrs(u7, "list", "nodes", ""), false],
  ["anonymous non-resource /healthz", { ...attrs({ username: "system:anonymous", groups: ["system:unauthenticated"] }, "get", ""), isResourceRequest: false, path: "/healthz" }, true],
  ["node identity, unrelated secret", { ...attrs({ username: "system:node:n1", groups: ["system:nodes"] }, "get", "secrets"), name: "x" }, false],
];
console.log(`authorization decision, ${users} users x (1 RoleBinding + 1 ClusterRoleBinding) + bootstrap policy`);
function measure(a: Attributes, n: number): number {
  for (let i = 0; i < 20_000; i++) authz.decide(a);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) authz.decide(a);
  return ((performance.now() - t0) * 1e6) / n;
}
for (const [label, a, expected] of cases) {
  if ((authz.decide(a).decision === "allow") !== expected) throw new Error(`unexpected decision for ${label}`);
  const ns = measure(a, 500_000);
  console.log(`  ${label.padEnd(42)} ${ns.toFixed(0).padStart(6)} ns/decision  (${(1e9 / ns / 1e6).toFixed(2)} M/s)`);
}
authz.stop();
await api.close();
