/**
 * pods/eviction (policy/v1 Eviction): delete the pod with the eviction's DeleteOptions.
 * PodDisruptionBudgets are checked (and charged) first: eviction-budget.ts. As upstream, the pod
 * then gets the `DisruptionTarget` condition (reason EvictionByEvictionAPI), so that its
 * controller (a Job's podFailurePolicy) can tell an eviction from a failure; the DeleteOptions'
 * preconditions are checked against the pod that write starts from.
 */
import { apiErrors, successStatus } from "../../errors/index.ts";
import { decodeObjectBody } from "../../request/body.ts";
import type { ApiContext, RequestScope } from "../context.ts";
import { jsonResponse } from "../respond.ts";
import { checkDisruptionBudget } from "./eviction-budget.ts";
import { deleteObject, parseDeleteOptions, type DeleteOptions } from "../write/delete.ts";
import { formatTime } from "../../../kube-time.ts";
import { updateObject } from "../write/update.ts";

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
  const deleteOpts = opts.dryRun ? opts : await addDisruptionCondition(ctx, podScope, opts);
  await deleteObject(ctx, podScope, info.name, deleteOpts);
  return jsonResponse(successStatus(201), 201);
}

/** Upstream addConditionAndDeletePod's update; returns the options for the delete that follows. */
async function addDisruptionCondition(ctx: ApiContext, podScope: RequestScope, opts: DeleteOptions): Promise<DeleteOptions> {
  const gr = { group: "", resource: "pods" };
  const name = podScope.info.name;
  const pre = opts.preconditions;
  const result = await updateObject(ctx, podScope, {
    mode: "internal", dryRun: false, allowCreate: false, requireResourceVersion: false, admission: false,
    incoming(current) {
      if (!current) throw apiErrors.notFound(gr, name);
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw apiErrors.conflict(gr, name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${current.metadata.uid}). The object might have been deleted and then recreated`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw apiErrors.conflict(gr, name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${current.metadata.resourceVersion}). The object might have been modified`);
      }
      current.status ??= {};
      current.status.conditions = withCondition(current.status.conditions ?? [], {
        type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting",
      }, formatTime(ctx.now()));
      return current;
    },
  });
  // The write above moved the resourceVersion the caller may have pinned.
  if (!pre?.resourceVersion) return opts;
  return { ...opts, preconditions: { ...pre, resourceVersion: result.object.metadata.resourceVersion } };
}

interface PodCondition { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastProbeTime?: unknown }

/** Upstream UpdatePodCondition: replace the condition of that type; the transition time moves only with the status. */
function withCondition(conditions: PodCondition[], next: PodCondition, now: string): PodCondition[] {
  const old = conditions.find((c) => c.type === next.type);
  const merged = { ...next, lastProbeTime: null, lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : now };
  return old ? conditions.map((c) => (c === old ? merged : c)) : [...conditions, merged];
}
