// The 409 an apply conflict produces (upstream managedfields
// internal/conflict.go NewConflictError and api/errors NewApplyConflict).
// Upstream's message names no kind or object, only managers and paths.

import type { ApplyConflict } from "./ownership.ts";
import { managerIdentity } from "./managed-fields.ts";

/** Upstream printManager: `"name"`, plus ` with subresource "s"`, plus ` using v` for Update managers. */
export function describeManager(c: Pick<ApplyConflict, "manager" | "operation" | "apiVersion" | "subresource">): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  if (c.operation === "Update") s += ` using ${c.apiVersion}`;
  return s;
}

/**
 * The Status message: `Apply failed with 1 conflict: conflict with "m" using
 * apps/v1: .spec.replicas`, or for several, grouped by manager:
 * `Apply failed with 2 conflicts: conflicts with "m" using apps/v1:\n- .a\n- .b`.
 */
export function formatConflictMessage(conflicts: readonly ApplyConflict[]): string {
  const first = conflicts[0];
  if (conflicts.length === 1 && first) return `Apply failed with 1 conflict: conflict with ${describeManager(first)}: ${first.field}`;
  const byManager = new Map<string, ApplyConflict[]>();
  for (const c of conflicts) {
    const id = managerIdentity(c);
    byManager.set(id, [...(byManager.get(id) ?? []), c]);
  }
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort()) {
    const group = byManager.get(id)!;
    lines.push(`conflicts with ${describeManager(group[0]!)}:`);
    for (const c of group) lines.push(`- ${c.field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
}

/** details.causes of the Status (StatusCause.Type is serialized as `reason`). */
export function conflictCauses(conflicts: readonly ApplyConflict[]): { reason: "FieldManagerConflict"; message: string; field: string }[] {
  return conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with ${describeManager(c)}`, field: c.field }));
}
