/**
 * End-to-end through dist/lite and real kubectl: secrets encrypted at rest (raw SQLite grep, key
 * rotation while serving, restart), a user's CSR signed and used, the audit log, certificate check,
 * and --advertise-address (the kubernetes Service's endpoint, a SAN of the serving certificate).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubectl, runLite, startServer, type LiteServer } from "./harness/lite-process.ts";

setDefaultTimeout(120_000);
const dataDir = mkdtempSync(join(tmpdir(), "lite-sec-"));
writeFileSync(join(dataDir, "config.yaml"), "");
const auditPath = join(dataDir, "audit", "audit.log");
const ADVERTISE = "10.99.0.7";
const ARGS = ["--secrets-encryption", "--audit-log-path", auditPath, "--advertise-address", ADVERTISE];
let server: LiteServer;
const PLAINTEXT = `TOPSECRET-${crypto.randomUUID()}`;

beforeAll(async () => { server = await startServer(ARGS, {}, { dataDir }); });
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function rawDatabase(): string {
  const db = join(dataDir, "server", "db", "state.db");
  return [db, `${db}-wal`].filter(existsSync).map((f) => readFileSync(f).toString("latin1")).join("\n");
}

const ok = async (args: string[], stdin?: string) => {
  const r = await kubectl(server, args, stdin !== undefined ? { stdin } : {});
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout;
};

test("--advertise-address is the kubernetes Service's endpoint and a SAN of the API serving certificate", async () => {
  const endpoints = JSON.parse(await ok(["get", "endpoints", "kubernetes", "-o", "json"]));
  expect(endpoints.subsets[0].addresses).toEqual([{ ip: ADVERTISE }]);
  const slice = JSON.parse(await ok(["get", "endpointslice", "kubernetes", "-o", "json"]));
  expect(slice.endpoints.map((e: { addresses: string[] }) => e.addresses[0])).toEqual([ADVERTISE]);
  const cert = new X509Certificate(readFileSync(join(dataDir, "server", "tls", "serving-kube-apiserver.crt")));
  expect(cert.subjectAltName?.split(", ")).toContain(`IP Address:${ADVERTISE}`);
});

test("secrets are encrypted in the datastore (no plaintext in the SQLite file or WAL) and read back", async () => {
  await ok(["create", "secret", "generic", "db-pass", `--from-literal=password=${PLAINTEXT}`]);
  await ok(["create", "configmap", "plain-cm", "--from-literal=k=visible-configmap-value"]);
  const b64 = (await ok(["get", "secret", "db-pass", "-o", "jsonpath={.data.password}"])).trim();
  expect(Buffer.from(b64, "base64").toString()).toBe(PLAINTEXT);
  const raw = rawDatabase();
  expect(raw).not.toContain(PLAINTEXT);
  expect(raw).not.toContain(Buffer.from(PLAINTEXT).toString("base64"));
  expect(raw).toContain("k8s:enc:secretbox:v1:secretboxkey-");
  expect(raw).toContain("visible-configmap-value"); // only Secrets are covered
  const cfg = join(dataDir, "server", "cred", "encryption-config.json");
  expect(statSync(cfg).mode & 0o777).toBe(0o600);
  expect(statSync(join(dataDir, "server", "cred")).mode & 0o777).toBe(0o700);
  const status = await runLite(["secrets-encrypt", "status", "-d", dataDir]);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain("Encryption Status: Enabled");
  expect(status.stdout).toMatch(/ \*\s+XSalsa20-Poly1305\s+secretboxkey-/);
});

test("rotate-keys re-encrypts every secret with a new key while serving, then drops the old key", async () => {
  const items = Array.from({ length: 300 }, (_, i) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: `bulk-${i}` }, stringData: { v: `bulk-value-${i}` } }));
  await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  const before = JSON.parse((await runLite(["secrets-encrypt", "status", "-d", dataDir, "-o", "json"])).stdout);
  const oldKey = before.keys[0].name;
  // Reads keep working during the rotation.
  const rotating = runLite(["secrets-encrypt", "rotate-keys", "-d", dataDir], {}, 120_000);
  const during = await kubectl(server, ["get", "secret", "db-pass", "-o", "jsonpath={.data.password}"]);
  expect(Buffer.from(during.stdout.trim(), "base64").toString()).toBe(PLAINTEXT);
  const r = await rotating;
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/keys rotated: new key secretboxkey-\S+; \d+ of \d+ secrets re-encrypted/);
  const after = JSON.parse((await runLite(["secrets-encrypt", "status", "-d", dataDir, "-o", "json"])).stdout);
  expect(after.stage).toBe("reencrypt_finished");
  expect(after.keys).toHaveLength(1);
  expect(after.keys[0].name).not.toBe(oldKey);
  expect(Object.keys(after.secrets)).toEqual([after.keys[0].name]);
  expect(await ok(["get", "secret", "bulk-7", "-o", "jsonpath={.data.v}"])).toBe(Buffer.from("bulk-value-7").toString("base64"));
});

test("a user's CSR is approved with kubectl, signed, and the certificate authenticates that user", async () => {
  const dir = join(dataDir, "jane");
  Bun.spawnSync(["mkdir", "-p", dir]);
  const gen = Bun.spawnSync(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", join(dir, "jane.key"), "-out", join(dir, "jane.csr"), "-subj", "/CN=jane/O=qa"]);
  expect(gen.exitCode).toBe(0);
  const csr = {
    apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name: "jane" },
    spec: { request: readFileSync(join(dir, "jane.csr")).toString("base64"), signerName: "kubernetes.io/kube-apiserver-client", usages: ["client auth"], expirationSeconds: 86400 },
  };
  await ok(["apply", "-f", "-"], JSON.stringify(csr));
  expect(await ok(["get", "csr", "jane"])).toMatch(/jane .* kubernetes\.io\/kube-apiserver-client .*system:admin .*Pending/);
  expect(await ok(["certificate", "approve", "jane"])).toContain("approved");
  let certB64 = "";
  for (let i = 0; i < 100 && !certB64; i++) {
    certB64 = (await ok(["get", "csr", "jane", "-o", "jsonpath={.status.certificate}"])).trim();
    if (!certB64) await Bun.sleep(100);
  }
  expect(certB64).not.toBe("");
  expect(await ok(["get", "csr", "jane"])).toContain("Approved,Issued");
  writeFileSync(join(dir, "jane.crt"), Buffer.from(certB64, "base64"));
  const verify = Bun.spawnSync(["openssl", "verify", "-CAfile", join(dataDir, "server", "tls", "client-ca.crt"), join(dir, "jane.crt")]);
  expect(verify.stdout.toString()).toContain("OK");
  // A kubeconfig for jane: the admin's cluster entry, jane's certificate and key.
  const admin = Bun.YAML.parse(readFileSync(server.kubeconfig, "utf8")) as any;
  admin.users[0].user = { "client-certificate-data": certB64, "client-key-data": readFileSync(join(dir, "jane.key")).toString("base64") };
  const janeConfig = join(dir, "kubeconfig.json");
  writeFileSync(janeConfig, JSON.stringify(admin));
  const version = await kubectl(server, ["get", "--raw", "/version"], { env: { KUBECONFIG: janeConfig } });
  expect(version.code).toBe(0);
  expect(JSON.parse(version.stdout).minor).toBe("32");
  const whoami = await kubectl(server, ["auth", "whoami", "-o", "json"], { env: { KUBECONFIG: janeConfig } });
  if (whoami.code === 0) expect(JSON.parse(whoami.stdout).status.userInfo).toMatchObject({ username: "jane", groups: expect.arrayContaining(["qa"]) });
  // The audit log saw jane (and the admin's approval through the approval subresource).
  await Bun.sleep(300);
  const events = readFileSync(auditPath, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  expect(events.some((e) => e.user.username === "jane" && e.requestURI === "/version")).toBe(true);
  const approval = events.find((e) => e.objectRef?.subresource === "approval");
  expect(approval).toMatchObject({
    kind: "Event", apiVersion: "audit.k8s.io/v1", level: "Metadata", stage: "ResponseComplete", verb: "update",
    user: { username: "system:admin" }, objectRef: { resource: "certificatesigningrequests", name: "jane", apiGroup: "certificates.k8s.io", apiVersion: "v1" },
    responseStatus: { code: 200 },
  });
  expect(approval.userAgent).toContain("kubectl");
});

test("after a restart secrets read back; certificate check and rotate (server stopped)", async () => {
  const running = await runLite(["certificate", "rotate", "-d", dataDir]);
  expect(running.code).toBe(1);
  expect(running.stderr).toContain("stop it first");
  await server.stop();
  const check = await runLite(["certificate", "check", "-d", dataDir]);
  expect(check.code).toBe(0);
  expect(check.stdout).toMatch(/^FILENAME\s+SUBJECT\s+ISSUER\s+CA\s+EXPIRES\s+DAYS LEFT\s+STATUS/);
  expect(check.stdout).toMatch(/client-admin\.crt\s+system:admin,O=system:masters\s+lite-client-ca@\d+\s+no\s+\S+\s+36[45]\s+OK/);
  const rotate = await runLite(["certificate", "rotate", "-d", dataDir, "--service", "admin,api-server"]);
  expect(rotate.stderr).toBe("");
  expect(rotate.stdout).toContain("rotated client-admin.crt\nrotated serving-kube-apiserver.crt");
  server = await startServer(ARGS, {}, { dataDir });
  const b64 = (await ok(["get", "secret", "db-pass", "-o", "jsonpath={.data.password}"])).trim();
  expect(Buffer.from(b64, "base64").toString()).toBe(PLAINTEXT);
  expect(rawDatabase()).not.toContain(PLAINTEXT);
});
