// managedFields for non-apply writes (create, update, patch): upstream
// FieldManager.Update with the default manager chain (skipNonApplied,
// capManagers, buildManagerInfo, managedFieldsUpdater, stripMeta).

import { cloneJson, isObject, type JsonObject } from "../json-value.ts";
import { setFromFieldPaths } from "./field-set.ts";
import { capUpdateManagers, decodeManagedFields, encodeManagedFields, isResetManagedFields, type Managed, type ManagerInfo } from "./managed-fields.ts";
import { recordUpdate } from "./ownership.ts";
import { FieldManagerError, type FieldManagerSchema } from "./schema.ts";
import { fastUpdateManagedFields, updateFastPath } from "./update-fast-path.ts";

export interface UpdateManagedFieldsInput {
  /** The stored object; undefined on create. Not mutated. */
  readonly live: object | undefined;
  /** The object about to be stored (after patching/defaulting). Not mutated. */
  readonly updated: object;
  /** Field manager name (`?fieldManager=`, else managerFromUserAgent). "" becomes "unknown". */
  readonly manager: string;
  readonly operation: "Update";
  readonly meta: FieldManagerSchema;
  /** RFC 3339 time for changed entries, e.g. "2025-01-02T03:04:05Z". */
  readonly now: string;
  /** e.g. "status", "scale"; managedFields in the request body are then ignored. */
  readonly subresource?: string;
  /** apiVersion of the request; defaults to updated.apiVersion. */
  readonly apiVersion?: string;
  /**
   * Fields this request never owns (the strategy's reset fields), e.g.
   * [["status"]] for the main resource of a kind with a status subresource.
   */
  readonly resetFields?: readonly (readonly string[])[];
  /**
   * What a create is compared with (upstream uses the kind's zero value, so
   * built-in non-pointer structs such as `spec` get no `.` entry; pass
   * e.g. {spec: {}} for those). Default {}.
   */
  readonly emptyObject?: object;
}

/**
 * Returns a copy of `updated` whose metadata.managedFields records that
 * `manager` now owns what it changed (everything it set, on create). Fields
 * it changed or removed leave other managers; entries owning nothing are
 * dropped. As upstream:
 * - managedFields sent in the body are honoured (subresources excepted); `[]`
 *   or `[{}]` clears them, and an absent or undecodable list keeps the live one;
 * - an existing object without managedFields is not tracked;
 * - Update entries are keyed by manager + apiVersion + subresource, and the
 *   oldest beyond 10 merge into "ancient-changes";
 * - on an internal error the live managedFields are kept.
 * An update that only changes fields the writer's own entry alone owns (a
 * kubelet renewing its Lease) is answered by update-fast-path.ts, with the
 * same result.
 */
export function updateManagedFields(input: UpdateManagedFieldsInput): JsonObject {
  return updateManagedFieldsWith(input, true);
}

/**
 * updateManagedFields without its fast path (update-fast-path.ts): the
 * reference the fast path must agree with, for tests and benchmarks.
 */
export function updateManagedFieldsSlow(input: UpdateManagedFieldsInput): JsonObject {
  return updateManagedFieldsWith(input, false);
}

function updateManagedFieldsWith(input: UpdateManagedFieldsInput, tryFastPath: boolean): JsonObject {
  const live = input.live as JsonObject | undefined;
  const updated = input.updated as JsonObject;
  const out = cloneJson(updated);
  const outMeta = metadataOf(out);
  const requested = outMeta.managedFields;
  delete outMeta.managedFields;
  const isSubresource = input.subresource !== undefined && input.subresource !== "";

  if (tryFastPath && live !== undefined) {
    const fast = fastUpdateManagedFields({
      live, out, requested, isSubresource, info: updateManagerInfo(input), now: input.now, schema: input.meta, resetFields: input.resetFields,
    });
    if (fast) {
      updateFastPath.hits++;
      outMeta.managedFields = fast;
      return out;
    }
  }

  const managed = decodeForUpdate(live, requested, isSubresource);
  if (managed.size === 0 && live !== undefined) return out;

  try {
    const before = live ? withoutManagedFields(live) : cloneJson((input.emptyObject ?? {}) as JsonObject);
    const info = updateManagerInfo(input);
    recordUpdate(managed, before, out, info, input.now, { schema: input.meta, reset: setFromFieldPaths(input.resetFields ?? []) });
    capUpdateManagers(managed);
  } catch (err) {
    if (!(err instanceof FieldManagerError)) throw err;
    // Upstream UpdateNoErrors: keep the live managedFields.
    const kept = live && isObject(live.metadata) ? live.metadata.managedFields : undefined;
    if (kept !== undefined) outMeta.managedFields = cloneJson(kept);
    return out;
  }
  const encoded = encodeManagedFields(managed);
  if (encoded) outMeta.managedFields = encoded;
  return out;
}

/** The writer's entry identity: manager ("" becomes "unknown"), Update, apiVersion, subresource. */
function updateManagerInfo(input: UpdateManagedFieldsInput): ManagerInfo {
  const updated = input.updated as JsonObject;
  return {
    manager: input.manager || "unknown",
    operation: "Update",
    apiVersion: input.apiVersion ?? (typeof updated.apiVersion === "string" ? updated.apiVersion : ""),
    ...(input.subresource ? { subresource: input.subresource } : {}),
  };
}

function decodeForUpdate(live: JsonObject | undefined, requested: unknown, isSubresource: boolean): Managed {
  const fromLive = (): Managed => {
    try {
      return decodeManagedFields(live && isObject(live.metadata) ? live.metadata.managedFields : undefined);
    } catch {
      return new Map();
    }
  };
  if (isSubresource) return fromLive();
  if (isResetManagedFields(requested)) return new Map();
  try {
    const m = decodeManagedFields(requested);
    return m.size > 0 ? m : fromLive();
  } catch {
    return fromLive();
  }
}

/** The object's metadata map, created if missing (on an object we own). */
export function metadataOf(o: JsonObject): JsonObject {
  if (!isObject(o.metadata)) o.metadata = {};
  return o.metadata as JsonObject;
}

/** A deep copy without metadata.managedFields. */
export function withoutManagedFields(o: JsonObject): JsonObject {
  const c = cloneJson(o);
  if (isObject(c.metadata)) delete c.metadata.managedFields;
  return c;
}
