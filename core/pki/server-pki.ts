// The server's PKI in <data-dir>/server/tls, laid out like K3s: three CAs,
// the service-account signing key, the API server serving certificate and the
// control-plane client certificates. Idempotent: existing material is reused,
// leaves near expiry (or no longer matching what is asked) are re-issued from
// the same CA. CAs are never renewed automatically (as in K3s).
import { createPublicKey, X509Certificate as NodeX509 } from "node:crypto";
import { isIP } from "node:net";
import { join } from "node:path";
import {
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  loadCertificateAuthority,
  type CertificateAuthority,
  type IssuedCertificate,
} from "./certificates.ts";
import { canonicalIP, certificateInfo } from "./certificate-info.ts";
import { generateEcdsaKey } from "./keys.ts";
import { CERT_MODE, KEY_MODE, enforceKeyMode, ensurePrivateDir, readIfExists, writeFileAtomic } from "./pki-files.ts";

export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;
/** A leaf whose notAfter is closer than this is re-issued at startup. */
export const LEAF_RENEW_BEFORE_DAYS = 90;
const DAY_MS = 86_400_000;

export interface ServerPKIOptions {
  nodeName: string;
  /** Extra SANs for the serving certificate (`--tls-san`). */
  sans: { dns: string[]; ips: string[] };
  /** First IP of the service CIDR (the `kubernetes` Service). */
  serviceIP: string;
  /** The node's own addresses, added to the serving certificate. */
  nodeIPs?: string[];
}

/** A CA as stored: `<name>.crt` / `<name>.key`. */
export interface StoredAuthority {
  readonly name: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly authority: CertificateAuthority;
}

/** A leaf as stored: `<name>.crt` / `<name>.key`. */
export interface StoredCertificate {
  readonly name: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** The front-proxy identity aggregated API servers are told to accept (`requestheader-allowed-names`). */
export const AUTH_PROXY_NAME = "system:auth-proxy";

export interface ServerPKI {
  readonly tlsDir: string;
  readonly serverCA: StoredAuthority;
  readonly clientCA: StoredAuthority;
  readonly requestHeaderCA: StoredAuthority;
  /**
   * Service-account token signing key (`service.key`): ECDSA P-256, so tokens
   * are ES256 JWTs (supported by Kubernetes; smaller and faster than RS256).
   * A pre-placed RSA key is kept as is.
   */
  readonly serviceKey: { readonly path: string; readonly pem: string };
  readonly serving: StoredCertificate;
  readonly clients: {
    readonly admin: StoredCertificate;
    readonly controller: StoredCertificate;
    readonly scheduler: StoredCertificate;
    readonly kubeProxy: StoredCertificate;
    readonly liteController: StoredCertificate;
    /** The API server's client certificate towards kubelets (K3s `client-kube-apiserver`). */
    readonly kubeletClient: StoredCertificate;
  };
  /**
   * The front-proxy client certificate the API server presents to aggregated API servers
   * (K3s `client-auth-proxy`, CN system:auth-proxy), signed by the request-header CA.
   */
  readonly authProxy: StoredCertificate;
  /** File base names generated or re-issued by this call (empty on a clean reuse). */
  readonly issued: readonly string[];
}

/** The SANs the serving certificate must cover for these options. */
export function servingSANs(opts: ServerPKIOptions): { dns: string[]; ips: string[] } {
  const dns = new Set<string>(["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"]);
  const ips = new Set<string>(["127.0.0.1", "::1"]);
  const add = (v: string) => (isIP(v) ? ips.add(canonicalIP(v)) : dns.add(v.toLowerCase()));
  add(opts.nodeName);
  add(opts.serviceIP);
  for (const ip of opts.nodeIPs ?? []) add(ip);
  for (const d of opts.sans.dns) add(d);
  for (const ip of opts.sans.ips) add(ip);
  return { dns: [...dns], ips: [...ips] };
}

/**
 * Ensures the server PKI exists under `tlsDir` (created 0700) and returns it.
 * Throws if a CA certificate is present without its key.
 */
export async function ensureServerPKI(tlsDir: string, opts: ServerPKIOptions): Promise<ServerPKI> {
  await ensurePrivateDir(tlsDir);
  const issued: string[] = [];
  const stamp = Math.floor(Date.now() / 1000);
  const ca = (name: string) => ensureAuthority(tlsDir, name, `lite-${name}@${stamp}`, issued);
  const serverCA = await ca("server-ca");
  const clientCA = await ca("client-ca");
  const requestHeaderCA = await ca("request-header-ca");
  const serviceKey = await ensureServiceKey(tlsDir, issued);

  const san = servingSANs(opts);
  const serving = await ensureLeaf(tlsDir, "serving-kube-apiserver", serverCA.authority, issued, {
    acceptable: (info) => covers(info.dnsNames, san.dns) && covers(info.ipAddresses, san.ips),
    issue: (authority) => issueServingCertificate(authority, { commonName: "kube-apiserver", ...san, days: LEAF_VALIDITY_DAYS }),
  });
  const client = (name: string, commonName: string, organizations: string[] = []) =>
    ensureLeaf(tlsDir, name, clientCA.authority, issued, {
      acceptable: (info) => info.subject.commonName === commonName && sameSet(info.subject.organizations, organizations),
      issue: (authority) => issueClientCertificate(authority, { commonName, organizations, days: LEAF_VALIDITY_DAYS }),
    });
  const clients = {
    admin: await client("client-admin", "system:admin", ["system:masters"]),
    controller: await client("client-controller", "system:kube-controller-manager"),
    scheduler: await client("client-scheduler", "system:kube-scheduler"),
    kubeProxy: await client("client-kube-proxy", "system:kube-proxy"),
    liteController: await client("client-lite-controller", "system:lite-controller"),
    kubeletClient: await client("client-kube-apiserver", "system:apiserver", ["system:masters"]),
  };
  const authProxy = await ensureLeaf(tlsDir, "client-auth-proxy", requestHeaderCA.authority, issued, {
    acceptable: (info) => info.subject.commonName === AUTH_PROXY_NAME,
    issue: (authority) => issueClientCertificate(authority, { commonName: AUTH_PROXY_NAME, days: LEAF_VALIDITY_DAYS }),
  });
  return { tlsDir, serverCA, clientCA, requestHeaderCA, serviceKey, serving, clients, authProxy, issued };
}

async function ensureAuthority(dir: string, name: string, commonName: string, issued: string[]): Promise<StoredAuthority> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  const certPem = await readIfExists(certPath);
  const keyPem = await readIfExists(keyPath);
  if (certPem !== undefined) {
    if (keyPem === undefined) throw new Error(`${certPath} exists but ${keyPath} is missing`);
    await enforceKeyMode(keyPath);
    return { name, certPath, keyPath, authority: await loadCertificateAuthority(certPem, keyPem) };
  }
  // No certificate: nothing can have been signed by this CA yet, so (re)create it.
  const authority = await createCertificateAuthority({ commonName, days: CA_VALIDITY_DAYS });
  await writeFileAtomic(keyPath, authority.keyPem, KEY_MODE);
  await writeFileAtomic(certPath, authority.certPem, CERT_MODE);
  issued.push(name);
  return { name, certPath, keyPath, authority };
}

async function ensureServiceKey(dir: string, issued: string[]): Promise<{ path: string; pem: string }> {
  const path = join(dir, "service.key");
  const existing = await readIfExists(path);
  if (existing !== undefined) {
    await enforceKeyMode(path);
    return { path, pem: existing };
  }
  const key = await generateEcdsaKey();
  await writeFileAtomic(path, key.pem, KEY_MODE);
  issued.push("service");
  return { path, pem: key.pem };
}

interface LeafPolicy {
  /** Whether an existing, valid, CA-signed leaf still fits what is asked. */
  acceptable(info: ReturnType<typeof certificateInfo>): boolean;
  issue(ca: CertificateAuthority): Promise<IssuedCertificate>;
}

async function ensureLeaf(dir: string, name: string, ca: CertificateAuthority, issued: string[], policy: LeafPolicy): Promise<StoredCertificate> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  const certPem = await readIfExists(certPath);
  const keyPem = await readIfExists(keyPath);
  if (certPem !== undefined && keyPem !== undefined && leafStillGood(certPem, keyPem, ca, policy)) {
    await enforceKeyMode(keyPath);
    return { name, certPath, keyPath, certPem, keyPem };
  }
  const fresh = await policy.issue(ca);
  await writeFileAtomic(keyPath, fresh.keyPem, KEY_MODE);
  await writeFileAtomic(certPath, fresh.certPem, CERT_MODE);
  issued.push(name);
  return { name, certPath, keyPath, ...fresh };
}

/** Signed by `ca`, far from expiry, matching its key, and acceptable to the policy. */
function leafStillGood(certPem: string, keyPem: string, ca: CertificateAuthority, policy: LeafPolicy): boolean {
  try {
    const cert = new NodeX509(certPem);
    const caCert = new NodeX509(ca.certPem);
    if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return false;
    const keySpki = createPublicKey(keyPem).export({ type: "spki", format: "der" });
    if (!keySpki.equals(cert.publicKey.export({ type: "spki", format: "der" }))) return false;
    const info = certificateInfo(certPem);
    if (info.notAfter.getTime() - Date.now() < LEAF_RENEW_BEFORE_DAYS * DAY_MS) return false;
    return policy.acceptable(info);
  } catch {
    return false; // unreadable or mismatched material is replaced
  }
}

function covers(have: string[], want: string[]): boolean {
  const set = new Set(have.map((v) => v.toLowerCase()));
  return want.every((v) => set.has(v.toLowerCase()));
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && covers(a, b);
}
