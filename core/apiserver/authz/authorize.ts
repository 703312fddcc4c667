/** The authn/authz gate in front of every request. */
import { apiErrors } from "../errors/index.ts";
import type { RequestInfo } from "../request/request-info.ts";
import { ANONYMOUS_USER, type Attributes, type Authorizer, type Decision, type UserInfo } from "./types.ts";

/** Paths anonymous users may reach when no authorizer is configured. */
const ANONYMOUS_PATHS = new Set(["/version", "/healthz", "/livez", "/readyz"]);

export function isAnonymousPath(path: string): boolean {
  if (ANONYMOUS_PATHS.has(path)) return true;
  for (const p of ["/healthz/", "/livez/", "/readyz/"]) if (path.startsWith(p)) return true;
  return false;
}

/** The default authorizer: authenticated users may do everything, anonymous ones reach only the public paths. */
export const allowAuthenticated: Authorizer = (user, attrs) =>
  user.groups.includes("system:unauthenticated") && !(attrs.verb === "get" && isAnonymousPath(attrs.path))
    ? { allowed: false, reason: "" } : { allowed: true };

/** Upstream authorizer.AttributesRecord of a request (verb, resource, subresource, name, namespace, group, path, selectors). */
export function attributesOf(user: UserInfo, info: RequestInfo, url?: URL): Attributes {
  const selectors = url && info.isResourceRequest && (info.verb === "list" || info.verb === "watch" || info.verb === "deletecollection")
    ? { fieldSelector: url.searchParams.get("fieldSelector") ?? undefined, labelSelector: url.searchParams.get("labelSelector") ?? undefined }
    : {};
  // As upstream's RequestInfoFactory: a list/watch selecting `metadata.name=<x>` names that object.
  const name = info.name || nameFromFieldSelector(selectors.fieldSelector);
  return {
    user, verb: info.verb, isResourceRequest: info.isResourceRequest, path: info.path, apiGroup: info.group,
    apiVersion: info.version, namespace: info.namespace, resource: info.resource, subresource: info.subresource, name,
    ...selectors,
  };
}

function nameFromFieldSelector(selector: string | undefined): string {
  if (!selector) return "";
  for (const part of selector.split(",")) {
    const m = /^\s*metadata\.name\s*==?\s*([^\s/%]+)\s*$/.exec(part);
    if (m && m[1] !== "." && m[1] !== "..") return m[1]!;
  }
  return "";
}

/** Upstream forbiddenMessage + ForbiddenStatusError: the 403 for a denied request. */
export function forbiddenError(attrs: Attributes, reason: string): Error {
  let msg: string;
  if (!attrs.isResourceRequest) {
    msg = `User "${attrs.user.username}" cannot ${attrs.verb} path "${attrs.path}"`;
  } else {
    const res = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const where = attrs.namespace ? ` in the namespace "${attrs.namespace}"` : " at the cluster scope";
    msg = `User "${attrs.user.username}" cannot ${attrs.verb} resource "${res}" in API group "${attrs.apiGroup}"${where}`;
  }
  if (reason) msg += `: ${reason}`;
  if (!attrs.resource) return apiErrors.forbiddenUnqualified(msg);
  return apiErrors.forbidden({ group: attrs.apiGroup, resource: attrs.resource }, attrs.name, msg);
}

/**
 * Authorizes one request; throws 403 Forbidden (upstream wording) when denied. Requests without
 * credentials are authorized as `system:anonymous` (group `system:unauthenticated`).
 */
export async function authorize(authorizer: Authorizer, user: UserInfo | undefined, info: RequestInfo, url?: URL): Promise<void> {
  const attrs = attributesOf(user ?? ANONYMOUS_USER, info, url);
  const decision: Decision = await authorizer(attrs.user, attrs);
  if (decision.allowed) return;
  throw forbiddenError(attrs, decision.reason);
}
