/**
 * The service-account signing key (`server/tls/service.key`) loaded once: private key for the
 * token generator, public key and key id for verification, and its JWK for `/openid/v1/jwks`.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { algorithmOf, keyIdOf, type JwtAlgorithm } from "./jwt.ts";

export interface ServiceAccountKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly kid: string;
  readonly algorithm: JwtAlgorithm;
  /** The public key as a JWK with `use`, `kid` and `alg`, as upstream publishes it. */
  readonly jwk: Record<string, string>;
}

export function loadServiceAccountKey(pem: string): ServiceAccountKey {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const algorithm = algorithmOf(privateKey);
  const kid = keyIdOf(publicKey);
  const raw = publicKey.export({ format: "jwk" }) as Record<string, string>;
  const jwk: Record<string, string> = algorithm === "ES256"
    ? { use: "sig", kty: "EC", kid, crv: "P-256", alg: algorithm, x: raw.x!, y: raw.y! }
    : { use: "sig", kty: "RSA", kid, alg: algorithm, n: raw.n!, e: raw.e! };
  return { privateKey, publicKey, kid, algorithm, jwk };
}
