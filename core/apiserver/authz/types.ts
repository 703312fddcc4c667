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
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** The authorization hook. The default allows every authenticated request (RBAC arrives later). */
export type Authorizer = (user: UserInfo, attributes: Attributes) => Promise<Decision> | Decision;

export const allowAll: Authorizer = () => ({ allowed: true });
