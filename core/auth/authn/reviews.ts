/**
 * authentication.k8s.io/v1 review resources, served as create-only kinds (never stored):
 * - TokenReview: authenticates `spec.token` for `spec.audiences` (default: the API audiences)
 *   and reports the user and the audiences it is valid for (upstream tokenreview/storage.go);
 * - SelfSubjectReview: reports the requester as the server sees it (`kubectl auth whoami`).
 */
import { apiErrors } from "../../apiserver/errors/index.ts";
import { defineResource } from "../../apiserver/resources/define.ts";
import type { ResourceDef } from "../../apiserver/resources/index.ts";
import { ANONYMOUS_USER } from "../../apiserver/authz/types.ts";
import { withAuthenticatedGroup, type TokenAuthenticator, type UserInfo } from "./types.ts";
import { formatTime } from "../../kube-time.ts";

const GV = { group: "authentication.k8s.io", version: "v1" } as const;

/** UserInfo as the API writes it (empty fields omitted). */
function userInfoJson(user: UserInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { username: user.username };
  if (user.uid) out.uid = user.uid;
  if (user.groups.length) out.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) out.extra = structuredClone(user.extra);
  return out;
}


export function authenticationReviewResources(opts: { tokens: TokenAuthenticator; apiAudiences: readonly string[]; now(): Date }): ResourceDef[] {
  const common = { ...GV, namespaced: false, verbs: ["create"] as const, strategicMergePatch: false };
  return [
    defineResource({
      ...common, resource: "selfsubjectreviews", kind: "SelfSubjectReview", topLevelFields: ["status"],
      createOnly(obj, request) {
        const user = request.user ?? ANONYMOUS_USER;
        return { ...obj, metadata: { creationTimestamp: formatTime(opts.now()) }, status: { userInfo: userInfoJson(user) } };
      },
    }),
    defineResource({
      ...common, resource: "tokenreviews", kind: "TokenReview", topLevelFields: ["spec", "status"],
      async createOnly(obj, request) {
        if (request.namespace) throw apiErrors.badRequest(`namespace is not allowed on this type: ${request.namespace}`);
        const token = typeof obj.spec?.token === "string" ? obj.spec.token : "";
        if (!token) throw apiErrors.badRequest("token is required for TokenReview in authentication");
        const requested: string[] = Array.isArray(obj.spec?.audiences) && obj.spec.audiences.length ? obj.spec.audiences : [...opts.apiAudiences];
        const result = await opts.tokens.authenticateToken(token, requested);
        const status: Record<string, unknown> = {};
        if (result.kind === "user") {
          status.authenticated = true;
          status.user = userInfoJson(withAuthenticatedGroup(result.user));
          status.audiences = [...(result.audiences ?? requested)];
        } else {
          status.user = {};
          status.error = result.kind === "rejected" ? result.reason : "invalid bearer token";
        }
        return { ...obj, metadata: { ...obj.metadata, creationTimestamp: null }, status };
      },
    }),
  ];
}
