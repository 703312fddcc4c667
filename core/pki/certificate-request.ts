// PKCS#10 certificate requests: parsing (subject, SANs, signature check) and signing by a CA with
// the usages asked for, as upstream's certificate authority (pkg/controller/certificates/authority)
// does for the CSR signer: the subject and requested extensions are copied from the request,
// notBefore is back-dated 5 minutes and notAfter is capped at the CA's own notAfter.
import { x509 } from "./x509-lib.ts";
import { canonicalIP } from "./certificate-info.ts";
import type { CertificateAuthority } from "./certificates.ts";

export interface ParsedCertificateRequest {
  readonly request: x509.Pkcs10CertificateRequest;
  readonly commonName: string;
  readonly organizations: string[];
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  readonly emailAddresses: string[];
  readonly uris: string[];
  /** "EC" or "RSA" (and others) as the key algorithm names it. */
  readonly keyAlgorithm: string;
}

/** Parses the first `CERTIFICATE REQUEST` PEM block; throws with a readable message. */
export function parseCertificateRequest(pem: string): ParsedCertificateRequest {
  const m = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----[\s\S]+?-----END (NEW )?CERTIFICATE REQUEST-----/.exec(pem);
  if (!m) throw new Error("PEM block type must be CERTIFICATE REQUEST");
  const request = new x509.Pkcs10CertificateRequest(m[0].replace(/NEW CERTIFICATE REQUEST/g, "CERTIFICATE REQUEST"));
  const sanExt = request.getExtension("2.5.29.17");
  const names = sanExt ? new x509.SubjectAlternativeNameExtension(sanExt.rawData).names.toJSON() : [];
  const of = (type: string) => names.filter((n) => n.type === type).map((n) => n.value);
  return {
    request,
    commonName: request.subjectName.getField("CN")[0] ?? "",
    organizations: request.subjectName.getField("O"),
    dnsNames: of("dns"),
    ipAddresses: of("ip").map(canonicalIP),
    emailAddresses: of("email"),
    uris: of("url"),
    keyAlgorithm: (request.publicKey.algorithm as { name: string }).name,
  };
}

/** certificates.k8s.io key usages → X.509 key usage bits. */
const KEY_USAGES: Record<string, number> = {
  signing: x509.KeyUsageFlags.digitalSignature,
  "digital signature": x509.KeyUsageFlags.digitalSignature,
  "content commitment": x509.KeyUsageFlags.nonRepudiation,
  "key encipherment": x509.KeyUsageFlags.keyEncipherment,
  "key agreement": x509.KeyUsageFlags.keyAgreement,
  "data encipherment": x509.KeyUsageFlags.dataEncipherment,
  "cert sign": x509.KeyUsageFlags.keyCertSign,
  "crl sign": x509.KeyUsageFlags.cRLSign,
  "encipher only": x509.KeyUsageFlags.encipherOnly,
  "decipher only": x509.KeyUsageFlags.decipherOnly,
};
/** certificates.k8s.io key usages → extended key usage OIDs. */
const EXT_KEY_USAGES: Record<string, string> = {
  any: "2.5.29.37.0",
  "server auth": x509.ExtendedKeyUsage.serverAuth,
  "client auth": x509.ExtendedKeyUsage.clientAuth,
  "code signing": x509.ExtendedKeyUsage.codeSigning,
  "email protection": x509.ExtendedKeyUsage.emailProtection,
  "s/mime": x509.ExtendedKeyUsage.emailProtection,
  "ipsec end system": "1.3.6.1.5.5.7.3.5",
  "ipsec tunnel": "1.3.6.1.5.5.7.3.6",
  "ipsec user": "1.3.6.1.5.5.7.3.7",
  timestamping: x509.ExtendedKeyUsage.timeStamping,
  "ocsp signing": x509.ExtendedKeyUsage.ocspSigning,
  "microsoft sgc": "1.3.6.1.4.1.311.10.3.3",
  "netscape sgc": "2.16.840.1.113730.4.1",
};

/** Upstream's back-dating of issued certificates (clock skew). */
const BACKDATE_MS = 5 * 60 * 1000;

export interface SignRequestOptions {
  readonly usages: readonly string[];
  /** Requested lifetime; the certificate also never outlives the CA. */
  readonly durationMs: number;
  readonly now?: Date;
}

/**
 * Signs a parsed request with `ca`; returns the certificate PEM. Throws when the request's own
 * signature does not verify or a usage is unknown.
 */
export async function signCertificateRequest(ca: CertificateAuthority, req: ParsedCertificateRequest, opts: SignRequestOptions): Promise<string> {
  if (!(await req.request.verify())) throw new Error("unable to verify certificate request signature");
  let keyUsage = 0;
  const extUsages: string[] = [];
  for (const u of opts.usages) {
    if (u in KEY_USAGES) keyUsage |= KEY_USAGES[u]!;
    else if (u in EXT_KEY_USAGES) extUsages.push(EXT_KEY_USAGES[u]!);
    else throw new Error(`unrecognized usage: ${u}`);
  }
  const now = opts.now ?? new Date();
  let notAfter = new Date(now.getTime() + opts.durationMs);
  if (notAfter > ca.cert.notAfter) notAfter = ca.cert.notAfter;
  const san = req.request.getExtension("2.5.29.17");
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(serial).toString("hex"),
    subject: req.request.subjectName,
    issuer: ca.cert.subjectName,
    publicKey: req.request.publicKey,
    signingKey: ca.key.privateKey,
    signingAlgorithm: ca.key.signingAlgorithm,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...(keyUsage ? [new x509.KeyUsagesExtension(keyUsage, true)] : []),
      ...(extUsages.length ? [new x509.ExtendedKeyUsageExtension(extUsages)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.key.publicKey),
      ...(san ? [new x509.Extension(san.type, san.critical, san.value)] : []),
    ],
  });
  return cert.toString("pem") + "\n";
}
