/**
 * managedFields bookkeeping for every write, and server-side apply: the REST layer's glue to
 * the pure field-manager machinery. Built-in kinds use their patch metadata (merge keys) for
 * associative lists; other kinds treat lists as atomic, as upstream does for schemaless data.
 */
import { runMutation } from "../../admission/run.ts";
import type { AdmissionAttributes, AdmissionChain } from "../../admission/types.ts";
import { ApiError, apiErrors } from "../../errors/index.ts";
import { builtinPatchMeta } from "../../machinery/builtin-patch-meta.ts";
import {
  applyObject, conflictCauses, decodeManagedFields, formatConflictMessage, managerOrUserAgent, updateManagedFields,
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

/** Upstream InvalidManagedFieldsAfterMutatingAdmissionWarningFormat, without the error. */
export const INVALID_MANAGED_FIELDS_AFTER_ADMISSION =
  ".metadata.managedFields was in an invalid state after admission; this could be caused by an outdated mutating admission controller; please fix your requests: ";

/**
 * The mutating admission phase of a create or update, guarded as upstream's
 * NewManagedFieldsValidatingAdmissionController guards it. The write's managedFields are
 * recorded before this runs (trackUpdate, serverSideApply), so what admission plugins, webhooks
 * included, add or change is owned by no manager, as upstream. managedFields that admission
 * left undecodable are put back as they were before it, with upstream's warning. Plugins that
 * leave `metadata.managedFields` alone (the common case: no webhook patched the object) cost
 * one reference comparison; a webhook's patch replaces the metadata, so only then is the list
 * decoded.
 */
export async function runMutationKeepingManagedFields(chain: AdmissionChain, attrs: AdmissionAttributes): Promise<void> {
  const obj = attrs.object;
  const before = obj?.metadata?.managedFields;
  await runMutation(chain, attrs);
  if (!obj?.metadata || obj.metadata.managedFields === before) return;
  try {
    decodeManagedFields(obj.metadata.managedFields);
  } catch (err) {
    if (before === undefined) delete obj.metadata.managedFields;
    else obj.metadata.managedFields = before;
    attrs.warnings?.push(INVALID_MANAGED_FIELDS_AFTER_ADMISSION + (err as Error).message);
  }
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
