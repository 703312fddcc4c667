/**
 * Who a request is, in upstream's order: the x509 client certificate, then a bearer token
 * (`Authorization: Bearer`, or the WebSocket subprotocol `base64url.bearer.authorization.k8s.io.*`).
 * Every authenticated user gets `system:authenticated`. A request that presented a credential
 * none of them accepts is rejected (401); only a request with no credential is anonymous
 * (`system:anonymous`, group `system:unauthenticated`).
 */
import type { ClientCertificate } from "../../apiserver/transport/index.ts";
import { anonymousUser, withAuthenticatedGroup, type AuthResult, type TokenAuthenticator, type UserInfo } from "./types.ts";

export type RequestAuthResult =
  | { readonly kind: "user"; readonly user: UserInfo; readonly anonymous: boolean }
  | { readonly kind: "rejected"; readonly reason: string };

const WS_PROTOCOL_PREFIX = "base64url.bearer.authorization.k8s.io.";

/** The bearer token a request carries: undefined when none; "" for an empty (invalid) one. */
export function bearerTokenOf(headers: Headers): string | undefined {
  const auth = (headers.get("authorization") ?? "").trim();
  if (auth) {
    const parts = auth.split(" ");
    if (parts.length >= 2 && parts[0]!.toLowerCase() === "bearer") return parts[1] ?? "";
  }
  if ((headers.get("upgrade") ?? "").toLowerCase() === "websocket") {
    for (const p of (headers.get("sec-websocket-protocol") ?? "").split(",")) {
      const proto = p.trim();
      if (!proto.startsWith(WS_PROTOCOL_PREFIX)) continue;
      try {
        return Buffer.from(proto.slice(WS_PROTOCOL_PREFIX.length), "base64url").toString("utf8");
      } catch {
        return "";
      }
    }
  }
  return undefined;
}

export function createRequestAuthenticator(tokens: TokenAuthenticator): (req: Request, client: ClientCertificate) => Promise<RequestAuthResult> {
  return async (req, client) => {
    const reasons: string[] = [];
    if (client.kind === "verified") {
      return { kind: "user", user: withAuthenticatedGroup({ username: client.identity.user, groups: [...client.identity.groups] }), anonymous: false };
    }
    if (client.kind === "rejected") reasons.push(client.reason);
    const token = bearerTokenOf(req.headers);
    if (token !== undefined) {
      const r: AuthResult = token === "" ? { kind: "rejected", reason: "invalid bearer token" } : await tokens.authenticateToken(token);
      if (r.kind === "user") return { kind: "user", user: withAuthenticatedGroup(r.user), anonymous: false };
      reasons.push(r.kind === "rejected" ? r.reason : "invalid bearer token");
    }
    if (reasons.length) return { kind: "rejected", reason: reasons.join("; ") };
    return { kind: "user", user: anonymousUser(), anonymous: true };
  };
}
