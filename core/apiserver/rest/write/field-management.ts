/**
 * managedFields bookkeeping for every write, and server-side apply: the REST layer's glue to
 * the pure field-manager machinery. Built-in kinds use their patch metadata (merge keys) for
 * associative lists; other kinds treat lists as atomic, as upstream does for schemaless data.
 */
import { ApiError, apiErrors } from "../../errors/index.ts";
import { builtinPatchMeta } from "../../machinery/builtin-patch-meta.ts";
import {
  applyObject, conflictCauses, formatConflictMessage, managerOrUserAgent, updateManagedFields,
} from "../../machinery/field-manager/index.ts";
import type { KObject } from "../../resources/index.ts";
import type { RequestScope } from "../context.ts";
import { formatTime } from "../../../kube-time.ts";

/** Who is writing, and whether the object's managedFields were already computed (by apply). */
export interface FieldTracking {
  readonly manager: string;
  /** Set by server-side apply: the incoming object already carries its new managedFields. */
  readonly alreadyTracked?: boolean;
}

/** The field manager of a request: `?fieldManager=`, else the User-Agent's program name (upstream). */
export function fieldTrackingFor(scope: RequestScope, fieldManager: string): FieldTracking {
  return { manager: managerOrUserAgent(fieldManager, scope.req.headers.get("user-agent") ?? undefined) };
}

function metaOf(scope: RequestScope) {
  return builtinPatchMeta(scope.def.group, scope.def.kind);
}

/**
 * Fields a write through `subresource` never owns (upstream's strategies' GetResetFields): the
 * main resource and finalize never own the status of a kind that splits status off, /status never
 * owns the spec, and a CSR's approval owns neither its spec nor its issued certificate.
 */
function resetFields(scope: RequestScope, subresource: string): string[][] {
  if (subresource === "approval") return [["spec"], ["status", "certificate"]];
  if (!scope.def.statusSplit) return [];
  return subresource === "status" ? [["spec"], ["metadata"]] : [["status"]];
}

/** Records a non-apply write (create, update, patch) in `obj.metadata.managedFields`. */
export function trackUpdate(scope: RequestScope, tracking: FieldTracking | undefined, old: KObject | undefined, obj: KObject, now: Date): void {
  if (!tracking || tracking.alreadyTracked) return;
  const subresource = scope.info.subresource ?? "";
  const updated = updateManagedFields({
    live: old, updated: obj, manager: tracking.manager, operation: "Update", meta: metaOf(scope),
    now: formatTime(now), subresource, apiVersion: obj.apiVersion,
    resetFields: resetFields(scope, subresource),
  }) as KObject;
  if (updated.metadata.managedFields) obj.metadata.managedFields = updated.metadata.managedFields;
  else delete obj.metadata.managedFields;
}

/**
 * Server-side apply of `applied` onto `live` (absent: a create). Returns the merged object with
 * its managedFields; a conflict is a 409 with upstream's message and causes unless `force`.
 */
export function serverSideApply(scope: RequestScope, tracking: FieldTracking, live: KObject | undefined, applied: unknown, force: boolean, now: Date): KObject {
  if (!applied || typeof applied !== "object" || Array.isArray(applied)) throw apiErrors.badRequest("apply patch must be an object");
  const subresource = scope.info.subresource ?? "";
  const result = applyObject({
    live, applied, manager: tracking.manager, force, meta: metaOf(scope),
    now: formatTime(now), subresource, apiVersion: (applied as { apiVersion?: string }).apiVersion ?? live?.apiVersion,
    resetFields: resetFields(scope, subresource),
  });
  if (result.ok) return result.object as KObject;
  if (result.reason === "BadRequest") throw apiErrors.badRequest(result.message);
  throw new ApiError(409, "Conflict", formatConflictMessage(result.conflicts), { causes: conflictCauses(result.conflicts) });
}
