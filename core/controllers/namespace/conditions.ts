/**
 * The namespace deletion conditions, as upstream's namespaceConditionUpdater: every managed type
 * is present; a failure sets it True with its reason and message, otherwise it is False with the
 * "ok" reason and message. `lastTransitionTime` changes only when the status flips.
 */

export interface NamespaceCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export const CONDITION_TYPES = [
  "NamespaceDeletionDiscoveryFailure",
  "NamespaceDeletionGroupVersionParsingFailure",
  "NamespaceDeletionContentFailure",
  "NamespaceContentRemaining",
  "NamespaceFinalizersRemaining",
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

const OK: Record<ConditionType, { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: { reason: "ResourcesDiscovered", message: "All resources successfully discovered" },
  NamespaceDeletionGroupVersionParsingFailure: { reason: "ParsedGroupVersions", message: "All legacy kube types successfully parsed" },
  NamespaceDeletionContentFailure: { reason: "ContentDeleted", message: "All content successfully deleted, may be waiting on finalization" },
  NamespaceContentRemaining: { reason: "ContentRemoved", message: "All content successfully removed" },
  NamespaceFinalizersRemaining: { reason: "ContentHasNoFinalizers", message: "All content-preserving finalizers finished" },
};

/** What one deletion pass found; empty fields mean "no failure". */
export interface DeletionFindings {
  /** groupVersion -> error, from discovery. */
  discoveryFailures?: ReadonlyMap<string, string>;
  /** A discovery error that is not per-group. */
  discoveryError?: string;
  /** Errors deleting content (one message per failing resource). */
  contentErrors?: readonly string[];
  /** "resource.group" -> number of objects left. */
  remaining?: ReadonlyMap<string, number>;
  /** finalizer -> number of objects that still carry it. */
  finalizers?: ReadonlyMap<string, number>;
}

function failures(f: DeletionFindings): Partial<Record<ConditionType, { reason: string; message: string }>> {
  const out: Partial<Record<ConditionType, { reason: string; message: string }>> = {};
  if (f.discoveryError) out.NamespaceDeletionDiscoveryFailure = { reason: "DiscoveryFailed", message: f.discoveryError };
  else if (f.discoveryFailures && f.discoveryFailures.size > 0) {
    const groups = [...f.discoveryFailures].sort(([a], [b]) => a.localeCompare(b)).map(([gv, err]) => `${gv}: ${err}`);
    out.NamespaceDeletionDiscoveryFailure = {
      reason: "DiscoveryFailed",
      message: `Discovery failed for some groups, ${f.discoveryFailures.size} failing: unable to retrieve the complete list of server APIs: ${groups.join(", ")}`,
    };
  }
  if (f.contentErrors && f.contentErrors.length > 0) {
    const msgs = [...f.contentErrors].sort();
    out.NamespaceDeletionContentFailure = { reason: "ContentDeletionFailed", message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(", ")}` };
  }
  const remaining = [...(f.remaining ?? [])].filter(([, n]) => n > 0).map(([gr, n]) => `${gr} has ${n} resource instances`).sort();
  if (remaining.length) out.NamespaceContentRemaining = { reason: "SomeResourcesRemain", message: `Some resources are remaining: ${remaining.join(", ")}` };
  const fins = [...(f.finalizers ?? [])].filter(([, n]) => n > 0).map(([fin, n]) => `${fin} in ${n} resource instances`).sort();
  if (fins.length) out.NamespaceFinalizersRemaining = { reason: "SomeFinalizersRemain", message: `Some content in the namespace has finalizers remaining: ${fins.join(", ")}` };
  return out;
}

/**
 * The conditions after this pass, starting from `current` (other condition types are kept).
 * Returns undefined when nothing changed.
 */
export function nextConditions(current: readonly NamespaceCondition[], findings: DeletionFindings, now: string): NamespaceCondition[] | undefined {
  const failed = failures(findings);
  const next = current.map((c) => ({ ...c }));
  let changed = false;
  for (const type of CONDITION_TYPES) {
    const want = failed[type] ? { status: "True" as const, ...failed[type]! } : { status: "False" as const, ...OK[type] };
    const old = next.find((c) => c.type === type);
    if (!old) {
      next.push({ type, status: want.status, lastTransitionTime: now, reason: want.reason, message: want.message });
      changed = true;
    } else if (old.status !== want.status || old.reason !== want.reason || old.message !== want.message) {
      if (old.status !== want.status) old.lastTransitionTime = now;
      old.status = want.status;
      old.reason = want.reason;
      old.message = want.message;
      changed = true;
    }
  }
  return changed ? next : undefined;
}
