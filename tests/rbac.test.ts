/**
 * End-to-end through dist/lite and real kubectl: RBAC with the bootstrap roles, namespaced grants,
 * `kubectl auth can-i` (+ --list), escalation prevention, the node authorizer, anonymous access
 * and ClusterRole aggregation. Test users are x509 client certificates signed by the server's
 * client CA (CN = user, O = groups).
 * Conformance counterpart: "[sig-auth] SubjectReview should support SubjectReview API operations".
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { issueClientCertificate, loadCertificateAuthority } from "../core/pki/index.ts";
import { kubectl, startServer, type LiteServer, type RunResult } from "./harness/lite-process.ts";

setDefaultTimeout(120_000);
let server: LiteServer;
let apiURL = "";
const NS = "rbac-e2e";

/** Writes a kubeconfig for a client certificate with this user and groups; returns its path. */
async function userKubeconfig(name: string, groups: string[]): Promise<string> {
  const tls = `${server.dataDir}/server/tls`;
  const ca = await loadCertificateAuthority(readFileSync(`${tls}/client-ca.crt`, "utf8"), readFileSync(`${tls}/client-ca.key`, "utf8"));
  const cert = await issueClientCertificate(ca, { commonName: name, organizations: groups, days: 1 });
  const admin = Bun.YAML.parse(readFileSync(server.kubeconfig, "utf8")) as any;
  admin.users[0].user = { "client-certificate-data": btoa(cert.certPem), "client-key-data": btoa(cert.keyPem) };
  const path = `${server.dataDir}/kubeconfig-${name.replaceAll(":", "_")}.yaml`;
  writeFileSync(path, Bun.YAML.stringify(admin, null, 2));
  return path;
}

const as = (kubeconfig: string, args: string[], stdin?: string): Promise<RunResult> =>
  kubectl(server, args, { env: { KUBECONFIG: kubeconfig }, stdin });
const admin = async (args: string[], stdin?: string): Promise<string> => {
  const r = await kubectl(server, args, { stdin });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
};
async function eventually(fn: () => Promise<boolean>, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await fn()) return true; await Bun.sleep(50); }
  return fn();
}

let viewer = "";
let dev = "";
let lead = "";
let node1 = "";

beforeAll(async () => {
  server = await startServer();
  apiURL = (Bun.YAML.parse(readFileSync(server.kubeconfig, "utf8")) as any).clusters[0].cluster.server;
  await admin(["create", "namespace", NS]);
  await admin(["create", "clusterrolebinding", "e2e-viewers", "--clusterrole=view", "--group=e2e-viewers"]);
  [viewer, dev, lead, node1] = await Promise.all([
    userKubeconfig("vera", ["e2e-viewers"]), userKubeconfig("dave", []), userKubeconfig("lena", ["leads"]),
    userKubeconfig("system:node:n1", ["system:nodes"]),
  ]);
});
afterAll(async () => { await server?.stop(); });

describe("RBAC through kubectl", () => {
  test("a view user can get but not create", async () => {
    const list = await as(viewer, ["get", "pods", "-n", NS]);
    expect(list.code).toBe(0);
    expect(list.stderr).toContain(`No resources found in ${NS} namespace.`);
    const create = await as(viewer, ["create", "configmap", "x", "-n", NS]);
    expect(create.code).toBe(1);
    expect(create.stderr.trim()).toBe(`error: failed to create configmap: configmaps is forbidden: User "vera" cannot create resource "configmaps" in API group "" in the namespace "${NS}"`);
    const secrets = await as(viewer, ["get", "secrets", "-n", NS]);
    expect(secrets.stderr.trim()).toBe(`Error from server (Forbidden): secrets is forbidden: User "vera" cannot list resource "secrets" in API group "" in the namespace "${NS}"`);
    const nodes = await as(viewer, ["get", "nodes"]);
    expect(nodes.stderr.trim()).toBe('Error from server (Forbidden): nodes is forbidden: User "vera" cannot list resource "nodes" in API group "" at the cluster scope');
  });

  test("a namespaced Role/RoleBinding grants only in its namespace", async () => {
    await admin(["create", "role", "cm-editor", "-n", NS, "--verb=get,list,create", "--resource=configmaps"]);
    await admin(["create", "rolebinding", "dave-cm", "-n", NS, "--role=cm-editor", "--user=dave"]);
    expect(await eventually(async () => (await as(dev, ["create", "configmap", "mine", "-n", NS])).code === 0)).toBe(true);
    expect((await as(dev, ["get", "configmap", "mine", "-n", NS])).code).toBe(0);
    const other = await as(dev, ["get", "configmaps", "-n", "default"]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('configmaps is forbidden: User "dave" cannot list resource "configmaps" in API group "" in the namespace "default"');
  });

  test("a service account granted in its own namespace cannot reach another namespace", async () => {
    await admin(["create", "namespace", "rbac-other"]);
    await admin(["create", "serviceaccount", "robot", "-n", NS]);
    await admin(["create", "rolebinding", "robot-view", "-n", NS, "--clusterrole=view", `--serviceaccount=${NS}:robot`]);
    await admin(["create", "configmap", "theirs", "-n", "rbac-other"]);
    const token = (await admin(["create", "token", "robot", "-n", NS])).trim();
    const withToken = (args: string[]) => kubectl(server, ["--token", token, ...args], { env: { KUBECONFIG: `${server.dataDir}/no-user.yaml` } });
    const kc = Bun.YAML.parse(readFileSync(server.kubeconfig, "utf8")) as any;
    kc.users[0].user = {};
    writeFileSync(`${server.dataDir}/no-user.yaml`, Bun.YAML.stringify(kc, null, 2));
    expect(await eventually(async () => (await withToken(["get", "configmaps", "-n", NS])).code === 0)).toBe(true);
    const other = await withToken(["get", "configmap", "theirs", "-n", "rbac-other"]);
    expect(other.code).toBe(1);
    expect(other.stderr.trim()).toBe(`Error from server (Forbidden): configmaps "theirs" is forbidden: User "system:serviceaccount:${NS}:robot" cannot get resource "configmaps" in API group "" in the namespace "rbac-other"`);
  });

  test("kubectl auth can-i (yes/no, exit code) and --list", async () => {
    const yes = await as(viewer, ["auth", "can-i", "list", "pods", "-n", NS]);
    expect([yes.stdout.trim(), yes.code]).toEqual(["yes", 0]);
    const no = await as(viewer, ["auth", "can-i", "create", "pods", "-n", NS]);
    expect([no.stdout.trim(), no.code]).toEqual(["no", 1]);
    const url = await as(viewer, ["auth", "can-i", "get", "/healthz"]);
    expect(url.stdout.trim()).toBe("yes");
    expect((await as(dev, ["auth", "can-i", "create", "configmaps", "-n", NS])).stdout.trim()).toBe("yes");
    const adminYes = await kubectl(server, ["auth", "can-i", "*", "*"]);
    expect(adminYes.stdout.trim()).toBe("yes");
    const list = await as(dev, ["auth", "can-i", "--list", "-n", NS]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    expect(lines.some((l) => /^configmaps\s+\[\]\s+\[\]\s+\[get list create\]$/.test(l))).toBe(true);
    expect(lines.some((l) => /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/.test(l))).toBe(true);
    expect(lines.some((l) => /^\s+\[\/healthz\]\s+\[\]\s+\[get\]$/.test(l))).toBe(true);
  });

  test("an escalation attempt is refused; granting what one holds is not", async () => {
    await admin(["create", "role", "rbac-writer", "-n", NS, "--verb=create,get,list", "--resource=roles,rolebindings"]);
    await admin(["create", "rolebinding", "leads-rbac", "-n", NS, "--role=rbac-writer", "--group=leads"]);
    await admin(["create", "rolebinding", "leads-view", "-n", NS, "--clusterrole=view", "--group=leads"]);
    await Bun.sleep(200);
    const r = await as(lead, ["create", "role", "too-much", "-n", NS, "--verb=*", "--resource=secrets"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`Error from server (Forbidden): roles.rbac.authorization.k8s.io "too-much" is forbidden: user "lena" (groups=["leads" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["*"]}`);
    const bind = await as(lead, ["create", "rolebinding", "me-admin", "-n", NS, "--clusterrole=admin", "--user=lena"]);
    expect(bind.code).toBe(1);
    expect(bind.stderr).toContain('rolebindings.rbac.authorization.k8s.io "me-admin" is forbidden: user "lena" (groups=["leads" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:');
    expect((await as(lead, ["create", "role", "pod-reader", "-n", NS, "--verb=get", "--resource=pods"])).code).toBe(0);
  });

  test("a node identity reads its own pods' secrets but not another node's", async () => {
    const pod = (name: string, node: string, secret: string) => JSON.stringify({
      apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS },
      spec: { nodeName: node, containers: [{ name: "c", image: "busybox", env: [{ name: "S", valueFrom: { secretKeyRef: { name: secret, key: "k" } } }] }] },
    });
    // The ServiceAccount admission wants `default`; create it if the serviceaccount controller has not yet.
    await kubectl(server, ["create", "serviceaccount", "default", "-n", NS]);
    await admin(["create", "secret", "generic", "s1", "-n", NS, "--from-literal=k=v1"]);
    await admin(["create", "secret", "generic", "s2", "-n", NS, "--from-literal=k=v2"]);
    await admin(["create", "-f", "-"], pod("on-n1", "n1", "s1"));
    await admin(["create", "-f", "-"], pod("on-n2", "n2", "s2"));
    expect(await eventually(async () => (await as(node1, ["get", "secret", "s1", "-n", NS])).code === 0)).toBe(true);
    const denied = await as(node1, ["get", "secret", "s2", "-n", NS]);
    expect(denied.code).toBe(1);
    expect(denied.stderr.trim()).toBe(`Error from server (Forbidden): secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "${NS}": no relationship found between node 'n1' and this object`);
    expect((await as(node1, ["get", "pod", "on-n2", "-n", NS])).code).toBe(1);
    expect((await as(node1, ["get", "pods", "-A", "--field-selector", "spec.nodeName=n1"])).stdout).toContain("on-n1");
  });

  test("anonymous gets /version but not /api/v1/pods", async () => {
    const version = await fetch(`${apiURL}/version`, { tls: { rejectUnauthorized: false } });
    expect(version.status).toBe(200);
    expect(((await version.json()) as any).minor).toBe("32");
    const pods = await fetch(`${apiURL}/api/v1/pods`, { tls: { rejectUnauthorized: false } });
    expect(pods.status).toBe(403);
    expect(((await pods.json()) as any).message).toBe('pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope');
  });

  test("a new aggregate-to-view ClusterRole adds its rules to view", async () => {
    await admin(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole",
      metadata: { name: "e2e-nodes-view", labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } },
      rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] }],
    }));
    const started = Date.now();
    expect(await eventually(async () => (await admin(["get", "clusterrole", "view", "-o", "jsonpath={.rules[*].resources}"])).includes('["nodes"]'))).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await eventually(async () => (await as(viewer, ["auth", "can-i", "list", "nodes"])).stdout.trim() === "yes")).toBe(true);
    expect((await as(viewer, ["get", "nodes"])).code).toBe(0);
  });
});
