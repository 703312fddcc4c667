/** serviceaccounts/token (authentication.k8s.io/v1 TokenRequest), delegated to the server's token issuer. */
import { apiErrors } from "../../errors/index.ts";
import { decodeObjectBody } from "../../request/body.ts";
import type { KObject } from "../../resources/index.ts";
import type { ApiContext, RequestScope } from "../context.ts";
import { jsonResponse } from "../respond.ts";

export async function handleToken(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const { info, def } = scope;
  const request = ((await decodeObjectBody(scope.req, ctx.protobuf)) ?? {}) as KObject;
  const sa = await ctx.resourceStore(def).mustGet(info.namespace, info.name);
  if (!ctx.issueToken) throw apiErrors.serviceUnavailable("service account token issuing is not configured on this server");
  const { spec, status } = await ctx.issueToken(sa.object, request);
  return jsonResponse({
    kind: "TokenRequest", apiVersion: "authentication.k8s.io/v1",
    metadata: { name: info.name, namespace: info.namespace, creationTimestamp: null },
    spec, status,
  }, 201);
}
