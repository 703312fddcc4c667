import { expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { certificateNames, createDefaultCertificate } from "./default-certificate.ts";

test("the default certificate always parses (DER integers minimally encoded) and names TRAEFIK DEFAULT CERT", async () => {
  // Before the serial fix about 1 in 256 certificates had a non-minimal serial and TLS refused it.
  for (let i = 0; i < 600; i++) {
    const { certPem } = await createDefaultCertificate();
    const cert = new X509Certificate(certPem);
    if (i === 0) {
      expect(cert.subject).toContain("CN=TRAEFIK DEFAULT CERT");
      expect(certificateNames(certPem)).toEqual(["traefik.default"]);
    }
  }
});
