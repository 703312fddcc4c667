// managedFields for non-apply writes (create, update, patch): upstream
// FieldManager.Update with the default manager chain (skipNonApplied,
// capManagers, buildManagerInfo, managedFieldsUpdater, stripMeta).

import { cloneJson, isObject, type JsonObject } from "../json-value.ts";
import { setFromFieldPaths } from "./field-set.ts";
import { capUpdateManagers, decodeManagedFields, encodeManagedFields, isResetManagedFields, type Managed } from "./managed-fields.ts";
import { recordUpdate } from "./ownership.ts";
import { FieldManagerError, type FieldManagerSchema } from "./schema.ts";

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
 */
export function updateManagedFields(input: UpdateManagedFieldsInput): JsonObject {
  const live = input.live as JsonObject | undefined;
  const updated = input.updated as JsonObject;
  const out = cloneJson(updated);
  const outMeta = metadataOf(out);
  const requested = outMeta.managedFields;
  delete outMeta.managedFields;

  const managed = decodeForUpdate(live, requested, input.subresource !== undefined && input.subresource !== "");
  if (managed.size === 0 && live !== undefined) return out;

  try {
    const before = live ? withoutManagedFields(live) : cloneJson((input.emptyObject ?? {}) as JsonObject);
    const info = {
      manager: input.manager || "unknown",
      operation: "Update" as const,
      apiVersion: input.apiVersion ?? (typeof updated.apiVersion === "string" ? updated.apiVersion : ""),
      ...(input.subresource ? { subresource: input.subresource } : {}),
    };
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
