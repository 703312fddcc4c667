/**
 * Authenticates bootstrap tokens (upstream plugin/pkg/auth/authenticator/token/bootstrap) as
 * `system:bootstrap:<id>` in `system:bootstrappers` plus the Secret's extra groups. The secret
 * half is compared in constant time. A token of the right shape that does not check out is
 * rejected (401), never passed on.
 */
import { timingSafeEqual } from "node:crypto";
import {
  BOOTSTRAP_NAMESPACE, BOOTSTRAP_SECRET_TYPE, BOOTSTRAP_USER_PREFIX, bootstrapGroups, hasExpired, parseBootstrapToken,
  secretNameFor, secretValue,
} from "./bootstrap-token.ts";
import { NOT_MINE, type AuthResult, type ObjectReader, type TokenAuthenticator } from "./types.ts";

const reject = (reason: string): AuthResult => ({ kind: "rejected", reason });

/** Equal-length constant-time comparison of two strings (length differences still leak only length). */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

export function createBootstrapAuthenticator(opts: { objects: ObjectReader; now(): Date }): TokenAuthenticator {
  return {
    async authenticateToken(token) {
      const parsed = parseBootstrapToken(token);
      if (!parsed) return NOT_MINE;
      const secret = await opts.objects("Secret", BOOTSTRAP_NAMESPACE, secretNameFor(parsed.id));
      if (!secret) return reject(`no bootstrap token secret ${secretNameFor(parsed.id)}`);
      if (secret.metadata.deletionTimestamp) return reject("bootstrap token is deleted and awaiting removal");
      if (secret.type !== BOOTSTRAP_SECRET_TYPE || !secret.data) return reject("bootstrap token secret has the wrong type");
      if (!constantTimeEqual(secretValue(secret, "token-secret"), parsed.secret)) return reject("bootstrap token secret does not match");
      if (secretValue(secret, "token-id") !== parsed.id) return reject("bootstrap token id does not match");
      if (hasExpired(secret, opts.now())) return reject("bootstrap token has expired");
      if (secretValue(secret, "usage-bootstrap-authentication") !== "true") return reject("bootstrap token is not usable for authentication");
      const groups = bootstrapGroups(secret);
      if (!groups) return reject("bootstrap token has invalid extra groups");
      return { kind: "user", user: { username: `${BOOTSTRAP_USER_PREFIX}${parsed.id}`, groups } };
    },
  };
}
