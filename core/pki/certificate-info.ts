// Reading certificates: the K3s CA hash and a summary for `lite certificate check`.
import { createHash } from "node:crypto";
import { x509 } from "./x509-lib.ts";
import { firstPem } from "./certificates.ts";

/**
 * SHA-256 (hex) over the exact PEM bytes, as K3s computes the `K10<hash>::`
 * prefix of a token for a single-certificate CA bundle. Do not normalise the
 * input: the hash covers the file as stored on disk.
 */
export function caHash(pem: string): string {
  return createHash("sha256").update(pem, "utf8").digest("hex");
}

export interface CertificateInfo {
  subject: { commonName: string; organizations: string[] };
  issuer: { commonName: string };
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  dnsNames: string[];
  /** IP SANs in canonical text form (IPv6 compressed, lower case). */
  ipAddresses: string[];
}

/** Canonical text form of an IP address (IPv6 compressed), or the input if not an IP. */
export function canonicalIP(ip: string): string {
  if (!ip.includes(":")) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

/** Summarises the first certificate of a PEM bundle. */
export function certificateInfo(pem: string): CertificateInfo {
  const cert = new x509.X509Certificate(firstPem(pem));
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san ? san.names.toJSON() : [];
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  return {
    subject: {
      commonName: cert.subjectName.getField("CN")[0] ?? "",
      organizations: cert.subjectName.getField("O"),
    },
    issuer: { commonName: cert.issuerName.getField("CN")[0] ?? "" },
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isCA: basic?.ca ?? false,
    dnsNames: names.filter((n) => n.type === "dns").map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === "ip").map((n) => canonicalIP(n.value)),
  };
}
