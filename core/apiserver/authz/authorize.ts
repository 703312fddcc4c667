/** The authn/authz gate in front of every request. */
import { apiErrors, qualifiedResource } from "../errors/index.ts";
import type { RequestInfo } from "../request/request-info.ts";
import type { Attributes, Authorizer, UserInfo } from "./types.ts";

/** Paths anonymous users may reach. */
const ANONYMOUS_PATHS = new Set(["/version", "/healthz", "/livez", "/readyz"]);

export function isAnonymousPath(path: string): boolean {
  if (ANONYMOUS_PATHS.has(path)) return true;
  for (const p of ["/healthz/", "/livez/", "/readyz/"]) if (path.startsWith(p)) return true;
  return false;
}

export function attributesOf(user: UserInfo, info: RequestInfo): Attributes {
  return {
    user, verb: info.verb, isResourceRequest: info.isResourceRequest, path: info.path, apiGroup: info.group,
    apiVersion: info.version, namespace: info.namespace, resource: info.resource, subresource: info.subresource, name: info.name,
  };
}

/** Throws 401 for anonymous requests outside the public paths, 403 when the authorizer denies. */
export async function authorize(authorizer: Authorizer, user: UserInfo | undefined, info: RequestInfo): Promise<void> {
  if (!user) {
    if (isAnonymousPath(info.path)) return;
    throw apiErrors.unauthorized();
  }
  const decision = await authorizer(user, attributesOf(user, info));
  if (decision.allowed) return;
  if (!info.isResourceRequest) {
    throw apiErrors.forbidden({ group: "", resource: "" }, "", `User "${user.username}" cannot ${info.verb} path "${info.path}"`);
  }
  const res = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const where = info.namespace ? ` in the namespace "${info.namespace}"` : " at the cluster scope";
  const reason = `User "${user.username}" cannot ${info.verb} resource "${res}" in API group "${info.group}"${where}${decision.reason ? `: ${decision.reason}` : ""}`;
  throw apiErrors.forbidden({ group: info.group, resource: qualifiedResource({ group: "", resource: info.resource }) }, info.name, reason);
}
