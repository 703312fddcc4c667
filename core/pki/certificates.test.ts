import { expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { canonicalIP, certificateInfo } from "./certificate-info.ts";
import { createCertificateAuthority, issueClientCertificate, issueServingCertificate, loadCertificateAuthority } from "./certificates.ts";

test("client certificate subject round-trips special characters and several groups", async () => {
  const ca = await createCertificateAuthority({ commonName: "t-ca", days: 1 });
  const leaf = await issueClientCertificate(ca, { commonName: "system:node:a,b", organizations: ["system:nodes", "x=y+z"], days: 1 });
  expect(certificateInfo(leaf.certPem).subject).toEqual({ commonName: "system:node:a,b", organizations: ["system:nodes", "x=y+z"] });
  expect(leaf.keyPem).toContain("BEGIN EC PRIVATE KEY");
});

test("serving certificate with IPv6 SANs; CA reloaded from PEM signs the same way", async () => {
  const created = await createCertificateAuthority({ commonName: "t-ca", days: 1 });
  const ca = await loadCertificateAuthority(created.certPem, created.keyPem);
  const leaf = await issueServingCertificate(ca, { dns: ["svc.local"], ips: ["2001:db8::1", "10.0.0.1"], days: 2 });
  const info = certificateInfo(leaf.certPem);
  expect(info.subject.commonName).toBe("svc.local");
  expect(info.ipAddresses).toEqual(["2001:db8::1", "10.0.0.1"]);
  expect(new X509Certificate(leaf.certPem).checkHost("svc.local")).toBe("svc.local");
  expect(new X509Certificate(leaf.certPem).checkIP("2001:db8::1")).toBe("2001:db8::1");
  expect(new X509Certificate(leaf.certPem).verify(new X509Certificate(created.certPem).publicKey)).toBe(true);
});

test("canonicalIP compresses IPv6 and leaves IPv4 alone", () => {
  expect(canonicalIP("FD00:0:0:0:0:0:0:10")).toBe("fd00::10");
  expect(canonicalIP("10.1.2.3")).toBe("10.1.2.3");
});
