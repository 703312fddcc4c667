import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { chmod, mkdtemp, readdir, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { caHash, certificateInfo } from "./certificate-info.ts";
import { issueClientCertificate, issueServingCertificate } from "./certificates.ts";
import { ensureServerPKI, type ServerPKIOptions } from "./server-pki.ts";

const DAY = 86_400_000;
const OPTS: ServerPKIOptions = {
  nodeName: "node-a",
  nodeIPs: ["192.168.5.10", "fd00:0:0::10"],
  sans: { dns: ["api.example.test"], ips: ["10.9.8.7"] },
  serviceIP: "10.43.0.1",
};
const LEAVES = ["serving-kube-apiserver", "client-admin", "client-controller", "client-scheduler", "client-kube-proxy", "client-lite-controller", "client-kube-apiserver", "client-auth-proxy"];
const CAS = ["server-ca", "client-ca", "request-header-ca"];

let root: string;
let tls: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "lite-pki-"));
  tls = join(root, "server", "tls");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const mode = async (p: string) => (await stat(p)).mode & 0o777;
const days = (d: Date) => (d.getTime() - Date.now()) / DAY;

describe("ensureServerPKI: first start", () => {
  test("writes K3s-named files with private modes", async () => {
    const pki = await ensureServerPKI(tls, OPTS);
    expect(pki.issued).toEqual([...CAS, "service", ...LEAVES]);
    const files = (await readdir(tls)).sort();
    const expected = [...CAS, ...LEAVES].flatMap((n) => [`${n}.crt`, `${n}.key`]).concat("service.key").sort();
    expect(files).toEqual(expected);
    expect(await mode(tls)).toBe(0o700);
    for (const f of files) expect(await mode(join(tls, f))).toBe(f.endsWith(".key") ? 0o600 : 0o644);
    expect(pki.serviceKey.pem).toContain("BEGIN EC PRIVATE KEY");
  });

  test("validity periods: CAs 10 years, leaves 1 year", async () => {
    const pki = await ensureServerPKI(tls, OPTS);
    for (const ca of [pki.serverCA, pki.clientCA, pki.requestHeaderCA]) {
      const info = certificateInfo(ca.authority.certPem);
      expect(info.isCA).toBe(true);
      expect(Math.round(days(info.notAfter))).toBe(3650);
      expect(info.subject.commonName).toStartWith(`lite-${ca.name}@`);
    }
    for (const leaf of [pki.serving, ...Object.values(pki.clients)]) {
      const info = certificateInfo(leaf.certPem);
      expect(info.isCA).toBe(false);
      expect(Math.round(days(info.notAfter))).toBe(365);
      expect(info.notBefore.getTime()).toBeLessThanOrEqual(Date.now());
    }
  });

  test("serving certificate SANs", async () => {
    const info = certificateInfo((await ensureServerPKI(tls, OPTS)).serving.certPem);
    expect(info.dnsNames.sort()).toEqual(
      ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "node-a", "api.example.test"].sort(),
    );
    expect(info.ipAddresses.sort()).toEqual(["127.0.0.1", "::1", "10.43.0.1", "192.168.5.10", "fd00::10", "10.9.8.7"].sort());
  });

  test("client certificate subjects", async () => {
    const { clients } = await ensureServerPKI(tls, OPTS);
    const subject = (pem: string) => certificateInfo(pem).subject;
    expect(subject(clients.admin.certPem)).toEqual({ commonName: "system:admin", organizations: ["system:masters"] });
    expect(subject(clients.controller.certPem)).toEqual({ commonName: "system:kube-controller-manager", organizations: [] });
    expect(subject(clients.scheduler.certPem).commonName).toBe("system:kube-scheduler");
    expect(subject(clients.kubeProxy.certPem).commonName).toBe("system:kube-proxy");
    expect(subject(clients.liteController.certPem).commonName).toBe("system:lite-controller");
  });

  test("chains verify with node:crypto and openssl", async () => {
    const pki = await ensureServerPKI(tls, OPTS);
    const serverCA = new X509Certificate(pki.serverCA.authority.certPem);
    const clientCA = new X509Certificate(pki.clientCA.authority.certPem);
    expect(new X509Certificate(pki.serving.certPem).verify(serverCA.publicKey)).toBe(true);
    expect(new X509Certificate(pki.clients.admin.certPem).verify(clientCA.publicKey)).toBe(true);
    expect(new X509Certificate(pki.clients.admin.certPem).verify(serverCA.publicKey)).toBe(false);
    const openssl = (...args: string[]) => Bun.spawnSync(["openssl", "verify", ...args], { cwd: tls });
    const ok = openssl("-CAfile", "server-ca.crt", "-purpose", "sslserver", "serving-kube-apiserver.crt");
    expect(ok.stdout.toString()).toContain("OK");
    const client = openssl("-CAfile", "client-ca.crt", "-purpose", "sslclient", ...LEAVES.slice(1).filter((n) => n !== "client-auth-proxy").map((n) => `${n}.crt`));
    expect(client.exitCode).toBe(0);
    // The front-proxy certificate chains to the request-header CA, not the client CA.
    expect(openssl("-CAfile", "request-header-ca.crt", "-purpose", "sslclient", "client-auth-proxy.crt").exitCode).toBe(0);
    expect(openssl("-CAfile", "server-ca.crt", "client-admin.crt").exitCode).not.toBe(0);
  });

  test("caHash is sha256 of the exact PEM bytes on disk", async () => {
    const pki = await ensureServerPKI(tls, OPTS);
    const sum = Bun.spawnSync(["sha256sum", pki.serverCA.certPath]).stdout.toString().split(" ")[0];
    expect(caHash(await Bun.file(pki.serverCA.certPath).text())).toBe(sum!);
    expect(caHash(pki.serverCA.authority.certPem)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("ensureServerPKI: restart", () => {
  test("reuses everything on a second run", async () => {
    const first = await ensureServerPKI(tls, OPTS);
    const second = await ensureServerPKI(tls, OPTS);
    expect(second.issued).toEqual([]);
    expect(second.serverCA.authority.certPem).toBe(first.serverCA.authority.certPem);
    expect(second.serving.certPem).toBe(first.serving.certPem);
    expect(second.clients.admin.keyPem).toBe(first.clients.admin.keyPem);
  });

  test("re-issues a leaf within 90 days of expiry from the same CA", async () => {
    const first = await ensureServerPKI(tls, OPTS);
    const nearExpiry = await issueClientCertificate(first.clientCA.authority, {
      commonName: "system:admin",
      organizations: ["system:masters"],
      notBefore: new Date(Date.now() - 300 * DAY),
      notAfter: new Date(Date.now() + 30 * DAY),
    });
    await Bun.write(first.clients.admin.certPath, nearExpiry.certPem);
    await Bun.write(first.clients.admin.keyPath, nearExpiry.keyPem);
    const second = await ensureServerPKI(tls, OPTS);
    expect(second.issued).toEqual(["client-admin"]);
    expect(Math.round(days(certificateInfo(second.clients.admin.certPem).notAfter))).toBe(365);
    expect(second.clientCA.authority.certPem).toBe(first.clientCA.authority.certPem);
    const ca = new X509Certificate(second.clientCA.authority.certPem);
    expect(new X509Certificate(second.clients.admin.certPem).verify(ca.publicKey)).toBe(true);
    expect(await mode(second.clients.admin.keyPath)).toBe(0o600);
  });

  test("a leaf valid for more than 90 days is kept", async () => {
    const first = await ensureServerPKI(tls, OPTS);
    const longer = await issueServingCertificate(first.serverCA.authority, {
      commonName: "kube-apiserver",
      dns: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "node-a", "api.example.test"],
      ips: ["127.0.0.1", "::1", "10.43.0.1", "192.168.5.10", "fd00::10", "10.9.8.7"],
      days: 100,
    });
    await Bun.write(first.serving.certPath, longer.certPem);
    await Bun.write(first.serving.keyPath, longer.keyPem);
    expect((await ensureServerPKI(tls, OPTS)).issued).toEqual([]);
  });

  test("re-issues the serving certificate when SANs no longer cover the request", async () => {
    const first = await ensureServerPKI(tls, OPTS);
    const second = await ensureServerPKI(tls, { ...OPTS, sans: { dns: [...OPTS.sans.dns, "new.example.test"], ips: ["10.9.8.7"] } });
    expect(second.issued).toEqual(["serving-kube-apiserver"]);
    expect(certificateInfo(second.serving.certPem).dnsNames).toContain("new.example.test");
    expect(second.serverCA.authority.certPem).toBe(first.serverCA.authority.certPem);
    // Dropping a SAN does not force a new certificate (it still covers the request).
    expect((await ensureServerPKI(tls, OPTS)).issued).toEqual([]);
  });

  test("re-issues a leaf whose key does not match or whose issuer changed", async () => {
    const first = await ensureServerPKI(tls, OPTS);
    await Bun.write(first.clients.scheduler.keyPath, first.clients.controller.keyPem);
    expect((await ensureServerPKI(tls, OPTS)).issued).toEqual(["client-scheduler"]);
  });

  test("tightens a loose key mode; a CA certificate without key is an error", async () => {
    const first = await ensureServerPKI(tls, OPTS);
    await chmod(first.clients.admin.keyPath, 0o644);
    await ensureServerPKI(tls, OPTS);
    expect(await mode(first.clients.admin.keyPath)).toBe(0o600);
    await unlink(first.clientCA.keyPath);
    expect(ensureServerPKI(tls, OPTS)).rejects.toThrow(/client-ca\.key is missing/);
  });

  test("uses a pre-placed custom RSA CA (K3s custom CA layout)", async () => {
    await Bun.spawn(["mkdir", "-p", "-m", "700", tls]).exited;
    const gen = Bun.spawnSync(
      ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "server-ca.key", "-out", "server-ca.crt", "-days", "30", "-subj", "/CN=custom-server-ca"],
      { cwd: tls },
    );
    expect(gen.exitCode).toBe(0);
    const pki = await ensureServerPKI(tls, OPTS);
    expect(pki.issued).not.toContain("server-ca");
    expect(certificateInfo(pki.serving.certPem).issuer.commonName).toBe("custom-server-ca");
    const ca = new X509Certificate(pki.serverCA.authority.certPem);
    expect(new X509Certificate(pki.serving.certPem).verify(ca.publicKey)).toBe(true);
  });
});
