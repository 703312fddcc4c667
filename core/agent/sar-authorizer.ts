/**
 * The kubelet's webhook authorizer: whether a user may do something on the kubelet API, asked of
 * the API server as a SubjectAccessReview by the node (system:node may create them).
 */
import type { ApiClient } from "@lite/sdk";
import type { Attributes, UserInfo } from "../apiserver/authz/types.ts";

export function subjectAccessReviewAuthorizer(client: ApiClient): (user: UserInfo, attrs: Attributes) => Promise<boolean> {
  return async (user, attrs) => {
    const review = await client.create<{ apiVersion: string; kind: string; metadata: Record<string, never>; status?: { allowed?: boolean } }>(
      { group: "authorization.k8s.io", version: "v1", resource: "subjectaccessreviews" },
      {
        apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", metadata: {},
        spec: {
          user: user.username, groups: user.groups, ...(user.uid ? { uid: user.uid } : {}), ...(user.extra ? { extra: user.extra } : {}),
          ...(attrs.isResourceRequest
            ? { resourceAttributes: { verb: attrs.verb, group: attrs.apiGroup, version: attrs.apiVersion, resource: attrs.resource, subresource: attrs.subresource, name: attrs.name } }
            : { nonResourceAttributes: { path: attrs.path, verb: attrs.verb } }),
        },
      } as never,
    );
    return review.status?.allowed === true;
  };
}
