/**
 * Keeps aggregated ClusterRoles' rules equal to the union of the rules of the ClusterRoles their
 * selectors match. Self-contained reconciler over the API server's in-process ClusterRole watch
 * cache (the shared controller machinery in core/controllers was still being written when this was
 * built; it can move onto defineController later): every ClusterRole change schedules one pass
 * (debounced ~10 ms); a pass writes each stale aggregate through the loopback client. Writes
 * trigger further passes, so chains (view -> edit -> admin) settle within a few passes. Conflicts
 * are retried by the next pass.
 */
import type { KObject } from "../../../apiserver/index.ts";
import type { LoopbackClient } from "../loopback/loopback-client.ts";
import type { PolicyStore } from "../rbac/policy-store.ts";
import { aggregatedRules, rulesEqual } from "./aggregate-rules.ts";

export interface AggregationReconciler {
  /** Runs one pass now; resolves with the number of ClusterRoles written. */
  reconcileNow(): Promise<number>;
  /** Runs passes until one writes nothing (at start, so admin/edit/view are filled before serving). */
  settle(maxPasses?: number): Promise<void>;
  stop(): void;
}

export interface AggregationOptions {
  debounceMs?: number;
  onError?: (err: unknown) => void;
  /** Resolves once the ClusterRole cache has seen `revision` (used by `settle`). */
  waitForRevision?: (revision: number) => Promise<unknown>;
}

export function startAggregationReconciler(policy: PolicyStore, client: LoopbackClient, opts: AggregationOptions = {}): AggregationReconciler {
  const debounceMs = opts.debounceMs ?? 10;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let failed = false;
  let stopped = false;
  let lastRevision = 0;

  const pass = async (): Promise<number> => {
    policy.sync();
    const roles: KObject[] = [...policy.clusterRoles.all()].map((e) => e.object);
    let written = 0;
    for (const role of roles) {
      if (!role.aggregationRule) continue;
      const rules = aggregatedRules(role, roles);
      if (rulesEqual(role.rules, rules)) continue;
      try {
        const stored = await client.update(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${encodeURIComponent(role.metadata.name ?? "")}`, { ...structuredClone(role), rules });
        lastRevision = Math.max(lastRevision, Number(stored.metadata.resourceVersion ?? 0));
        written++;
      } catch (err) {
        opts.onError?.(err);
        failed = true; // conflict or transient failure: retry shortly
      }
    }
    return written;
  };

  const run = (): Promise<number> => {
    if (running) { again = true; return running; }
    running = pass().finally(() => {
      running = undefined;
      if (stopped) return;
      if (failed) { failed = false; again = false; schedule(1000); }
      else if (again) { again = false; schedule(); }
    });
    return running;
  };
  const schedule = (delayMs = debounceMs): void => {
    if (stopped || timer) return;
    timer = setTimeout(() => { timer = undefined; void run(); }, delayMs);
  };
  const unsubscribe = policy.onClusterRolesChanged(() => schedule());

  return {
    reconcileNow: run,
    async settle(maxPasses = 10) {
      for (let i = 0; i < maxPasses && !stopped; i++) {
        const written = await run();
        if (written === 0) return;
        await opts.waitForRevision?.(lastRevision);
      }
    },
    stop() {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
    },
  };
}
