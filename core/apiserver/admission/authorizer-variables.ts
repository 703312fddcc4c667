/**
 * The CEL variables `authorizer` and `authorizer.requestResource` of an admission request, as
 * ValidatingAdmissionPolicy expressions and webhook matchConditions both see them (upstream binds
 * the request's user, or anonymous, and the request's resource, subresource, namespace and name).
 */
import { AuthorizerBinding, type AuthzDecide, type ResourceCheck } from "../../cel/library/authz.ts";
import { ANONYMOUS_USER } from "../authz/types.ts";
import type { AdmissionAttributes } from "./types.ts";

export function authorizerVariables(attrs: AdmissionAttributes, decide: AuthzDecide): { authorizer: AuthorizerBinding; "authorizer.requestResource": ResourceCheck } {
  const authorizer = new AuthorizerBinding(decide, attrs.user ?? ANONYMOUS_USER);
  return {
    authorizer,
    "authorizer.requestResource": authorizer.requestResource({
      group: attrs.def.group, resource: attrs.def.resource, subresource: attrs.subresource, namespace: attrs.namespace,
      name: attrs.name || attrs.object?.metadata.name || "",
    }),
  };
}
