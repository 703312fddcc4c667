/** Signs service-account tokens with the service key (upstream JWTTokenGenerator). */
import { randomUUID } from "node:crypto";
import type { KObject } from "../../apiserver/resources/index.ts";
import { signJwt } from "./jwt.ts";
import { buildClaims, type ServiceAccountClaims } from "./service-account-claims.ts";
import type { ServiceAccountKey } from "./service-account-key.ts";

export interface TokenSubject {
  serviceAccount: KObject;
  pod?: KObject;
  secret?: KObject;
  node?: KObject;
}

export interface IssuedToken {
  readonly token: string;
  readonly claims: ServiceAccountClaims;
}

export interface TokenGenerator {
  generate(subject: TokenSubject, expirationSeconds: number, audiences: readonly string[]): IssuedToken;
}

export function createTokenGenerator(opts: { key: ServiceAccountKey; issuer: string; now(): Date }): TokenGenerator {
  return {
    generate(subject, expirationSeconds, audiences) {
      const claims = buildClaims({ ...subject, issuer: opts.issuer, expirationSeconds, audiences, now: opts.now(), jti: randomUUID() });
      return { token: signJwt(claims as unknown as Record<string, unknown>, opts.key.privateKey, opts.key.kid), claims };
    },
  };
}
