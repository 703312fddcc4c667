import { afterAll, beforeAll, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@lite/sdk";
import { startHarness, type Harness } from "../apiserver/testing/harness.ts";
import { certificateInfo, createCertificateAuthority, type CertificateAuthority } from "../pki/index.ts";
import { startControllerManager, type ControllerManagerHandle } from "../controllers/index.ts";
import { csrSigningController } from "./signing-controller.ts";
import { csrAdmissionPlugin } from "./csr-admission.ts";

const log: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => log };
const ALICE = { username: "alice", groups: ["devs", "system:authenticated"] };
let h: Harness;
let signing: ControllerManagerHandle;
let cas: { client: CertificateAuthority; server: CertificateAuthority };
const dir = mkdtempSync(join(tmpdir(), "lite-csr-"));

beforeAll(async () => {
  cas = { client: await createCertificateAuthority({ commonName: "client-ca", days: 30 }), server: await createCertificateAuthority({ commonName: "server-ca", days: 30 }) };
  h = await startHarness({ admission: [csrAdmissionPlugin()] });
  signing = startControllerManager({ api: h.server, log, identity: "test", controllers: [csrSigningController({ cas })], leaderElection: false });
});
afterAll(async () => {
  await signing.stop();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A PEM CSR made with openssl (EC P-256 or RSA) for `subj` and optional SANs. */
function opensslCsr(name: string, subj: string, opts: { rsa?: boolean; san?: string } = {}): string {
  const key = join(dir, `${name}.key`);
  const keyArgs = opts.rsa ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
  const args = ["openssl", "req", "-new", ...keyArgs, "-nodes", "-keyout", key, "-subj", subj, ...(opts.san ? ["-addext", `subjectAltName=${opts.san}`] : [])];
  const r = Bun.spawnSync(args);
  if (r.exitCode !== 0) throw new Error(r.stderr.toString());
  return r.stdout.toString();
}

function csrObject(name: string, pem: string, signerName: string, usages: string[], extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name },
    spec: { request: Buffer.from(pem).toString("base64"), signerName, usages, ...extra },
  };
}

const PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

async function approve(name: string, type = "Approved") {
  const cur = (await h.call("GET", `${PATH}/${name}`)).body;
  cur.status = { conditions: [...(cur.status?.conditions ?? []), { type, status: "True", reason: "KubectlApprove", message: "m", lastUpdateTime: new Date().toISOString() }] };
  return h.call("PUT", `${PATH}/${name}/approval`, cur);
}

async function waitFor(name: string, pred: (csr: any) => boolean, ms = 5000): Promise<any> {
  const deadline = Date.now() + ms;
  for (;;) {
    const csr = (await h.call("GET", `${PATH}/${name}`)).body;
    if (pred(csr)) return csr;
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(csr.status)}`);
    await Bun.sleep(20);
  }
}

test("kube-apiserver-client: requester recorded, approved, signed by the client CA with the capped duration", async () => {
  const pem = opensslCsr("alice", "/CN=alice/O=devs/O=ops");
  const created = await h.call("POST", PATH, csrObject("alice", pem, "kubernetes.io/kube-apiserver-client", ["client auth", "digital signature"], { expirationSeconds: 3600, username: "mallory" }), {}, ALICE);
  expect(created.status).toBe(201);
  expect(created.body.spec).toMatchObject({ username: "alice", groups: ["devs", "system:authenticated"] });
  // Not approved: nothing is issued.
  await Bun.sleep(100);
  expect((await h.call("GET", `${PATH}/alice`)).body.status?.certificate).toBeUndefined();
  expect((await approve("alice")).status).toBe(200);
  const csr = await waitFor("alice", (c) => !!c.status?.certificate);
  const certPem = Buffer.from(csr.status.certificate, "base64").toString();
  const info = certificateInfo(certPem);
  expect(info.subject).toEqual({ commonName: "alice", organizations: ["devs", "ops"] });
  expect(info.issuer.commonName).toBe("client-ca");
  const lifetime = info.notAfter.getTime() - Date.now();
  expect(lifetime).toBeGreaterThan(3500_000);
  expect(lifetime).toBeLessThanOrEqual(3600_000);
  const x = new X509Certificate(certPem);
  expect(x.verify(new X509Certificate(cas.client.certPem).publicKey)).toBe(true);
  expect(x.keyUsage).toContain("1.3.6.1.5.5.7.3.2");
  expect(csr.status.conditions[0]).toMatchObject({ type: "Approved", status: "True" });
  expect(csr.status.conditions[0].lastTransitionTime).toBeDefined();
  // The certificate cannot be replaced afterwards.
  csr.status.certificate = Buffer.from("x").toString("base64");
  expect((await h.call("PUT", `${PATH}/alice/status`, csr)).status).toBe(422);
});

test("kubelet-serving is signed by the server CA with the requested SANs; RSA keys work", async () => {
  const pem = opensslCsr("node1", "/O=system:nodes/CN=system:node:node1", { rsa: true, san: "DNS:node1,IP:10.0.0.5" });
  expect((await h.call("POST", PATH, csrObject("serving", pem, "kubernetes.io/kubelet-serving", ["digital signature", "key encipherment", "server auth"]))).status).toBe(201);
  await approve("serving");
  const csr = await waitFor("serving", (c) => !!c.status?.certificate);
  const certPem = Buffer.from(csr.status.certificate, "base64").toString();
  const info = certificateInfo(certPem);
  expect(info.issuer.commonName).toBe("server-ca");
  expect(info.dnsNames).toEqual(["node1"]);
  expect(info.ipAddresses).toEqual(["10.0.0.5"]);
  expect(new X509Certificate(certPem).checkHost("node1")).toBe("node1");
});

test("signer rules: a kubelet client CSR for a non-node subject fails with SignerValidationFailure", async () => {
  const pem = opensslCsr("bad", "/CN=alice/O=system:nodes");
  await h.call("POST", PATH, csrObject("bad-kubelet", pem, "kubernetes.io/kube-apiserver-client-kubelet", ["digital signature", "client auth"]));
  await approve("bad-kubelet");
  const csr = await waitFor("bad-kubelet", (c) => c.status?.conditions?.some((x: any) => x.type === "Failed"));
  expect(csr.status.conditions[1]).toMatchObject({ type: "Failed", status: "True", reason: "SignerValidationFailure", message: "subject common name does not begin with system:node:" });
  expect(csr.status.certificate).toBeUndefined();
  const usage = opensslCsr("u", "/CN=bob");
  await h.call("POST", PATH, csrObject("bad-usage", usage, "kubernetes.io/kube-apiserver-client", ["client auth", "server auth"]));
  await approve("bad-usage");
  const failed = await waitFor("bad-usage", (c) => c.status?.conditions?.some((x: any) => x.type === "Failed"));
  expect(failed.status.conditions[1].message).toBe("invalid usage for client certificate: server auth");
});

test("validation: legacy signer, short expiry, bad PEM, approved+denied, removing a condition", async () => {
  const pem = opensslCsr("v", "/CN=v");
  const legacy = await h.call("POST", PATH, csrObject("legacy", pem, "kubernetes.io/legacy-unknown", ["client auth"]));
  expect(legacy.status).toBe(422);
  expect(legacy.body.message).toContain('spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version');
  const short = await h.call("POST", PATH, csrObject("short", pem, "kubernetes.io/kube-apiserver-client", ["client auth"], { expirationSeconds: 60 }));
  expect(short.body.message).toContain("spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)");
  const garbage = await h.call("POST", PATH, csrObject("garbage", "hello", "kubernetes.io/kube-apiserver-client", ["client auth"]));
  expect(garbage.body.message).toContain("PEM block type must be CERTIFICATE REQUEST");
  await h.call("POST", PATH, csrObject("denied", pem, "example.com/other", ["client auth"]));
  expect((await approve("denied", "Denied")).status).toBe(200);
  const both = await approve("denied", "Approved");
  expect(both.status).toBe(422);
  expect(both.body.message).toContain("Approved and Denied conditions are mutually exclusive");
  const cur = (await h.call("GET", `${PATH}/denied`)).body;
  cur.status.conditions = [];
  const removed = await h.call("PUT", `${PATH}/denied/approval`, cur);
  expect(removed.body.message).toContain('updates may not remove a condition of type "Denied"');
});

test("an approval PUT is recorded in managedFields as an Update of subresource approval owning the conditions only", async () => {
  const pem = opensslCsr("mf", "/CN=mf");
  expect((await h.call("POST", `${PATH}?fieldManager=requester`, csrObject("mf", pem, "example.com/no-signer", ["client auth"]))).status).toBe(201);
  const cur = (await h.call("GET", `${PATH}/mf`)).body;
  cur.status = { conditions: [{ type: "Approved", status: "True", reason: "KubectlApprove", message: "m" }] };
  const approved = await h.call("PUT", `${PATH}/mf/approval?fieldManager=kubectl-certificate`, cur);
  expect(approved.status).toBe(200);
  const entry = (approved.body.metadata.managedFields as any[]).find((e) => e.manager === "kubectl-certificate");
  expect(entry).toMatchObject({ operation: "Update", subresource: "approval" });
  expect(Object.keys(entry.fieldsV1)).toEqual(["f:status"]);
  expect(Object.keys(entry.fieldsV1["f:status"])).toEqual(["f:conditions"]);
});
