import { afterEach, beforeEach, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certificateInfo } from "./certificate-info.ts";
import { checkCertificates, rotateLeafCertificates } from "./leaf-rotation.ts";
import { ensureServerPKI } from "./server-pki.ts";

let root: string;
let tls: string;
const OPTS = { nodeName: "node-a", sans: { dns: ["api.example.test"], ips: [] }, serviceIP: "10.43.0.1" };
beforeEach(async () => { root = await mkdtemp(join(tmpdir(), "lite-rot-")); tls = join(root, "server", "tls"); });
afterEach(async () => { await rm(root, { recursive: true, force: true }); });

test("check lists every certificate with its expiry and status", async () => {
  await ensureServerPKI(tls, OPTS);
  const certs = await checkCertificates(tls);
  expect(certs.map((c) => c.file)).toEqual([
    "client-admin.crt", "client-auth-proxy.crt", "client-ca.crt", "client-controller.crt", "client-kube-apiserver.crt", "client-kube-proxy.crt", "client-lite-controller.crt",
    "client-scheduler.crt", "request-header-ca.crt", "server-ca.crt", "serving-kube-apiserver.crt",
  ]);
  const admin = certs[0]!;
  expect(admin).toMatchObject({ status: "OK", daysLeft: 364 });
  expect(admin.info.subject.commonName).toBe("system:admin");
  expect(certs[2]!.info.isCA).toBe(true); // client-ca.crt
  const later = await checkCertificates(tls, new Date(Date.now() + 300 * 86_400_000));
  expect(later[0]!.status).toBe("WARNING");
  expect(later[2]!.status).toBe("OK"); // a CA
  expect((await checkCertificates(tls, new Date(Date.now() + 400 * 86_400_000)))[0]!.status).toBe("EXPIRED");
});

test("rotate backs up, re-issues chosen leaves with new keys, same subjects, SANs and CA", async () => {
  const before = await ensureServerPKI(tls, OPTS);
  const outcome = await rotateLeafCertificates(tls, ["admin", "kube-apiserver"]);
  expect(outcome.rotated).toEqual(["client-admin.crt", "serving-kube-apiserver.crt"]);
  expect((await readdir(outcome.backupDir)).sort()).toEqual((await readdir(tls)).sort());
  expect((await stat(outcome.backupDir)).mode & 0o777).toBe(0o700);
  const after = await ensureServerPKI(tls, OPTS);
  expect(after.issued).toEqual([]); // the rotated leaves are accepted as they are
  expect(after.clients.admin.certPem).not.toBe(before.clients.admin.certPem);
  expect(after.clients.admin.keyPem).not.toBe(before.clients.admin.keyPem);
  expect(after.clients.scheduler.certPem).toBe(before.clients.scheduler.certPem);
  expect(certificateInfo(after.clients.admin.certPem).subject).toEqual({ commonName: "system:admin", organizations: ["system:masters"] });
  expect(certificateInfo(after.serving.certPem).dnsNames.sort()).toEqual(certificateInfo(before.serving.certPem).dnsNames.sort());
  expect(new X509Certificate(after.serving.certPem).verify(new X509Certificate(after.serverCA.authority.certPem).publicKey)).toBe(true);
  expect((await stat(join(tls, "client-admin.key"))).mode & 0o777).toBe(0o600);
  await expect(rotateLeafCertificates(tls, ["etcd"], new Date(Date.now() + 5000))).rejects.toThrow(/unknown service "etcd"/);
});
