/** Who is asking (from the HTTPS front's authenticator) and what they ask to do. */

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Upstream authorizer.Attributes, enough for RBAC and the node authorizer later. */
export interface Attributes {
  readonly user: UserInfo;
  readonly verb: string;
  readonly isResourceRequest: boolean;
  readonly path: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  /** Raw `fieldSelector` / `labelSelector` query of list/watch/deletecollection requests (node authorizer scoping). */
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/**
 * The authorization hook. `user` is never undefined: unauthenticated requests arrive as
 * `system:anonymous` in `system:unauthenticated`. The default (no authorizer configured) allows
 * every authenticated request and only the public paths to anonymous users.
 */
export type Authorizer = (user: UserInfo, attributes: Attributes) => Promise<Decision> | Decision;

export const allowAll: Authorizer = () => ({ allowed: true });

/** The identity of requests without credentials (upstream anonymous authenticator). */
export const ANONYMOUS_USER: UserInfo = Object.freeze({ username: "system:anonymous", groups: Object.freeze(["system:unauthenticated"]) as string[] });
