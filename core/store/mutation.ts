/**
 * The compare-and-swap rules shared by every driver: given the key's latest row (or none) and a
 * requested write, produce the row to append or throw the contract's error. Pure; no I/O.
 */
import type { LogRow } from "./log-row.ts";
import { ConflictError, KeyExistsError, KeyNotFoundError } from "./types.ts";

export type Mutation =
  | { readonly op: "create"; readonly key: string; readonly value: string; readonly lease: number }
  | { readonly op: "update"; readonly key: string; readonly value: string; readonly expected: number; readonly lease: number }
  | { readonly op: "delete"; readonly key: string; readonly expected: number };

/** What a driver must know about a key's newest row (tombstones included) to decide a write. */
export type LatestRow = Pick<LogRow, "revision" | "deleted" | "createRevision" | "lease" | "value">;

/** Decide `m` against `latest` (the key's newest row, if any). `revision` is the new row's. */
export function applyMutation(latest: LatestRow | undefined, m: Mutation, revision: number): LogRow {
  const live = latest !== undefined && !latest.deleted ? latest : undefined;
  const prevRevision = latest?.revision ?? 0;
  switch (m.op) {
    case "create":
      if (live) throw new KeyExistsError(m.key);
      return {
        revision, key: m.key, value: m.value, created: true, deleted: false,
        createRevision: revision, prevRevision, lease: m.lease, oldValue: "",
      };
    case "update":
      if (!live) throw new KeyNotFoundError(m.key);
      if (live.revision !== m.expected) throw new ConflictError(m.key, m.expected, live.revision);
      return {
        revision, key: m.key, value: m.value, created: false, deleted: false,
        createRevision: live.createRevision, prevRevision, lease: m.lease, oldValue: live.value,
      };
    case "delete":
      if (!live) throw new KeyNotFoundError(m.key);
      if (m.expected !== 0 && live.revision !== m.expected) throw new ConflictError(m.key, m.expected, live.revision);
      return {
        revision, key: m.key, value: live.value, created: false, deleted: true,
        createRevision: live.createRevision, prevRevision, lease: live.lease, oldValue: live.value,
      };
  }
}
