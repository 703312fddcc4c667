/**
 * Authentication vocabulary. A token authenticator answers one of three ways, as upstream's
 * `(response, ok, err)`: the token is not its kind (`none`; others may try), it proves a user
 * (`user`), or it is its kind but invalid (`rejected`; the request gets 401, never anonymous).
 */
import type { UserInfo } from "../../apiserver/authz/types.ts";
import type { KObject } from "../../apiserver/resources/index.ts";

export type { UserInfo };

export type AuthResult =
  | { readonly kind: "none" }
  | { readonly kind: "user"; readonly user: UserInfo; readonly audiences?: readonly string[] }
  | { readonly kind: "rejected"; readonly reason: string };

export const NOT_MINE: AuthResult = Object.freeze({ kind: "none" });

/** Authenticates a bearer token for `audiences` (the API audiences when undefined). */
export interface TokenAuthenticator {
  authenticateToken(token: string, audiences?: readonly string[]): Promise<AuthResult>;
}

/** The objects tokens are bound to. */
export type BoundKind = "ServiceAccount" | "Pod" | "Secret" | "Node";

/**
 * Reads a live object (undefined when it does not exist). `namespace` is "" for Nodes.
 * Must reflect deletions promptly: bound tokens are checked against it on every use.
 */
export type ObjectReader = (kind: BoundKind, namespace: string, name: string) => Promise<KObject | undefined>;

/** Well-known users and groups (k8s.io/apiserver/pkg/authentication/user). */
export const ANONYMOUS = "system:anonymous";
export const ALL_AUTHENTICATED = "system:authenticated";
export const ALL_UNAUTHENTICATED = "system:unauthenticated";

export function anonymousUser(): UserInfo {
  return { username: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] };
}

/** Adds `system:authenticated` unless already present (upstream AuthenticatedGroupAdder). */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes(ALL_AUTHENTICATED)) return user;
  return { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };
}
