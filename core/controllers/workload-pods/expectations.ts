/**
 * Expectations (upstream ControllerExpectations, by name): after creating or deleting pods, a
 * controller waits until its informer has observed those writes before it counts pods again, so a
 * stale cache never makes it create or delete twice. Entries expire after `ttlMs` (upstream 5 min)
 * in case an event is never seen (e.g. a pod created and deleted before the watch delivered it).
 */
import type { KubeObject } from "@lite/sdk";

export interface Expectations {
  expectCreated(key: string, name: string): void;
  expectDeleted(key: string, name: string): void;
  /** True when every pending creation is in the cache and every pending deletion is gone or deleting. */
  satisfied(key: string, lookup: (name: string) => KubeObject | undefined): boolean;
  forget(key: string): void;
}

export function createExpectations(now: () => number, ttlMs = 5 * 60_000): Expectations {
  const pending = new Map<string, Map<string, { op: "create" | "delete"; at: number }>>();
  const add = (key: string, name: string, op: "create" | "delete") => {
    let m = pending.get(key);
    if (!m) pending.set(key, (m = new Map()));
    m.set(name, { op, at: now() });
  };
  return {
    expectCreated: (key, name) => add(key, name, "create"),
    expectDeleted: (key, name) => add(key, name, "delete"),
    satisfied(key, lookup) {
      const m = pending.get(key);
      if (!m) return true;
      for (const [name, e] of m) {
        const obj = lookup(name);
        const observed = e.op === "create" ? obj !== undefined : obj === undefined || !!obj.metadata.deletionTimestamp;
        if (observed || now() - e.at > ttlMs) m.delete(name);
      }
      if (m.size === 0) pending.delete(key);
      return m.size === 0;
    },
    forget: (key) => { pending.delete(key); },
  };
}
