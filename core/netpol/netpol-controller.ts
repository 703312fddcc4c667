/**
 * The network policy controller (K3s' embedded kube-router netpol, in core): level-triggered from
 * Pods, Namespaces and NetworkPolicies. Every sync computes this node's whole policy state from the
 * informer caches (policy-model.ts), renders it (nft-ruleset.ts) and, when the text differs from
 * what was applied last, replaces the table in one `nft -f` transaction. Changes are coalesced: a
 * sync starts at most every `minSyncPeriodMs` (default 250 ms), and every `syncPeriodMs` (30 s)
 * the table is rewritten even when nothing changed (rules removed by hand come back). Nothing is
 * applied before all three informers have synced (a half-filled cache would cut traffic).
 *
 * `stop()` leaves the rules in place (policies stay enforced while lite restarts);
 * `removeNetpolRules()` (apply.ts) removes them for good.
 */
import type { ApiClient, KubeObject, Logger, SharedInformerFactory } from "@lite/sdk";
import { builtinResources } from "@lite/sdk";
import { realClock, type Clock } from "../controllers/runtime/clock.ts";
import { nftExecutor, type NftExecutor } from "../proxy/nft-exec.ts";
import { controllerInformers, startSyncLoop } from "../controllers/runtime/sync-loop.ts";
import { ensureBridgeNetfilter } from "./apply.ts";
import { NETPOL_TABLE, renderNetpolRuleset } from "./nft-ruleset.ts";
import { computeNetpolState, type NpNamespace, type NpPod, type NpPolicy } from "./policy-model.ts";

export const NETWORK_POLICIES = { group: "networking.k8s.io", version: "v1", resource: "networkpolicies" } as const;

export interface NetpolControllerOptions {
  /** The controller's API identity; used to build informers unless `informers` is given. */
  readonly client?: ApiClient;
  readonly informers?: SharedInformerFactory;
  readonly log: Logger;
  readonly nodeName: string;
  readonly minSyncPeriodMs?: number;
  readonly syncPeriodMs?: number;
  /** Runs nft under this prefix (tests: `["ip", "netns", "exec", NS]`). */
  readonly commandPrefix?: readonly string[];
  readonly table?: string;
  readonly clock?: Clock;
  readonly nft?: NftExecutor;
  /** Skip setting the bridge-netfilter sysctls (tests that run outside the node's namespace). */
  readonly bridgeNetfilter?: boolean;
}

export interface NetpolStatus {
  readonly table: string;
  readonly ready: boolean;
  readonly syncs: number;
  /** Transactions applied (syncs whose rules changed, and periodic rewrites). */
  readonly applies: number;
  readonly failures: number;
  readonly policies: number;
  /** This node's pods isolated by at least one policy. */
  readonly isolatedPods: number;
  readonly chains: number;
  readonly rules: number;
  readonly lastSyncTime?: string;
  readonly lastSyncDurationMs?: number;
  readonly lastError?: string;
  readonly lastErrorTime?: string;
}

export interface NetpolController {
  status(): NetpolStatus;
  /** Resolves after the next sync that starts after this call. */
  syncNow(): Promise<void>;
  /** Resolves once the first sync succeeded (false if stopped first). */
  ready(): Promise<boolean>;
  /** Stops watching and syncing; the rules stay. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_MIN_SYNC_MS = 250;
const DEFAULT_SYNC_MS = 30_000;

export function startNetpolController(o: NetpolControllerOptions): NetpolController {
  const clock = o.clock ?? realClock();
  const log = o.log.child({ component: "network-policy" });
  const nft = o.nft ?? nftExecutor(o.commandPrefix);
  const table = o.table ?? NETPOL_TABLE;
  const minSyncMs = o.minSyncPeriodMs ?? DEFAULT_MIN_SYNC_MS;
  const syncMs = o.syncPeriodMs ?? DEFAULT_SYNC_MS;

  const stopping = new AbortController();
  const own = controllerInformers({ informers: o.informers, client: o.client, clock, log }, "startNetpolController");
  const informers = own.informers;
  const pods = informers.informerFor<KubeObject & NpPod>(builtinResources.pods);
  const namespaces = informers.informerFor<KubeObject & NpNamespace>(builtinResources.namespaces);
  const policies = informers.informerFor<KubeObject & NpPolicy>(NETWORK_POLICIES);
  own.start(stopping.signal);

  let status: NetpolStatus = { table, ready: false, syncs: 0, applies: 0, failures: 0, policies: 0, isolatedPods: 0, chains: 0, rules: 0 };
  let applied: string | undefined;
  let bridgeChecked = o.bridgeNetfilter === false;

  const sync = async () => {
    const t0 = performance.now();
    if (!bridgeChecked) {
      bridgeChecked = true;
      const problems = await ensureBridgeNetfilter();
      if (problems.length) log.warn("traffic between pods on the same node bypasses network policies", { problems: problems.join("; ") });
    }
    const state = computeNetpolState(pods.list(), namespaces.list(), policies.list(), { nodeName: o.nodeName });
    const rendered = renderNetpolRuleset(state, { table });
    const changed = rendered.text !== applied;
    if (changed) {
      await nft.apply(rendered.text);
      applied = rendered.text;
    }
    const durationMs = Math.round((performance.now() - t0) * 10) / 10;
    const first = !status.ready;
    status = {
      ...status, ready: true, syncs: status.syncs + 1, applies: status.applies + (changed ? 1 : 0), policies: state.policies,
      isolatedPods: state.pods.length, chains: rendered.chains, rules: rendered.rules,
      lastSyncTime: new Date(clock.now()).toISOString(), lastSyncDurationMs: durationMs,
    };
    if (first) {
      log.info("network policy rules in place", { table, policies: state.policies, isolatedPods: state.pods.length, rules: rendered.rules, durationMs });
      loop.markReady();
    } else if (changed) {
      log.debug("network policy rules updated", { policies: state.policies, isolatedPods: state.pods.length, rules: rendered.rules, durationMs });
    }
  };

  const loop = startSyncLoop({
    clock, signal: stopping.signal, minSyncMs, syncMs,
    sources: [pods, namespaces, policies],
    whenSynced: informers.waitForSync(stopping.signal),
    synced: () => pods.hasSynced() && namespaces.hasSynced() && policies.hasSynced(),
    sync,
    failed(message, retryMs) {
      status = { ...status, failures: status.failures + 1, lastError: message, lastErrorTime: new Date(clock.now()).toISOString() };
      applied = undefined;
      log.error("network policy sync failed; retrying", { error: message, retryMs });
    },
    // The periodic resync rewrites the table even when the rules did not change.
    resync() { applied = undefined; },
  });

  let stopped: Promise<void> | undefined;
  return {
    status: () => status,
    syncNow: loop.syncNow,
    ready: loop.ready,
    stop: () => (stopped ??= (async () => {
      stopping.abort();
      await loop.stop();
      await own.stopped();
    })()),
  };
}
