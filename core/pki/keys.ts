// Private keys: generation (ECDSA P-256), PEM import/export, and the WebCrypto
// signing parameters that go with a key. PEM output uses the forms K3s writes
// ("EC PRIVATE KEY" / "RSA PRIVATE KEY"); import accepts SEC1, PKCS#1 or PKCS#8.
import { createPrivateKey, createPublicKey, type webcrypto } from "node:crypto";

type EcdsaParams = webcrypto.EcdsaParams;
type Algorithm = webcrypto.Algorithm;
type EcKeyImportParams = webcrypto.EcKeyImportParams;
type RsaHashedImportParams = webcrypto.RsaHashedImportParams;

/** A key pair usable with WebCrypto plus its PEM encoding (the private key). */
export interface KeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** PEM of the private key, as written to `<name>.key`. */
  readonly pem: string;
  /** Signature algorithm to use when this key signs a certificate. */
  readonly signingAlgorithm: EcdsaParams | Algorithm;
}

const ECDSA_P256: EcKeyImportParams = { name: "ECDSA", namedCurve: "P-256" };
const RSA_SHA256: RsaHashedImportParams = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };

/** Generates a fresh ECDSA P-256 key pair. */
export async function generateEcdsaKey(): Promise<KeyPair> {
  const pair = (await crypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const pem = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })
    .export({ type: "sec1", format: "pem" })
    .toString();
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, pem, signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams };
}

/**
 * Loads a PEM private key (EC P-256 or RSA, e.g. from a custom CA placed in
 * tls/ before first start). Throws on other key types or curves.
 */
export async function importPrivateKeyPem(pem: string): Promise<KeyPair> {
  const keyObject = createPrivateKey(pem);
  let algorithm: EcKeyImportParams | RsaHashedImportParams;
  let signingAlgorithm: EcdsaParams | Algorithm;
  if (keyObject.asymmetricKeyType === "ec") {
    const curve = keyObject.asymmetricKeyDetails?.namedCurve;
    if (curve !== "prime256v1" && curve !== "P-256") throw new Error(`unsupported EC curve ${curve ?? "?"} (P-256 only)`);
    algorithm = ECDSA_P256;
    signingAlgorithm = { name: "ECDSA", hash: "SHA-256" } as EcdsaParams;
  } else if (keyObject.asymmetricKeyType === "rsa") {
    algorithm = RSA_SHA256;
    signingAlgorithm = { name: "RSASSA-PKCS1-v1_5" };
  } else {
    throw new Error(`unsupported private key type ${keyObject.asymmetricKeyType ?? "?"}`);
  }
  const pkcs8 = keyObject.export({ type: "pkcs8", format: "der" });
  const spki = createPublicKey(keyObject).export({ type: "spki", format: "der" });
  const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, algorithm, true, ["sign"]);
  const publicKey = await crypto.subtle.importKey("spki", spki, algorithm, true, ["verify"]);
  return { privateKey, publicKey, pem, signingAlgorithm };
}
