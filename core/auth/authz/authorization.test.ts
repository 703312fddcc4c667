/** In-process: the authorization of a real ApiServer (memory store), through `handle()`. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApiServer } from "../../apiserver/index.ts";
import type { UserInfo } from "../../apiserver/authz/types.ts";
import { ADMIN, type Harness } from "../../apiserver/testing/harness.ts";
import { createMemoryStore } from "../../store/memory.ts";
import { createAuthorization, type Authorization } from "./authorization.ts";
import { bootstrapObjects } from "./bootstrap/reconcile.ts";

let h: Harness;
let authz: Authorization;
const viewer: UserInfo = { username: "viewer", groups: ["viewers", "system:authenticated"] };
const dev: UserInfo = { username: "dev", groups: ["system:authenticated"] };
const RBAC = "/apis/rbac.authorization.k8s.io/v1";

async function start(store = createMemoryStore()): Promise<{ h: Harness; authz: Authorization }> {
  const a = createAuthorization();
  const server = await createApiServer({
    store, serviceCIDR: "10.43.0.0/16", nodePortRange: { min: 30000, max: 32767 }, clusterDomain: "cluster.local",
    authorize: a.authorize, admission: [...a.admission], extraResources: [...a.resources],
  });
  await a.attach(server);
  const harness: Harness = {
    server, store,
    async call(method, path, body, headers = {}, user = ADMIN) {
      const init: RequestInit = { method, headers: { "content-type": "application/json", ...headers } };
      if (body !== undefined) init.body = JSON.stringify(body);
      const res = await server.handle(new Request(`https://lite.test${path}`, init), user ?? undefined);
      const text = await res.text();
      let parsed: any;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
      return { status: res.status, body: parsed, headers: res.headers, text };
    },
    async close() { a.stop(); await server.close(); await store.close(); },
  };
  return { h: harness, authz: a };
}

const eventually = async (fn: () => Promise<boolean>, ms = 1000): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await fn()) return true; await Bun.sleep(10); }
  return fn();
};

beforeAll(async () => {
  ({ h, authz } = await start());
  expect((await h.call("POST", `${RBAC}/clusterrolebindings`, {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "viewers" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" }, subjects: [{ kind: "Group", name: "viewers", apiGroup: "rbac.authorization.k8s.io" }],
  })).status).toBe(201);
  await Bun.sleep(20);
});
afterAll(async () => { await h.close(); });

describe("bootstrap policy", () => {
  test("every declared role and binding exists, aggregated roles are filled", async () => {
    for (const o of bootstrapObjects()) {
      const plural = { ClusterRole: "clusterroles", Role: "roles", ClusterRoleBinding: "clusterrolebindings", RoleBinding: "rolebindings" }[o.kind!];
      const ns = o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : "";
      const r = await h.call("GET", `${RBAC}${ns}/${plural}/${o.metadata.name}`);
      expect(r.status).toBe(200);
      expect(r.body.metadata.annotations["rbac.authorization.kubernetes.io/autoupdate"]).toBe("true");
    }
    const view = (await h.call("GET", `${RBAC}/clusterroles/view`)).body;
    const admin = (await h.call("GET", `${RBAC}/clusterroles/admin`)).body;
    expect(view.rules.length).toBeGreaterThan(5);
    expect(admin.rules).toContainEqual(view.rules[0]);
    expect(admin.rules.some((r: any) => r.resources?.includes("rolebindings"))).toBe(true);
    for (const name of ["cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user", "system:public-info-viewer", "system:node",
      "system:node-proxier", "system:kube-controller-manager", "system:kube-scheduler", "system:kube-dns", "system:auth-delegator",
      "system:controller:namespace-controller", "system:certificates.k8s.io:kube-apiserver-client-approver"]) {
      expect((await h.call("GET", `${RBAC}/clusterroles/${name}`)).status).toBe(200);
    }
  });

  test("a restart keeps user additions and restores removed defaults", async () => {
    const cr = (await h.call("GET", `${RBAC}/clusterroles/system:basic-user`)).body;
    cr.rules.push({ verbs: ["get"], apiGroups: [""], resources: ["nodes"] });
    cr.rules = cr.rules.filter((r: any) => !r.resources?.includes("selfsubjectreviews"));
    expect((await h.call("PUT", `${RBAC}/clusterroles/system:basic-user`, cr)).status).toBe(200);
    const again = await start(h.store);
    const after = (await again.h.call("GET", `${RBAC}/clusterroles/system:basic-user`)).body;
    expect(after.rules).toContainEqual({ verbs: ["get"], apiGroups: [""], resources: ["nodes"] });
    expect(after.rules.some((r: any) => r.resources?.includes("selfsubjectreviews"))).toBe(true);
    again.authz.stop();
    await again.h.server.close();
  });
});

describe("RBAC decisions", () => {
  test("view can read but not write; Forbidden with upstream wording and details", async () => {
    expect((await h.call("GET", "/api/v1/namespaces/default/pods", undefined, {}, viewer)).status).toBe(200);
    const r = await h.call("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }, {}, viewer);
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({
      reason: "Forbidden", code: 403, details: { kind: "configmaps" },
      message: 'configmaps is forbidden: User "viewer" cannot create resource "configmaps" in API group "" in the namespace "default"',
    });
    const secrets = await h.call("GET", "/api/v1/namespaces/default/secrets/s", undefined, {}, viewer);
    expect(secrets.body.message).toBe('secrets "s" is forbidden: User "viewer" cannot get resource "secrets" in API group "" in the namespace "default"');
    const nodes = await h.call("GET", "/api/v1/nodes", undefined, {}, viewer);
    expect(nodes.body.message).toBe('nodes is forbidden: User "viewer" cannot list resource "nodes" in API group "" at the cluster scope');
    const deploy = await h.call("DELETE", "/apis/apps/v1/namespaces/default/deployments/d", undefined, {}, viewer);
    expect(deploy.body.message).toBe('deployments.apps "d" is forbidden: User "viewer" cannot delete resource "deployments" in API group "apps" in the namespace "default"');
    expect(deploy.body.details).toEqual({ name: "d", group: "apps", kind: "deployments" });
  });

  test("the network policy controller (system:lite-network-policy) reads pods, namespaces and networkpolicies, and writes nothing", async () => {
    const netpol: UserInfo = { username: "system:lite-network-policy", groups: ["system:authenticated"] };
    for (const path of ["/api/v1/pods", "/api/v1/namespaces", "/apis/networking.k8s.io/v1/networkpolicies"]) {
      expect((await h.call("GET", path, undefined, {}, netpol)).status).toBe(200);
    }
    expect((await h.call("GET", "/api/v1/secrets", undefined, {}, netpol)).status).toBe(403);
    expect((await h.call("DELETE", "/api/v1/namespaces/default/pods/p", undefined, {}, netpol)).status).toBe(403);
  });

  test("anonymous reaches /version and /healthz only", async () => {
    expect((await h.call("GET", "/version", undefined, {}, null)).status).toBe(200);
    expect((await h.call("GET", "/readyz", undefined, {}, null)).status).toBe(200);
    const r = await h.call("GET", "/api", undefined, {}, null);
    expect(r.status).toBe(403);
    expect(r.body.message).toBe('forbidden: User "system:anonymous" cannot get path "/api"');
  });

  test("a RoleBinding grants only in its namespace; missing roles show in the reason", async () => {
    await h.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
    await h.call("POST", `${RBAC}/namespaces/team/roles`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "cm-writer" },
      rules: [{ verbs: ["create", "get", "list"], apiGroups: [""], resources: ["configmaps"] }],
    });
    await h.call("POST", `${RBAC}/namespaces/team/rolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "dev" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cm-writer" }, subjects: [{ kind: "User", name: "dev", apiGroup: "rbac.authorization.k8s.io" }],
    });
    expect(await eventually(async () => (await h.call("GET", "/api/v1/namespaces/team/configmaps", undefined, {}, dev)).status === 200)).toBe(true);
    expect((await h.call("GET", "/api/v1/namespaces/default/configmaps", undefined, {}, dev)).status).toBe(403);
    const ssar = await h.call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
      apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { namespace: "team", verb: "create", resource: "configmaps" } },
    }, {}, dev);
    expect(ssar.status).toBe(201);
    expect(ssar.body.status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "dev/team" of Role "cm-writer" to User "dev"' });
    await h.call("POST", `${RBAC}/namespaces/team/rolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "dangling" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "nope" }, subjects: [{ kind: "User", name: "dev", apiGroup: "rbac.authorization.k8s.io" }],
    });
    await Bun.sleep(20);
    const denied = await h.call("DELETE", "/api/v1/namespaces/team/configmaps/x", undefined, {}, dev);
    expect(denied.body.message).toEndWith(': RBAC: role.rbac.authorization.k8s.io "nope" not found');
  });
});

describe("escalation prevention", () => {
  const grantAll = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "too-much" }, rules: [{ verbs: ["*"], apiGroups: [""], resources: ["secrets"] }] };
  test("a user with role write access cannot grant what it lacks, unless escalate/bind", async () => {
    const lead: UserInfo = { username: "lead", groups: ["system:authenticated"] };
    await h.call("POST", `${RBAC}/namespaces/team/rolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "lead-edit" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" }, subjects: [{ kind: "User", name: "lead" }],
    });
    await h.call("POST", `${RBAC}/namespaces/team/roles`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "rbac-writer" },
      rules: [{ verbs: ["create", "update"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"] }],
    });
    await h.call("POST", `${RBAC}/namespaces/team/rolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "lead-rbac" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "rbac-writer" }, subjects: [{ kind: "User", name: "lead" }],
    });
    await Bun.sleep(30);
    const r = await h.call("POST", `${RBAC}/namespaces/team/roles`, grantAll, {}, lead);
    expect(r.status).toBe(403);
    expect(r.body.message).toBe('roles.rbac.authorization.k8s.io "too-much" is forbidden: user "lead" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["*"]}');
    // Granting what it has is fine.
    const ok = await h.call("POST", `${RBAC}/namespaces/team/roles`, { ...grantAll, metadata: { name: "pods-reader" }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] }, {}, lead);
    expect(ok.status).toBe(201);
    // Binding a role it does not hold (edit) is refused; with `bind` on it, allowed.
    const bindEdit = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "x-edit" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" }, subjects: [{ kind: "User", name: "x" }] };
    const refused = await h.call("POST", `${RBAC}/namespaces/team/rolebindings`, bindEdit, {}, lead);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toStartWith('rolebindings.rbac.authorization.k8s.io "x-edit" is forbidden: user "lead" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n');
    await h.call("POST", `${RBAC}/namespaces/team/roles`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "binder" },
      rules: [{ verbs: ["bind"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], resourceNames: ["edit"] }, { verbs: ["escalate"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"] }],
    });
    await h.call("POST", `${RBAC}/namespaces/team/rolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "lead-binder" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "binder" }, subjects: [{ kind: "User", name: "lead" }],
    });
    await Bun.sleep(30);
    expect((await h.call("POST", `${RBAC}/namespaces/team/rolebindings`, bindEdit, {}, lead)).status).toBe(201);
    expect((await h.call("POST", `${RBAC}/namespaces/team/roles`, grantAll, {}, lead)).status).toBe(201);
  });
});

describe("review APIs and aggregation", () => {
  test("SelfSubjectRulesReview lists RBAC rules; SubjectAccessReview answers for others", async () => {
    const r = await h.call("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", {
      apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectRulesReview", spec: { namespace: "team" },
    }, {}, dev);
    expect(r.status).toBe(201);
    expect(r.body.status.resourceRules).toContainEqual({ verbs: ["create", "get", "list"], apiGroups: [""], resources: ["configmaps"] });
    expect(r.body.status.nonResourceRules).toContainEqual({ verbs: ["get"], nonResourceURLs: ["/livez", "/readyz", "/healthz", "/version", "/version/"] });
    expect(r.body.status.incomplete).toBe(false);
    const sar = await h.call("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview",
      spec: { user: "viewer", groups: ["viewers"], resourceAttributes: { verb: "list", resource: "pods", namespace: "kube-system" } },
    });
    expect(sar.body.status).toEqual({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "viewers" of ClusterRole "view" to Group "viewers"' });
    const bad = await h.call("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", spec: {} });
    expect(bad.status).toBe(422);
    // Never stored: there is no list.
    expect((await h.call("GET", "/apis/authorization.k8s.io/v1/subjectaccessreviews")).status).toBe(405);
    // Users without basic-user cannot review others.
    expect((await h.call("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", { kind: "SubjectAccessReview", spec: { user: "x", nonResourceAttributes: { path: "/", verb: "get" } } }, {}, dev)).status).toBe(403);
  });

  test("a new aggregate-to-view ClusterRole reaches view (and edit, admin) within a second", async () => {
    await h.call("POST", `${RBAC}/clusterroles`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole",
      metadata: { name: "widgets-view", labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } },
      rules: [{ verbs: ["get", "list"], apiGroups: ["example.com"], resources: ["widgets"] }],
    });
    const has = async (role: string) => (await h.call("GET", `${RBAC}/clusterroles/${role}`)).body.rules.some((r: any) => r.resources?.includes("widgets"));
    expect(await eventually(() => has("view"))).toBe(true);
    expect(await eventually(() => has("admin"))).toBe(true);
    expect(await eventually(async () => (await h.call("GET", "/apis/example.com/v1/widgets", undefined, {}, viewer)).status === 404)).toBe(true);
    await h.call("DELETE", `${RBAC}/clusterroles/widgets-view`);
    expect(await eventually(async () => !(await has("view")))).toBe(true);
  });

  test("the exported decide() answers the impersonate verb", () => {
    const attrs = { user: dev, verb: "impersonate", isResourceRequest: true, path: "", apiGroup: "", apiVersion: "", namespace: "", resource: "users", subresource: "", name: "admin" };
    expect(authz.decide(attrs).decision).toBe("noOpinion");
    expect(authz.decide({ ...attrs, user: ADMIN }).decision).toBe("allow");
  });
});
