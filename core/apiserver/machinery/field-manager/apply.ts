// Server-side apply (upstream FieldManager.Apply with the default chain and
// merge.Updater.Apply): merge the applied configuration into the live
// object, prune what the manager applied before but no longer does (unless
// someone else owns it), detect conflicts, record ownership.

import { cloneJson, isObject, jsonEqual, type JsonObject } from "../json-value.ts";
import { ensureNamedFieldsAreMembers, difference, intersection, isEmptySet, recursiveDifference, setFromFieldPaths, unionAll, type FieldSet } from "./field-set.ts";
import { decodeManagedFields, encodeManagedFields, managerIdentity, stripMetaFields, type Managed, type ManagerInfo } from "./managed-fields.ts";
import { mergeValues } from "./merge.ts";
import { compareForOwnership, recordUpdate, releaseFields, type ApplyConflict, type CompareContext } from "./ownership.ts";
import { removeItems } from "./remove-items.ts";
import { FieldManagerError, type FieldManagerSchema } from "./schema.ts";
import { toFieldSet } from "./to-field-set.ts";
import { metadataOf, withoutManagedFields } from "./update.ts";

export interface ApplyObjectInput {
  /** The stored object; undefined when the apply creates it. Not mutated. */
  readonly live: object | undefined;
  /** The applied configuration (decoded apply-patch body). Not mutated. */
  readonly applied: object;
  /** `?fieldManager=` (required for apply; the caller rejects ""). */
  readonly manager: string;
  /** `?force=true`: take over conflicting fields instead of failing. */
  readonly force: boolean;
  readonly meta: FieldManagerSchema;
  /** RFC 3339 time for changed entries. */
  readonly now: string;
  readonly subresource?: string;
  /** apiVersion of the request; defaults to applied.apiVersion. */
  readonly apiVersion?: string;
  /**
   * Fields this request never owns or changes (the strategy's reset
   * fields), e.g. [["status"]] for the main resource of a kind with a status
   * subresource; their live values are kept.
   */
  readonly resetFields?: readonly (readonly string[])[];
  /** What "before-first-apply" is computed from (see UpdateManagedFieldsInput.emptyObject). Default {}. */
  readonly emptyObject?: object;
}

export type ApplyResult =
  | { readonly ok: true; readonly object: JsonObject; readonly changed: boolean }
  | { readonly ok: false; readonly reason: "Conflict"; readonly conflicts: readonly ApplyConflict[] }
  | { readonly ok: false; readonly reason: "BadRequest"; readonly message: string };

/**
 * Applies `applied` as `manager`. On success `object` is the new object with
 * metadata.managedFields set, and `changed` is false when nothing but
 * possibly managedFields differs from live. Conflicts: fields other managers
 * own whose value this apply would change; with force they are taken over.
 * An existing object without managedFields first gets a
 * "before-first-apply" Update entry owning everything in it.
 */
export function applyObject(input: ApplyObjectInput): ApplyResult {
  const applied = input.applied as JsonObject;
  if (isObject(applied.metadata) && applied.metadata.managedFields !== undefined && applied.metadata.managedFields !== null) {
    return { ok: false, reason: "BadRequest", message: "metadata.managedFields must be nil" };
  }
  const liveIn = input.live as JsonObject | undefined;
  const live = liveIn ? withoutManagedFields(liveIn) : {};
  let managed: Managed;
  try {
    managed = decodeManagedFields(liveIn && isObject(liveIn.metadata) ? liveIn.metadata.managedFields : undefined);
  } catch (err) {
    return { ok: false, reason: "BadRequest", message: `failed to decode managed fields: ${(err as Error).message}` };
  }
  const apiVersion = input.apiVersion ?? (typeof applied.apiVersion === "string" ? applied.apiVersion : "");
  const sub = input.subresource ? { subresource: input.subresource } : {};
  const ctx: CompareContext = { schema: input.meta, reset: setFromFieldPaths(input.resetFields ?? []) };

  try {
    if (managed.size === 0 && liveIn !== undefined) {
      const emptyObj = cloneJson((input.emptyObject ?? {}) as JsonObject);
      recordUpdate(managed, emptyObj, live, { manager: "before-first-apply", operation: "Update", apiVersion, ...sub }, input.now, ctx);
    }

    const info: ManagerInfo = { manager: input.manager, operation: "Apply", apiVersion, ...sub };
    const key = managerIdentity(info);
    const previous = managed.get(key);
    const configSet = recursiveDifference(toFieldSet(applied, input.meta), ctx.reset);
    managed.set(key, { ...info, ...(previous?.time !== undefined ? { time: previous.time } : {}), set: configSet });

    let next = mergeValues(live, applied, input.meta) as JsonObject;
    if (previous && !isEmptySet(previous.set)) next = prune(next, previous.set, managed, input.meta);
    next = restoreFields(next, live, input.resetFields ?? []);

    const c = compareForOwnership(live, next, ctx);
    const conflicts = releaseFields(managed, c, key);
    if (conflicts.length > 0 && !input.force) return { ok: false, reason: "Conflict", conflicts };
    stripMetaFields(managed, key);

    next = dropNullFields(next) as JsonObject;
    const changed = !jsonEqual(live, next);
    const entry = managed.get(key);
    if (changed && entry) managed.set(key, { ...entry, time: input.now });

    const encoded = encodeManagedFields(managed);
    if (encoded) metadataOf(next).managedFields = encoded;
    return { ok: true, object: next, changed };
  } catch (err) {
    if (err instanceof FieldManagerError) return { ok: false, reason: "BadRequest", message: err.message };
    throw err;
  }
}

/**
 * Removes what the manager applied last time (`lastSet`) and nobody, itself
 * included, owns now. Named fields count as owned when anything below them
 * is; list items only when owned themselves (upstream prune,
 * addBackOwnedItems, addBackDanglingItems).
 */
function prune(merged: JsonObject, lastSet: FieldSet, managed: Managed, schema: FieldManagerSchema): JsonObject {
  const last = ensureNamedFieldsAreMembers(lastSet);
  const owned = ensureNamedFieldsAreMembers(unionAll([...managed.values()].map((e) => e.set)));
  const present = ensureNamedFieldsAreMembers(toFieldSet(merged, schema));
  const toRemove = difference(intersection(present, last), owned);
  return isEmptySet(toRemove) ? merged : (removeItems(merged, toRemove, schema) as JsonObject);
}

/** `next` with the values at `paths` taken from `live` (absent stays absent). */
function restoreFields(next: JsonObject, live: JsonObject, paths: readonly (readonly string[])[]): JsonObject {
  for (const path of paths) {
    if (path.length === 0) continue;
    let src: unknown = live;
    for (const k of path) src = isObject(src) ? src[k] : undefined;
    let dst: JsonObject = next;
    let ok = true;
    for (const k of path.slice(0, -1)) {
      const d = dst[k];
      if (!isObject(d)) {
        if (src === undefined) {
          ok = false;
          break;
        }
        dst[k] = {};
      }
      dst = dst[k] as JsonObject;
    }
    if (!ok) continue;
    const last = path[path.length - 1]!;
    if (src === undefined) delete dst[last];
    else dst[last] = cloneJson(src);
  }
  return next;
}

/**
 * Map entries whose value is null are dropped, as decoding into the typed
 * object does upstream (`replicas: null` applied means "unset").
 */
function dropNullFields(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNullFields);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNullFields(x);
    return out;
  }
  return v;
}
