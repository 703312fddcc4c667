/**
 * Impersonation (upstream apiserver filters/impersonation.go): `Impersonate-User`,
 * `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-<key>` headers. Each requested
 * attribute must be allowed by the `impersonate` verb on users / groups / serviceaccounts /
 * uids / userextras for the real requester; the request then runs as the impersonated user.
 */
import { forbiddenError } from "../../apiserver/authz/authorize.ts";
import type { Attributes, Authorizer } from "../../apiserver/authz/types.ts";
import { apiErrors } from "../../apiserver/errors/index.ts";
import { serviceAccountGroups, serviceAccountUsername, splitServiceAccountUsername } from "./service-account-claims.ts";
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, type UserInfo } from "./types.ts";

export const IMPERSONATE_USER = "impersonate-user";
export const IMPERSONATE_GROUP = "impersonate-group";
export const IMPERSONATE_UID = "impersonate-uid";
export const IMPERSONATE_EXTRA_PREFIX = "impersonate-extra-";

/** One thing to impersonate (upstream builds these as ObjectReferences). */
export type ImpersonationRequest =
  | { readonly kind: "User"; readonly name: string }
  | { readonly kind: "ServiceAccount"; readonly namespace: string; readonly name: string }
  | { readonly kind: "Group"; readonly name: string }
  | { readonly kind: "UserExtra"; readonly key: string; readonly value: string }
  | { readonly kind: "UID"; readonly name: string };

/**
 * Header values. Fetch's Headers joins repeated headers with ", ", so repeated
 * `Impersonate-Group` / `Impersonate-Extra-*` headers are split back on commas.
 */
const values = (v: string | null): string[] => (v === null ? [] : v.split(",").map((s) => s.trim()).filter((s) => s !== ""));

function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** Go's `%v` of the ObjectReference list, for the upstream error text. */
function goFormat(reqs: readonly ImpersonationRequest[]): string {
  const one = (r: ImpersonationRequest) => {
    const f = { kind: r.kind, ns: "", name: "", apiVersion: "", fieldPath: "" };
    if (r.kind === "ServiceAccount") { f.ns = r.namespace; f.name = r.name; }
    else if (r.kind === "UserExtra") { f.name = r.value; f.apiVersion = "authentication.k8s.io/v1"; f.fieldPath = r.key; }
    else { f.name = r.name; if (r.kind === "UID") f.apiVersion = "authentication.k8s.io/v1"; }
    return `{${f.kind} ${f.ns} ${f.name}  ${f.apiVersion}  ${f.fieldPath}}`;
  };
  return `[${reqs.map(one).join(" ")}]`;
}

/**
 * The impersonation requests in `headers`, in upstream order (user, groups, extras, uid).
 * Empty when there are none. Throws a 500 InternalError (as upstream) when groups, extras or a
 * uid are asked for without a user.
 */
export function parseImpersonation(headers: Headers): ImpersonationRequest[] {
  const reqs: ImpersonationRequest[] = [];
  const user = headers.get(IMPERSONATE_USER) ?? "";
  if (user) {
    const sa = splitServiceAccountUsername(user);
    reqs.push(sa ? { kind: "ServiceAccount", namespace: sa.namespace, name: sa.name } : { kind: "User", name: user });
  }
  const groups = values(headers.get(IMPERSONATE_GROUP));
  for (const g of groups) reqs.push({ kind: "Group", name: g });
  let extras = false;
  for (const [name, value] of headers.entries()) {
    if (!name.startsWith(IMPERSONATE_EXTRA_PREFIX)) continue;
    extras = true;
    const key = unescapeExtraKey(name.slice(IMPERSONATE_EXTRA_PREFIX.length).toLowerCase());
    for (const v of values(value)) reqs.push({ kind: "UserExtra", key, value: v });
  }
  const uid = headers.get(IMPERSONATE_UID) ?? "";
  if (uid) reqs.push({ kind: "UID", name: uid });
  if ((groups.length || extras || uid) && !user) {
    throw apiErrors.internal(new Error(`requested ${goFormat(reqs)} without impersonating a user`));
  }
  return reqs;
}

/** The `impersonate` check for one request. */
export function impersonationAttributes(requester: UserInfo, r: ImpersonationRequest): Attributes {
  const base = { user: requester, verb: "impersonate", isResourceRequest: true, path: "", apiGroup: "", apiVersion: "", namespace: "", subresource: "" };
  switch (r.kind) {
    case "User": return { ...base, resource: "users", name: r.name };
    case "Group": return { ...base, resource: "groups", name: r.name };
    case "ServiceAccount": return { ...base, resource: "serviceaccounts", namespace: r.namespace, name: r.name };
    case "UID": return { ...base, apiGroup: "authentication.k8s.io", apiVersion: "v1", resource: "uids", name: r.name };
    case "UserExtra": return { ...base, apiGroup: "authentication.k8s.io", apiVersion: "v1", resource: "userextras", subresource: r.key, name: r.value };
  }
}

/**
 * Applies the impersonation headers of a request made by `requester`: the requester itself when
 * there are none, else the impersonated user. Throws Forbidden (403) when a check fails.
 */
export async function impersonate(headers: Headers, requester: UserInfo, authorize: Authorizer): Promise<UserInfo> {
  const reqs = parseImpersonation(headers);
  if (reqs.length === 0) return requester;
  const groupsSpecified = reqs.some((r) => r.kind === "Group");
  let username = "";
  let uid = "";
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const r of reqs) {
    const attrs = impersonationAttributes(requester, r);
    switch (r.kind) {
      case "ServiceAccount":
        username = serviceAccountUsername(r.namespace, r.name);
        if (!groupsSpecified) groups = serviceAccountGroups(r.namespace);
        break;
      case "User": username = r.name; break;
      case "Group": groups.push(r.name); break;
      case "UserExtra": (extra[r.key] ??= []).push(r.value); break;
      case "UID": uid = r.name; break;
    }
    const decision = await authorize(requester, attrs);
    if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
  }
  if (username !== ANONYMOUS) {
    if (!groups.some((g) => g === ALL_AUTHENTICATED || g === ALL_UNAUTHENTICATED)) groups.push(ALL_AUTHENTICATED);
  } else if (!groups.includes(ALL_UNAUTHENTICATED)) groups.push(ALL_UNAUTHENTICATED);
  const user: UserInfo = { username, groups };
  if (uid) user.uid = uid;
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}
