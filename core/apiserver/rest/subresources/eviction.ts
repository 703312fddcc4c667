/**
 * pods/eviction (policy/v1 Eviction): delete the pod with the eviction's DeleteOptions.
 * PodDisruptionBudgets are checked (and charged) first: eviction-budget.ts.
 */
import { apiErrors, successStatus } from "../../errors/index.ts";
import { decodeObjectBody } from "../../request/body.ts";
import type { ApiContext, RequestScope } from "../context.ts";
import { jsonResponse } from "../respond.ts";
import { checkDisruptionBudget } from "./eviction-budget.ts";
import { deleteObject, parseDeleteOptions } from "../write/delete.ts";

export async function handleEviction(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const { info, def } = scope;
  // biome-ignore lint: JSON documents.
  const eviction = (await decodeObjectBody(scope.req, ctx.protobuf)) as Record<string, any>;
  if (eviction?.metadata?.name && eviction.metadata.name !== info.name) {
    throw apiErrors.badRequest(`name in URL does not match name in Eviction object`);
  }
  const opts = parseDeleteOptions(eviction?.deleteOptions ?? {}, scope.url);
  const podScope = { ...scope, def, info: { ...info, subresource: "" } };
  const current = await ctx.resourceStore(def).mustGet(info.namespace, info.name);
  await checkDisruptionBudget(ctx, current.object, opts.dryRun);
  await deleteObject(ctx, podScope, info.name, opts);
  return jsonResponse(successStatus(201), 201);
}
