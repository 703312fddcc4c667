/**
 * The create pipeline: namespace/name checks, generateName, system metadata, strategy defaults
 * and prepareForCreate, mutating admission, validation, validating admission, then the store
 * write (or nothing, for a dry run). Generated-name collisions are retried.
 */
import { abortAdmission, commitAdmission, runValidation } from "../../admission/run.ts";
import type { AdmissionAttributes } from "../../admission/types.ts";
import { ApiError, apiErrors } from "../../errors/index.ts";
import type { KObject } from "../../resources/index.ts";
import { validateObjectMeta } from "../../validation/metadata.ts";
import type { ApiContext, RequestScope } from "../context.ts";
import { runMutationKeepingManagedFields, trackUpdate, type FieldTracking } from "./field-management.ts";
import { fillCreateMeta, generateName } from "./object-meta.ts";

export interface CreateResult {
  readonly object: KObject;
}

/** Reconcile the object's namespace with the request's (400 on mismatch). */
export function reconcileNamespace(scope: RequestScope, obj: KObject): void {
  const { def, info } = scope;
  if (!def.namespaced) { delete obj.metadata.namespace; return; }
  if (obj.metadata.namespace && info.namespace && obj.metadata.namespace !== info.namespace) {
    throw apiErrors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  if (info.namespace) obj.metadata.namespace = info.namespace;
}

export async function createObject(ctx: ApiContext, scope: RequestScope, input: KObject, dryRun: boolean, tracking?: FieldTracking): Promise<CreateResult> {
  const { def } = scope;
  reconcileNamespace(scope, input);
  if (def.namespaced && !input.metadata.namespace) {
    throw apiErrors.badRequest("the server could not find the requested resource (namespace must be set for namespaced resources)");
  }
  if (input.metadata.resourceVersion) throw apiErrors.badRequest("resourceVersion should not be set on objects to be created");
  const generated = !input.metadata.name && !!input.metadata.generateName;
  for (let attempt = 0; ; attempt++) {
    // Contract: `input` is consumed (it may become the written object; callers never reuse it).
    // Only a generated name can be retried, so only then does each attempt need its own copy.
    const obj = generated ? structuredClone(input) : input;
    if (generated) obj.metadata.name = generateName(obj.metadata.generateName ?? "");
    try {
      return await createOnce(ctx, scope, obj, dryRun, tracking);
    } catch (err) {
      if (generated && attempt < 7 && err instanceof ApiError && err.reason === "AlreadyExists") continue;
      throw err;
    }
  }
}

async function createOnce(ctx: ApiContext, scope: RequestScope, obj: KObject, dryRun: boolean, tracking: FieldTracking | undefined): Promise<CreateResult> {
  const { def } = scope;
  const now = ctx.now();
  const sctx = { now, namespace: scope.info.namespace };
  fillCreateMeta(obj, now, def.tracksGeneration);
  def.strategy.defaults?.(obj, sctx);
  if (def.strategy.prepareForCreate) def.strategy.prepareForCreate(obj, sctx);
  else if (def.statusSplit) delete obj.status;
  // managedFields before mutating admission, as upstream: what admission adds is owned by no one.
  trackUpdate(scope, tracking, undefined, obj, now);
  const attrs: AdmissionAttributes = {
    operation: "CREATE", def, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name ?? "", subresource: "",
    object: obj, dryRun, user: scope.user, warnings: scope.warnings,
  };
  await runMutationKeepingManagedFields(ctx.admission, attrs);
  try {
    const errs = [...validateObjectMeta(obj.metadata, def.namespaced, def.nameRule), ...(def.strategy.validate?.(obj, sctx) ?? [])];
    if (errs.length > 0) throw apiErrors.invalid(def.group, def.kind, obj.metadata.name ?? obj.metadata.generateName ?? "", errs);
    await runValidation(ctx.admission, attrs);
    if (dryRun) {
      abortAdmission(ctx.admission, attrs);
      return { object: obj };
    }
    const stored = await ctx.resourceStore(def).create(obj);
    commitAdmission(ctx.admission, attrs, stored);
    return { object: stored };
  } catch (err) {
    abortAdmission(ctx.admission, attrs);
    throw err;
  }
}
