/**
 * Union of token authenticators, first success wins (upstream union.New): a token no
 * authenticator recognises, or one that some authenticator rejects, is rejected.
 */
import type { AuthResult, TokenAuthenticator } from "./types.ts";

export function unionTokenAuthenticator(authenticators: readonly TokenAuthenticator[]): TokenAuthenticator {
  return {
    async authenticateToken(token, audiences) {
      const reasons: string[] = [];
      for (const a of authenticators) {
        let r: AuthResult;
        try {
          r = await a.authenticateToken(token, audiences);
        } catch (err) {
          r = { kind: "rejected", reason: (err as Error)?.message ?? String(err) };
        }
        if (r.kind === "user") return r;
        if (r.kind === "rejected") reasons.push(r.reason);
      }
      const result: AuthResult = { kind: "rejected", reason: reasons.length ? reasons.join(", ") : "invalid bearer token" };
      return result;
    },
  };
}
