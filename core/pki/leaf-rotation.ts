// `lite certificate check|rotate`: the certificates under <data-dir>/server/tls, their expiry,
// and re-issuing leaves on demand (with the server stopped, as K3s requires). Rotation backs the
// whole tls dir up to `server/tls-<unix seconds>` first, then re-issues each chosen leaf from
// the same CA with a new key and the same subject and SANs, valid LEAF_VALIDITY_DAYS. CAs are
// never rotated here.
import { cp, readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { certificateInfo, type CertificateInfo } from "./certificate-info.ts";
import { issueClientCertificate, issueServingCertificate, loadCertificateAuthority } from "./certificates.ts";
import { CERT_MODE, KEY_MODE, readIfExists, writeFileAtomic } from "./pki-files.ts";
import { LEAF_RENEW_BEFORE_DAYS, LEAF_VALIDITY_DAYS } from "./server-pki.ts";

/** The server's leaf certificates by K3s service name (`k3s certificate rotate --service`). */
export const LEAF_SERVICES: Readonly<Record<string, { file: string; ca: string; kind: "client" | "serving" }>> = {
  admin: { file: "client-admin", ca: "client-ca", kind: "client" },
  "api-server": { file: "serving-kube-apiserver", ca: "server-ca", kind: "serving" },
  "controller-manager": { file: "client-controller", ca: "client-ca", kind: "client" },
  scheduler: { file: "client-scheduler", ca: "client-ca", kind: "client" },
  "kube-proxy": { file: "client-kube-proxy", ca: "client-ca", kind: "client" },
  "lite-controller": { file: "client-lite-controller", ca: "client-ca", kind: "client" },
  "auth-proxy": { file: "client-auth-proxy", ca: "request-header-ca", kind: "client" },
};
/** K3s spellings accepted for ours. */
const SERVICE_ALIASES: Readonly<Record<string, string>> = { "k3s-controller": "lite-controller", "kube-apiserver": "api-server" };

export function resolveService(name: string): string {
  const resolved = SERVICE_ALIASES[name] ?? name;
  if (!(resolved in LEAF_SERVICES)) throw new Error(`unknown service ${JSON.stringify(name)} (services: ${Object.keys(LEAF_SERVICES).join(", ")})`);
  return resolved;
}

export interface CertificateStatus {
  readonly file: string;
  readonly info: CertificateInfo;
  readonly daysLeft: number;
  /** OK, WARNING (within the renewal window), EXPIRED or NOT YET VALID. */
  readonly status: "OK" | "WARNING" | "EXPIRED" | "NOT YET VALID";
}

/** Every `*.crt` in `tlsDir` (CAs included), sorted by file name. */
export async function checkCertificates(tlsDir: string, now = new Date()): Promise<CertificateStatus[]> {
  const files = (await readdir(tlsDir)).filter((f) => f.endsWith(".crt")).sort();
  const out: CertificateStatus[] = [];
  for (const file of files) {
    const info = certificateInfo((await readIfExists(join(tlsDir, file)))!);
    const daysLeft = Math.floor((info.notAfter.getTime() - now.getTime()) / 86_400_000);
    const status = info.notAfter < now ? "EXPIRED" : info.notBefore > now ? "NOT YET VALID" : !info.isCA && daysLeft < LEAF_RENEW_BEFORE_DAYS ? "WARNING" : "OK";
    out.push({ file, info, daysLeft, status });
  }
  return out;
}

export interface RotationOutcome {
  readonly backupDir: string;
  readonly rotated: readonly string[];
}

/** Re-issues the leaves of `services` (all when empty). The server must not be running. */
export async function rotateLeafCertificates(tlsDir: string, services: readonly string[], now = new Date()): Promise<RotationOutcome> {
  const chosen = services.length ? [...new Set(services.map(resolveService))] : Object.keys(LEAF_SERVICES);
  const backupDir = join(dirname(tlsDir), `${basename(tlsDir)}-${Math.floor(now.getTime() / 1000)}`);
  await cp(tlsDir, backupDir, { recursive: true, preserveTimestamps: true, errorOnExist: true, force: false });
  const rotated: string[] = [];
  for (const service of chosen) {
    const leaf = LEAF_SERVICES[service]!;
    const certPath = join(tlsDir, `${leaf.file}.crt`);
    const certPem = await readIfExists(certPath);
    if (certPem === undefined) continue; // never issued: the next start creates it
    const caCert = await readIfExists(join(tlsDir, `${leaf.ca}.crt`));
    const caKey = await readIfExists(join(tlsDir, `${leaf.ca}.key`));
    if (caCert === undefined || caKey === undefined) throw new Error(`${leaf.ca}.crt/.key missing in ${tlsDir}`);
    const ca = await loadCertificateAuthority(caCert, caKey);
    const info = certificateInfo(certPem);
    const fresh = leaf.kind === "client"
      ? await issueClientCertificate(ca, { commonName: info.subject.commonName, organizations: info.subject.organizations, days: LEAF_VALIDITY_DAYS })
      : await issueServingCertificate(ca, { commonName: info.subject.commonName, dns: info.dnsNames, ips: info.ipAddresses, days: LEAF_VALIDITY_DAYS });
    await writeFileAtomic(join(tlsDir, `${leaf.file}.key`), fresh.keyPem, KEY_MODE);
    await writeFileAtomic(certPath, fresh.certPem, CERT_MODE);
    rotated.push(`${leaf.file}.crt`);
  }
  return { backupDir, rotated };
}
