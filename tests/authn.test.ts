/**
 * Authentication end to end through dist/lite with the real kubectl: service-account tokens from
 * the TokenRequest API (and their rejections), x509 client certificates from a foreign CA or
 * expired, anonymous requests, impersonation, bootstrap tokens from `lite token`, OIDC discovery.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createPublicKey, createPrivateKey, verify } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { signJwt } from "../core/auth/authn/jwt.ts";
import { loadServiceAccountKey } from "../core/auth/authn/service-account-key.ts";
import { caHash, createCertificateAuthority, issueClientCertificate, loadCertificateAuthority } from "../core/pki/index.ts";
import { kubectl, runLite, startServer, type LiteServer } from "./harness/lite-process.ts";

setDefaultTimeout(60_000);

const UNAUTHORIZED = "error: You must be logged in to the server (Unauthorized)";
let server: LiteServer;
let cluster: { server: string; "certificate-authority-data": string };
let caPem: string;

beforeAll(async () => {
  server = await startServer();
  const cfg = Bun.YAML.parse(readFileSync(server.kubeconfig, "utf8")) as { clusters: { cluster: typeof cluster }[] };
  cluster = cfg.clusters[0]!.cluster;
  caPem = Buffer.from(cluster["certificate-authority-data"], "base64").toString();
  // The serviceaccounts controller creates `default`; give it a moment (create it if it lags).
  for (let i = 0; i < 25; i++) {
    if ((await k(["get", "sa", "default"])).code === 0) return;
    await Bun.sleep(200);
  }
  await k(["create", "sa", "default"]);
});
afterAll(async () => {
  await server?.stop();
});

const k = (args: string[], env?: Record<string, string>) => kubectl(server, args, { env });

/** A kubeconfig with the cluster only: credentials come from flags (--token, --as ...) or a client cert. */
function kubeconfig(name: string, user: Record<string, string> = {}): string {
  const path = `${server.dataDir}/${name}.kubeconfig`;
  writeFileSync(path, JSON.stringify({
    apiVersion: "v1", kind: "Config", "current-context": "c",
    clusters: [{ name: "c", cluster }], users: [{ name: "u", user }], contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
  }));
  return path;
}

const withToken = (token: string, args: string[]) => k([`--token=${token}`, ...args], { KUBECONFIG: kubeconfig("token") });
const createToken = async (args: string[]) => {
  const r = await k(["create", "token", ...args]);
  expect(r.stderr).toBe("");
  return r.stdout.trim();
};
const b64 = (pem: string) => Buffer.from(pem).toString("base64");

describe("service-account tokens ([sig-auth] ServiceAccounts: TokenRequest)", () => {
  test("kubectl create token default, then kubectl --token: auth whoami shows the service account", async () => {
    const token = await createToken(["default"]);
    expect(token.split(".")).toHaveLength(3);
    const who = await withToken(token, ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"]);
    expect(who.stderr).toBe("");
    expect(who.stdout).toBe('system:serviceaccount:default:default ["system:serviceaccounts","system:serviceaccounts:default","system:authenticated"]');
  });

  test("a tampered token is Unauthorized", async () => {
    const token = await createToken(["default"]);
    const [h, p, s] = token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    claims.sub = "system:serviceaccount:kube-system:default";
    const r = await withToken(`${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`, ["get", "pods"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(UNAUTHORIZED);
  });

  test("an expired token (signed with the real key) is Unauthorized", async () => {
    const key = loadServiceAccountKey(readFileSync(`${server.dataDir}/server/tls/service.key`, "utf8"));
    const valid = JSON.parse(Buffer.from((await createToken(["default"])).split(".")[1]!, "base64url").toString());
    const past = Math.floor(Date.now() / 1000) - 7200;
    const expired = signJwt({ ...valid, iat: past, nbf: past, exp: past + 600 }, key.privateKey, key.kid);
    expect((await withToken(expired, ["get", "pods"])).stderr.trim()).toBe(UNAUTHORIZED);
  });

  test("a token for another audience is Unauthorized", async () => {
    const token = await createToken(["default", "--audience=vault"]);
    expect((await withToken(token, ["get", "pods"])).stderr.trim()).toBe(UNAUTHORIZED);
  });

  test("a deleted (or recreated) service account's token is Unauthorized", async () => {
    expect((await k(["create", "sa", "doomed"])).code).toBe(0);
    const token = await createToken(["doomed", "--duration=10m"]);
    expect((await withToken(token, ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).stdout).toBe("system:serviceaccount:default:doomed");
    expect((await k(["delete", "sa", "doomed"])).code).toBe(0);
    expect((await withToken(token, ["get", "pods"])).stderr.trim()).toBe(UNAUTHORIZED);
    expect((await k(["create", "sa", "doomed"])).code).toBe(0);
    expect((await withToken(token, ["get", "pods"])).stderr.trim()).toBe(UNAUTHORIZED);
  });

  test("a secret-bound token dies with its secret; TokenRequest validation as upstream", async () => {
    expect((await k(["create", "secret", "generic", "anchor", "--from-literal=a=b"])).code).toBe(0);
    const token = await createToken(["default", "--bound-object-kind=Secret", "--bound-object-name=anchor"]);
    expect((await withToken(token, ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).stdout).toBe("system:serviceaccount:default:default");
    expect((await k(["delete", "secret", "anchor"])).code).toBe(0);
    expect((await withToken(token, ["get", "pods"])).stderr.trim()).toBe(UNAUTHORIZED);
    const short = await k(["create", "token", "default", "--duration=1m"]);
    expect(short.stderr.trim()).toBe('error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
  });

  test("[sig-auth] ServiceAccounts ServiceAccountIssuerDiscovery should support OIDC discovery of service account issuer: /openid/v1/jwks verifies the token", async () => {
    const token = await createToken(["default"]);
    const config = JSON.parse((await k(["get", "--raw", "/.well-known/openid-configuration"])).stdout);
    expect(config).toMatchObject({ issuer: "https://kubernetes.default.svc.cluster.local", jwks_uri: "https://kubernetes.default.svc.cluster.local/openid/v1/jwks" });
    const jwks = JSON.parse((await k(["get", "--raw", "/openid/v1/jwks"])).stdout) as { keys: { kid: string }[] };
    const [h, p, s] = token.split(".") as [string, string, string];
    const header = JSON.parse(Buffer.from(h, "base64url").toString());
    const jwk = jwks.keys.find((key) => key.kid === header.kid);
    expect(jwk).toBeDefined();
    const ok = verify("sha256", Buffer.from(`${h}.${p}`), { key: createPublicKey({ key: jwk as never, format: "jwk" }), dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"));
    expect(ok).toBe(true);
    expect(JSON.parse(Buffer.from(p, "base64url").toString()).iss).toBe(config.issuer);
  });
});

describe("x509 client certificates and anonymous requests", () => {
  test("a client certificate from another CA gets 401", async () => {
    const foreign = await createCertificateAuthority({ commonName: "evil-ca", days: 10 });
    const cert = await issueClientCertificate(foreign, { commonName: "system:admin", organizations: ["system:masters"], days: 1 });
    const r = await k(["get", "pods"], { KUBECONFIG: kubeconfig("foreign", { "client-certificate-data": b64(cert.certPem), "client-key-data": b64(cert.keyPem) }) });
    expect(r.stderr.trim()).toBe(UNAUTHORIZED);
  });

  test("an expired certificate from the cluster's client CA gets 401", async () => {
    const tls = `${server.dataDir}/server/tls`;
    const ca = await loadCertificateAuthority(readFileSync(`${tls}/client-ca.crt`, "utf8"), readFileSync(`${tls}/client-ca.key`, "utf8"));
    const day = 86_400_000;
    const cert = await issueClientCertificate(ca, { commonName: "system:admin", organizations: ["system:masters"], notBefore: new Date(Date.now() - 3 * day), notAfter: new Date(Date.now() - day) });
    const r = await k(["get", "pods"], { KUBECONFIG: kubeconfig("expired", { "client-certificate-data": b64(cert.certPem), "client-key-data": b64(cert.keyPem) }) });
    expect(r.stderr.trim()).toBe(UNAUTHORIZED);
  });

  test("no credentials: /api/v1/pods is refused for system:anonymous, /version is public", async () => {
    const pods = await fetch(`${cluster.server}/api/v1/pods`, { tls: { ca: caPem } } as RequestInit);
    expect([401, 403]).toContain(pods.status);
    const body = await pods.json() as { message: string; reason: string };
    if (pods.status === 403) expect(body.message).toBe('pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope');
    expect((await fetch(`${cluster.server}/version`, { tls: { ca: caPem } } as RequestInit)).status).toBe(200);
  });

  test("an unknown bearer token gets 401 even on public paths (never anonymous)", async () => {
    const r = await fetch(`${cluster.server}/version`, { headers: { authorization: "Bearer nonsense" }, tls: { ca: caPem } } as RequestInit);
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
  });
});

describe("impersonation", () => {
  test("the admin may impersonate: --as / --as-group / --as-uid", async () => {
    const r = await k(["auth", "whoami", "--as=jane", "--as-group=devs", "--as-uid=42", "-o", "json"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).status.userInfo).toEqual({ username: "jane", uid: "42", groups: ["devs", "system:authenticated"] });
  });

  test("a service account without the impersonate verb is forbidden with upstream's wording", async () => {
    const token = await createToken(["default"]);
    const r = await withToken(token, ["get", "pods", "--as=someone"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (Forbidden): users "someone" is forbidden: User "system:serviceaccount:default:default" cannot impersonate resource "users" in API group "" at the cluster scope');
  });
});

describe("bootstrap tokens (lite token)", () => {
  test("lite token create prints K10<ca hash>::<id>.<secret>; the token authenticates; list and delete", async () => {
    const created = await runLite(["token", "create", "--kubeconfig", server.kubeconfig, "--description", "e2e", "--ttl", "2h"]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const m = /^K10([0-9a-f]{64})::([a-z0-9]{6})\.([a-z0-9]{16})\n$/.exec(created.stdout);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(caHash(readFileSync(`${server.dataDir}/server/tls/server-ca.crt`, "utf8")));
    const token = `${m![2]}.${m![3]}`;
    const who = await withToken(token, ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"]);
    expect(who.stdout).toBe(`system:bootstrap:${m![2]} ["system:bootstrappers","system:bootstrappers:k3s:default-node-token","system:authenticated"]`);

    const listed = await runLite(["token", "list", "--kubeconfig", server.kubeconfig]);
    expect(listed.stdout).toMatch(/^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS\n/);
    expect(listed.stdout).toContain(`${token}   1h`);
    expect(listed.stdout).toContain("authentication,signing   e2e");

    expect((await runLite(["token", "delete", m![2]!, "--kubeconfig", server.kubeconfig])).stdout).toBe(`bootstrap token "${m![2]}" deleted\n`);
    expect((await withToken(token, ["get", "pods"])).stderr.trim()).toBe(UNAUTHORIZED);
  });

  test("bad input: one line, exit 2", async () => {
    for (const args of [["token", "create", "--ttl", "soon"], ["token", "create", "--groups", "system:masters"], ["token", "create", "--usages", "signing,root"], ["token", "delete", "NOPE"], ["token", "frobnicate"]]) {
      const r = await runLite([...args, "--kubeconfig", server.kubeconfig]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.startsWith("lite token: ")).toBe(true);
    }
  });
});
