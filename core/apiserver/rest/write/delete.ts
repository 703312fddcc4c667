/**
 * DELETE: preconditions, propagationPolicy (orphan / foregroundDeletion finalizers), graceful
 * deletion (pods), finalizers (set deletionTimestamp and wait), dry run, admission.
 */
import { queryBoolValue } from "../../request/query-bool.ts";
import { notifyDeleted, runMutation, runValidation } from "../../admission/run.ts";
import { apiErrors } from "../../errors/index.ts";
import type { KObject } from "../../resources/index.ts";
import type { ApiContext, RequestScope } from "../context.ts";
import { parseDryRun } from "../options.ts";
import { formatTime } from "../../../kube-time.ts";

export interface DeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: "Orphan" | "Background" | "Foreground";
  readonly preconditions?: { uid?: string; resourceVersion?: string };
  readonly dryRun: boolean;
}

const POLICIES = ["Orphan", "Background", "Foreground"];

/** DeleteOptions from the body (if any) overlaid with query parameters. */
export function parseDeleteOptions(body: unknown, url: URL): DeleteOptions {
  const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  if (b.kind !== undefined && b.kind !== "DeleteOptions") throw apiErrors.badRequest(`the object provided is unrecognized (must be of type DeleteOptions)`);
  const q = url.searchParams;
  const graceText = q.get("gracePeriodSeconds");
  const grace = graceText !== null ? Number(graceText) : (typeof b.gracePeriodSeconds === "number" ? b.gracePeriodSeconds : undefined);
  let policy = (q.get("propagationPolicy") ?? b.propagationPolicy) as string | undefined;
  const orphan = q.get("orphanDependents") ?? (typeof b.orphanDependents === "boolean" ? String(b.orphanDependents) : null);
  if (policy !== undefined && orphan !== null) throw apiErrors.invalid("meta.k8s.io", "DeleteOptions", "", [{ type: "FieldValueInvalid", field: "propagationPolicy", body: `Invalid value: "${policy}": orphanDependents and deletionPropagation cannot be both set` }]);
  if (orphan !== null) policy = queryBoolValue(orphan) ? "Orphan" : "Background";
  if (policy !== undefined && !POLICIES.includes(policy)) {
    throw apiErrors.invalid("meta.k8s.io", "DeleteOptions", "", [{ type: "FieldValueNotSupported", field: "propagationPolicy", body: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"` }]);
  }
  const dryRunValues = [...q.getAll("dryRun"), ...(Array.isArray(b.dryRun) ? (b.dryRun as string[]) : [])];
  const pre = (b.preconditions && typeof b.preconditions === "object" ? b.preconditions : undefined) as DeleteOptions["preconditions"];
  if (grace !== undefined && (!Number.isFinite(grace))) throw apiErrors.badRequest("gracePeriodSeconds must be an integer");
  return {
    gracePeriodSeconds: grace, propagationPolicy: policy as DeleteOptions["propagationPolicy"], preconditions: pre,
    dryRun: parseDryRun(dryRunValues),
  };
}

export interface DeleteResult {
  readonly object: KObject;
  /** True when the object left the store (false: deletion pending on finalizers/grace). */
  readonly deleted: boolean;
}

export async function deleteObject(ctx: ApiContext, scope: RequestScope, name: string, opts: DeleteOptions): Promise<DeleteResult> {
  const { def, info } = scope;
  const gr = { group: def.group, resource: def.resource };
  const rs = ctx.resourceStore(def);
  const namespace = info.namespace;
  // Admission sees the object being deleted (webhooks get it as oldObject); the read also serves
  // as the first attempt's current state below.
  const existing = await rs.get(namespace, name);
  if (!existing) throw apiErrors.notFound(gr, name);
  const attrs = { operation: "DELETE" as const, def, namespace, name, subresource: "", oldObject: existing.object, dryRun: opts.dryRun, user: scope.user, warnings: scope.warnings };
  await runMutation(ctx.admission, attrs);
  await runValidation(ctx.admission, attrs);
  let pendingObject: KObject | undefined;
  const result = await rs.guaranteedUpdate(namespace, name, (current) => {
    if (!current) throw apiErrors.notFound(gr, name);
    const obj = structuredClone(current.object);
    const meta = obj.metadata;
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw apiErrors.conflict(gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw apiErrors.conflict(gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
    }
    if (!meta.deletionTimestamp) def.strategy.prepareForDelete?.(obj, { now: ctx.now(), namespace });
    const finalizers = new Set(meta.finalizers ?? []);
    if (opts.propagationPolicy === "Orphan") { finalizers.add("orphan"); finalizers.delete("foregroundDeletion"); }
    if (opts.propagationPolicy === "Foreground") { finalizers.add("foregroundDeletion"); finalizers.delete("orphan"); }
    const requested = opts.gracePeriodSeconds;
    const grace = def.strategy.gracePeriod ? def.strategy.gracePeriod(obj, requested) : 0;
    const pendingKind = def.strategy.pendingFinalization?.(obj) ?? false;
    const alreadyDeleting = !!meta.deletionTimestamp;
    if (finalizers.size === 0 && !pendingKind && grace === 0) {
      if (opts.dryRun) { pendingObject = obj; return { action: "none" }; }
      return { action: "delete" };
    }
    if (finalizers.size > 0) meta.finalizers = [...finalizers];
    const now = ctx.now();
    const currentGrace = meta.deletionGracePeriodSeconds;
    if (!alreadyDeleting || (currentGrace !== undefined && grace < currentGrace)) {
      meta.deletionTimestamp = formatTime(new Date(now.getTime() + grace * 1000));
      meta.deletionGracePeriodSeconds = grace;
    }
    if (!alreadyDeleting) def.strategy.markDeleting?.(obj);
    pendingObject = obj;
    if (opts.dryRun || JSON.stringify(obj) === JSON.stringify(current.object)) return { action: "none" };
    return { action: "update", object: obj };
  }, existing);
  if (result.deleted) {
    const last = result.object ?? result.previous?.object;
    if (last) notifyDeleted(ctx.admission, def, last);
    return { object: last as KObject, deleted: true };
  }
  return { object: opts.dryRun ? (pendingObject ?? (result.object as KObject)) : (result.object as KObject), deleted: opts.dryRun && !!pendingObject && !pendingObject.metadata.deletionTimestamp };
}
