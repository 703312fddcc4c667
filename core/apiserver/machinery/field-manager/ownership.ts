// Ownership bookkeeping shared by Update and Apply (upstream merge.Updater
// `update` / `Update`, and managedFieldsUpdater): fields an operation changes
// or adds move to its manager, fields it removes leave every other manager,
// and managers left owning nothing are dropped.

import { intersection, isEmptySet, difference, differenceInPlace, union, setPaths, type FieldSet } from "./field-set.ts";
import { compareValues, excludeFromOwnComparison, type Comparison } from "./compare.ts";
import { managerIdentity, STRIPPED_FIELD_SET, type Managed, type ManagerEntry, type ManagerInfo } from "./managed-fields.ts";
import { pathToString } from "./path-element.ts";
import type { FieldManagerSchema } from "./schema.ts";

/** A field another manager owns with a different value than the apply sets. */
export interface ApplyConflict {
  readonly manager: string;
  readonly operation: "Apply" | "Update";
  readonly apiVersion: string;
  readonly subresource?: string;
  /** Upstream path string, e.g. `.spec.replicas`. */
  readonly field: string;
}

export interface CompareContext {
  readonly schema: FieldManagerSchema;
  /** Paths never owned by anyone for this request (upstream reset fields). */
  readonly reset: FieldSet;
}

/** compareValues minus the reset fields (fresh sets, owned by the caller). */
export function compareForOwnership(before: unknown, after: unknown, ctx: CompareContext): Comparison {
  return excludeFromOwnComparison(compareValues(before, after, ctx.schema), ctx.reset);
}

/**
 * Takes changed (added or modified) and removed fields away from every entry
 * except `skipKey`, dropping entries left empty. Returns the changed fields
 * those entries owned, i.e. the conflicts (sorted by manager identity, then
 * path), for Apply to report or to force.
 */
export function releaseFields(managed: Managed, c: Comparison, skipKey: string | undefined, changed: FieldSet = union(c.modified, c.added)): ApplyConflict[] {
  const conflicts: ApplyConflict[] = [];
  for (const key of [...managed.keys()].sort()) {
    if (key === skipKey) continue;
    const e = managed.get(key)!;
    for (const p of setPaths(intersection(e.set, changed))) conflicts.push(conflictOf(e, pathToString(p)));
    const set = difference(difference(e.set, changed), c.removed);
    if (isEmptySet(set)) managed.delete(key);
    else managed.set(key, { ...e, set });
  }
  return conflicts;
}

function conflictOf(e: ManagerEntry, field: string): ApplyConflict {
  return {
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    ...(e.subresource ? { subresource: e.subresource } : {}),
    field,
  };
}

/**
 * An Update operation from `before` to `after` (objects without
 * managedFields) by `info`: the manager takes what changed, and its entry's
 * time becomes `now` only if it took anything.
 */
export function recordUpdate(managed: Managed, before: unknown, after: unknown, info: ManagerInfo, now: string, ctx: CompareContext): void {
  const c = compareForOwnership(before, after, ctx);
  // Fresh (union copies): c already excludes the reset fields, so no second recursiveDifference.
  const taken = union(c.modified, c.added);
  if (managed.size > 0) releaseFields(managed, c, undefined, taken);
  // Upstream runs the operation as "current-operation", strips metadata from
  // it (stripMetaFields, done here in place on our own copy), then merges it
  // into the real manager's entry.
  differenceInPlace(taken, STRIPPED_FIELD_SET);
  if (isEmptySet(taken)) return;
  const key = managerIdentity(info);
  const prev = managed.get(key);
  managed.set(key, { ...info, time: now, set: prev ? union(prev.set, taken) : taken });
}
