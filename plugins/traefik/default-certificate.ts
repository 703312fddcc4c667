/**
 * Traefik's self-signed default certificate ("TRAEFIK DEFAULT CERT"), served when no Ingress
 * certificate matches the SNI. Built with a few lines of DER and WebCrypto (ECDSA P-256) rather
 * than an X.509 library, so the plugin adds no module to lite's startup path.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";

function der(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}
const seq = (...p: Uint8Array[]) => der(0x30, ...p);
const oid = (bytes: number[]) => der(0x06, Buffer.from(bytes));
const utf8 = (s: string) => der(0x0c, Buffer.from(s, "utf8"));
const utcTime = (d: Date) => der(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z"));
const integer = (b: Uint8Array) => der(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);

const ECDSA_WITH_SHA256 = seq(oid([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]));
const CN = [0x55, 0x04, 0x03];
const SAN = [0x55, 0x1d, 0x11];

export async function createDefaultCertificate(): Promise<{ certPem: string; keyPem: string }> {
  const alg = { name: "ECDSA", namedCurve: "P-256" };
  const keys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const name = seq(der(0x31, seq(oid(CN), utf8("TRAEFIK DEFAULT CERT"))));
  const serial = crypto.getRandomValues(new Uint8Array(16));
  // Positive and minimally encoded: a first byte of 0 (then followed by a byte < 0x80) would be a
  // non-minimal DER INTEGER, which TLS stacks reject (about 1 certificate in 256 before this).
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const now = Date.now();
  const sanExt = seq(oid(SAN), der(0x04, seq(der(0x82, Buffer.from("traefik.default")))));
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    integer(serial), ECDSA_WITH_SHA256, name,
    seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 365 * 24 * 3600_000))),
    name, spki, der(0xa3, seq(sanExt)),
  );
  // WebCrypto gives r||s; X.509 wants DER SEQUENCE { r, s }.
  const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.privateKey, tbs as Uint8Array<ArrayBuffer>));
  const trim = (b: Uint8Array) => { let i = 0; while (i < b.length - 1 && b[i] === 0 && !(b[i + 1]! & 0x80)) i++; return b.subarray(i); };
  const sig = seq(integer(trim(raw.subarray(0, 32))), integer(trim(raw.subarray(32))));
  const cert = seq(tbs, ECDSA_WITH_SHA256, der(0x03, Buffer.from([0]), sig));
  const certPem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(cert).toString("base64").match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`;
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }).export({ type: "pkcs8", format: "pem" }).toString();
  return { certPem, keyPem };
}

/** The DNS names a certificate is for (SANs, else its CN), lower-cased; undefined if it does not parse. */
export function certificateNames(certPem: string): string[] | undefined {
  try {
    const cert = new X509Certificate(certPem);
    const names = (cert.subjectAltName ?? "").split(",").map((s) => s.trim()).filter((s) => s.startsWith("DNS:")).map((s) => s.slice(4).toLowerCase());
    if (names.length === 0) {
      const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
      if (cn) names.push(cn.toLowerCase());
    }
    return names;
  } catch {
    return undefined;
  }
}
