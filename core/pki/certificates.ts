// Issuing X.509 certificates: self-signed CAs and leaves signed by a CA.
// All functions are pure with respect to the filesystem; persistence lives in
// server-pki.ts.
import { x509 } from "./x509-lib.ts";
import { generateEcdsaKey, importPrivateKeyPem, type KeyPair } from "./keys.ts";

const DAY_MS = 86_400_000;
/** Leaves are back-dated by this much to tolerate clock skew between nodes. */
const BACKDATE_MS = 60 * 60 * 1000;

/** A CA able to sign: its certificate and private key, parsed and as PEM. */
export interface CertificateAuthority {
  readonly certPem: string;
  readonly keyPem: string;
  readonly cert: x509.X509Certificate;
  readonly key: KeyPair;
}

/** A freshly issued leaf: certificate and private key PEM. */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * Validity of a new certificate: either `days` from now (notBefore back-dated
 * one hour) or an explicit window (used by tests to mint expired certs).
 */
export type Validity = { days: number } | { notBefore: Date; notAfter: Date };

export interface ClientCertificateRequest {
  commonName: string;
  organizations?: string[];
  /** Reuse this key instead of generating one. */
  key?: KeyPair;
}

export interface ServingCertificateRequest {
  /** Subject CN; defaults to the first DNS name. */
  commonName?: string;
  dns: string[];
  ips: string[];
  key?: KeyPair;
}

/** Random positive 128-bit serial number, as hex. */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString("hex");
}

function window(validity: Validity, now = Date.now()): { notBefore: Date; notAfter: Date } {
  if ("days" in validity) return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + validity.days * DAY_MS) };
  return validity;
}

/** Escapes a value for an RFC 4514 distinguished name string. */
function dnValue(value: string): string {
  return value.replace(/([,+"\\<>;=#])/g, "\\$1").replace(/^ | $/g, "\\ ");
}

function subjectName(commonName: string, organizations: string[] = []): string {
  return [`CN=${dnValue(commonName)}`, ...organizations.map((o) => `O=${dnValue(o)}`)].join(", ");
}

/** Creates a self-signed ECDSA P-256 CA (basicConstraints CA:true, keyCertSign). */
export async function createCertificateAuthority(opts: { commonName: string } & Validity): Promise<CertificateAuthority> {
  const key = await generateEcdsaKey();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subjectName(opts.commonName),
    keys: { privateKey: key.privateKey, publicKey: key.publicKey },
    signingAlgorithm: key.signingAlgorithm,
    // CAs are not back-dated past their creation by more than the leaves are.
    ...window(opts),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(key.publicKey),
    ],
  });
  const certPem = cert.toString("pem") + "\n";
  return { certPem, keyPem: key.pem, cert, key };
}

/** Parses an existing CA (certificate PEM, first one if a bundle, and key PEM). */
export async function loadCertificateAuthority(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  const cert = new x509.X509Certificate(firstPem(certPem));
  const key = await importPrivateKeyPem(keyPem);
  return { certPem, keyPem, cert, key };
}

/** The first `CERTIFICATE` block of a PEM bundle. */
export function firstPem(pem: string): string {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error("no PEM certificate found");
  return m[0];
}

async function issueLeaf(
  ca: CertificateAuthority,
  subject: string,
  validity: Validity,
  usage: x509.ExtendedKeyUsage,
  extra: x509.Extension[],
  key: KeyPair | undefined,
): Promise<IssuedCertificate> {
  const leafKey = key ?? (await generateEcdsaKey());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: ca.cert.subject,
    publicKey: leafKey.publicKey,
    signingKey: ca.key.privateKey,
    signingAlgorithm: ca.key.signingAlgorithm,
    ...window(validity),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([usage]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.key.publicKey),
      ...extra,
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: leafKey.pem };
}

/** Issues a client-auth certificate: CN is the user, each O a group. */
export function issueClientCertificate(
  ca: CertificateAuthority,
  req: ClientCertificateRequest & Validity,
): Promise<IssuedCertificate> {
  return issueLeaf(ca, subjectName(req.commonName, req.organizations), req, x509.ExtendedKeyUsage.clientAuth, [], req.key);
}

/** Issues a server-auth certificate for the given DNS names and IP addresses. */
export function issueServingCertificate(
  ca: CertificateAuthority,
  req: ServingCertificateRequest & Validity,
): Promise<IssuedCertificate> {
  const names: x509.JsonGeneralName[] = [
    ...req.dns.map((value) => ({ type: "dns" as const, value })),
    ...req.ips.map((value) => ({ type: "ip" as const, value })),
  ];
  const cn = req.commonName ?? req.dns[0] ?? req.ips[0] ?? "serving";
  return issueLeaf(ca, subjectName(cn), req, x509.ExtendedKeyUsage.serverAuth, [new x509.SubjectAlternativeNameExtension(names)], req.key);
}
