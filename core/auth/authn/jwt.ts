/**
 * Compact JWS (JWT) encoding, signing and verification with node:crypto. Supports ES256 (the
 * ECDSA P-256 service key lite generates) and RS256 (a pre-placed RSA `service.key`). Pure:
 * no clock, no claims policy (see service-account-claims.ts for that).
 */
import { createHash, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";

export type JwtAlgorithm = "ES256" | "RS256";

export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

/** A parsed but not yet verified token. */
export interface DecodedJwt {
  readonly header: JwtHeader;
  readonly payload: Record<string, unknown>;
  /** `base64url(header).base64url(payload)`: the bytes the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

export function base64url(data: Buffer | Uint8Array | string): string {
  return Buffer.from(data).toString("base64url");
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Parses `h.p.s` (undefined when it is not a well-formed compact JWS with JSON object parts). */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  if (!h || !p || !B64URL.test(h) || !B64URL.test(p) || !B64URL.test(s)) return undefined;
  try {
    const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
    const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
    if (!isObject(header) || !isObject(payload) || typeof header.alg !== "string") return undefined;
    return { header: header as unknown as JwtHeader, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, "base64url") };
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The JWS algorithm a key signs with: ES256 for P-256 EC keys, RS256 for RSA keys. */
export function algorithmOf(key: KeyObject): JwtAlgorithm {
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== "prime256v1" && curve !== "P-256") throw new Error(`unsupported service-account key curve ${curve}`);
    return "ES256";
  }
  if (key.asymmetricKeyType === "rsa") return "RS256";
  throw new Error(`unsupported service-account key type ${key.asymmetricKeyType}`);
}

/** Signs `payload` with `privateKey`; the header carries `alg` (from the key) and `kid`. */
export function signJwt(payload: Record<string, unknown>, privateKey: KeyObject, kid: string): string {
  const alg = algorithmOf(privateKey);
  const input = `${base64url(JSON.stringify({ alg, kid }))}.${base64url(JSON.stringify(payload))}`;
  const sig = cryptoSign("sha256", Buffer.from(input), alg === "ES256" ? { key: privateKey, dsaEncoding: "ieee-p1363" } : privateKey);
  return `${input}.${base64url(sig)}`;
}

/**
 * True when `jwt`'s signature is valid for `publicKey` and its header `alg` is the key's
 * algorithm (never `none`, never an algorithm chosen by the token).
 */
export function verifyJwtSignature(jwt: DecodedJwt, publicKey: KeyObject): boolean {
  const alg = algorithmOf(publicKey);
  if (jwt.header.alg !== alg) return false;
  if (alg === "ES256" && jwt.signature.length !== 64) return false;
  try {
    return cryptoVerify("sha256", Buffer.from(jwt.signingInput), alg === "ES256" ? { key: publicKey, dsaEncoding: "ieee-p1363" } : publicKey, jwt.signature);
  } catch {
    return false;
  }
}

/** Upstream's key id: base64url (no padding) of SHA-256 over the public key's PKIX DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256").update(publicKey.export({ format: "der", type: "spki" })).digest("base64url");
}
