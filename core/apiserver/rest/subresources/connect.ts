/** log/exec/attach/portforward/proxy: handed to the connect hook (the node agent path, Kubelet issue). */
import { apiErrors } from "../../errors/index.ts";
import type { ApiContext, RequestScope } from "../context.ts";

export async function handleConnect(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const { info, def } = scope;
  const cur = await ctx.resourceStore(def).mustGet(info.namespace, info.name);
  if (def.resource === "pods" && !cur.object.spec?.nodeName) {
    throw apiErrors.badRequest(`pod ${info.name} does not have a host assigned`);
  }
  if (!ctx.connect) throw apiErrors.serviceUnavailable(`${def.resource}/${info.subresource} is not available: no node connection is configured`);
  return ctx.connect(scope.req, info, cur.object, scope.user);
}
