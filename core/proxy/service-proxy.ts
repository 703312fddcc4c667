/**
 * The service proxy (kube-proxy's job, in core): level-triggered from Services and EndpointSlices.
 * Every sync computes the whole desired state from the informer caches and applies it as one
 * nftables transaction (all families in one), so what is in the kernel is always one consistent
 * picture. A sync rewrites only the chains and elements that changed since the last successful one
 * (a partial transaction, as upstream since 1.31); the first sync, the one after a failure and the
 * periodic resync rewrite everything. Changes are coalesced: a sync starts at most every `minSyncPeriodMs` (default 250 ms,
 * so a change is in place well within a second), and a full resync runs every `syncPeriodMs`
 * (default 30 s, upstream's) and at start, once both informers have synced (never from a
 * half-filled cache: until then the rules of the previous run stay in force).
 *
 * `stop()` leaves the rules in place, so Services keep working while lite restarts (as upstream);
 * `removeProxyRules()` (nft-exec.ts) removes them for good.
 */
import { builtinResources, type ApiClient, type KubeObject, type Logger, type SharedInformerFactory } from "@lite/sdk";
import { realClock, type Clock } from "../controllers/runtime/clock.ts";
import { deleteConntrackFlows, staleUdpFlows } from "./conntrack-cleanup.ts";
import { nftExecutor, type NftExecutor } from "./nft-exec.ts";
import { controllerInformers, startSyncLoop } from "../controllers/runtime/sync-loop.ts";
import { renderChainDeletion, renderRuleset, PROXY_TABLE, type RulesetSnapshot } from "./nft-ruleset.ts";
import { computeProxyState, familyOf, type IPFamily, type ProxyEndpointSlice, type ProxyService, type ProxyState } from "./proxy-model.ts";

export interface ServiceProxyOptions {
  /** The proxy's API identity (system:kube-proxy); used to build informers unless `informers` is given. */
  readonly client?: ApiClient;
  /** Started informers to read from (the caller runs them); otherwise the proxy runs its own. */
  readonly informers?: SharedInformerFactory;
  readonly log: Logger;
  readonly nodeName: string;
  /** Addresses that accept NodePort traffic (loopback ones are ignored, as upstream), or "all" local addresses. */
  readonly nodePortAddresses: readonly string[] | "all";
  /** Pod CIDRs (comma-separated lists accepted); their families are the families proxied. */
  readonly clusterCIDRs: readonly string[];
  readonly minSyncPeriodMs?: number;
  readonly syncPeriodMs?: number;
  /** Runs nft and conntrack under this prefix (tests: `["ip", "netns", "exec", NS]`). */
  readonly commandPrefix?: readonly string[];
  readonly table?: string;
  readonly clock?: Clock;
  readonly nft?: NftExecutor;
  /** Skip conntrack clean-up (no conntrack binary). */
  readonly conntrack?: boolean;
}

export interface ServiceProxyStatus {
  readonly table: string;
  readonly families: readonly IPFamily[];
  /** True once both informers synced and the first sync succeeded. */
  readonly ready: boolean;
  readonly syncs: number;
  readonly failures: number;
  readonly lastSyncTime?: string;
  readonly lastSyncDurationMs?: number;
  readonly servicePorts: number;
  readonly endpoints: number;
  readonly rules: number;
  readonly mapElements: number;
  readonly lastError?: string;
  readonly lastErrorTime?: string;
}

export interface ServiceProxy {
  status(): ServiceProxyStatus;
  /** Resolves after the next sync that starts after this call (tests, benchmarks). */
  syncNow(): Promise<void>;
  /** Resolves once the first sync succeeded (false if stopped first). */
  ready(): Promise<boolean>;
  /** Stops watching and syncing; the rules stay. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_MIN_SYNC_MS = 250;
const DEFAULT_SYNC_MS = 30_000;
/** Stale chains are deleted this long after they were flushed (upstream: 1 s). */
const STALE_CHAIN_DELAY_MS = 1000;

interface FamilyBook {
  /** Service/endpoint chains and affinity sets in the kernel; undefined: list them before the next sync. */
  chains?: Set<string>;
  sets?: Set<string>;
  staleSince: Map<string, number>;
  last?: ProxyState;
  /** What the last successful transaction left; undefined: the next one is a full resync. */
  snapshot?: RulesetSnapshot;
}

export function startServiceProxy(o: ServiceProxyOptions): ServiceProxy {
  const clock = o.clock ?? realClock();
  const log = o.log.child({ component: "service-proxy" });
  const nft = o.nft ?? nftExecutor(o.commandPrefix);
  const table = o.table ?? PROXY_TABLE;
  const minSyncMs = o.minSyncPeriodMs ?? DEFAULT_MIN_SYNC_MS;
  const syncMs = o.syncPeriodMs ?? DEFAULT_SYNC_MS;
  const cidrs = o.clusterCIDRs.flatMap((c) => c.split(",")).map((c) => c.trim()).filter(Boolean);
  const families: IPFamily[] = [...new Set(cidrs.map((c) => familyOf(c.split("/")[0]!)))];
  if (!families.length) families.push("IPv4");

  const stopping = new AbortController();
  const own = controllerInformers({ informers: o.informers, client: o.client, clock, log }, "startServiceProxy");
  const informers = own.informers;
  const services = informers.informerFor<KubeObject & ProxyService>(builtinResources.services);
  const slices = informers.informerFor<KubeObject & ProxyEndpointSlice>(builtinResources.endpointSlices);
  own.start(stopping.signal);

  const books = new Map<IPFamily, FamilyBook>(families.map((f) => [f, { staleSince: new Map() }]));
  let status: ServiceProxyStatus = { table, families, ready: false, syncs: 0, failures: 0, servicePorts: 0, endpoints: 0, rules: 0, mapElements: 0 };

  const sync = async () => {
    const t0 = performance.now();
    const now = clock.now();
    const svcList = services.list();
    const sliceList = slices.list();
    // Chains flushed long enough ago go first, in their own transaction (a failure there is harmless).
    for (const [family, book] of books) {
      const due = [...book.staleSince].filter(([, t]) => now - t >= STALE_CHAIN_DELAY_MS).map(([n]) => n);
      if (!due.length || !book.chains) continue;
      try {
        await nft.apply(renderChainDeletion(family, due, table));
        for (const n of due) { book.staleSince.delete(n); book.chains.delete(n); }
      } catch (err) {
        log.debug("could not delete stale chains yet", { family, error: String(err) });
        book.chains = undefined;
      }
    }
    const texts: string[] = [];
    const results = [];
    for (const [family, book] of books) {
      if (!book.chains || !book.sets) {
        const listed = await nft.list(family, table);
        book.chains = new Set(listed.chains);
        book.sets = new Set(listed.sets);
        for (const n of book.staleSince.keys()) if (!book.chains.has(n)) book.staleSince.delete(n);
      }
      const state = computeProxyState(svcList, sliceList, { nodeName: o.nodeName, family, nodePortAddresses: o.nodePortAddresses, clusterCIDRs: cidrs });
      const rendered = renderRuleset(state, { table, existingChains: book.chains, existingSets: book.sets, ...(book.snapshot ? { previous: book.snapshot } : {}) });
      texts.push(rendered.text);
      results.push({ family, book, state, rendered });
    }
    await nft.apply(texts.join(""));
    let servicePorts = 0, endpoints = 0, rules = 0, mapElements = 0;
    const flows = [];
    for (const { book, state, rendered } of results) {
      for (const n of rendered.chains) book.staleSince.delete(n);
      for (const n of rendered.staleChains) if (!book.staleSince.has(n)) book.staleSince.set(n, now);
      book.chains = new Set([...rendered.chains, ...book.staleSince.keys()]);
      book.sets = new Set(rendered.affinitySets);
      book.snapshot = rendered.snapshot;
      if (o.conntrack !== false) flows.push(...staleUdpFlows(book.last, state));
      book.last = state;
      servicePorts += state.servicePorts.length;
      endpoints += state.servicePorts.reduce((n, sp) => n + sp.reachableEndpoints.length, 0);
      rules += rendered.ruleCount;
      mapElements += rendered.elementCount;
    }
    const durationMs = Math.round((performance.now() - t0) * 10) / 10;
    const first = !status.ready;
    status = {
      ...status, ready: true, syncs: status.syncs + 1, lastSyncTime: new Date(now).toISOString(), lastSyncDurationMs: durationMs,
      servicePorts, endpoints, rules, mapElements,
    };
    if (first) {
      log.info("service proxy rules in place", { table, families: families.join(","), servicePorts, endpoints, rules, durationMs });
      loop.markReady();
    } else {
      log.debug("service proxy synced", { servicePorts, endpoints, rules, durationMs });
    }
    if (flows.length) {
      const errors = await deleteConntrackFlows(flows, o.commandPrefix);
      for (const e of errors) log.warn("could not delete stale UDP conntrack entries", { error: e });
    }
    // Anything flushed this time is deleted on a later sync; make sure one comes.
    if ([...books.values()].some((b) => b.staleSince.size)) clock.setTimer(() => request(), STALE_CHAIN_DELAY_MS + 50);
  };

  const loop = startSyncLoop({
    clock, signal: stopping.signal, minSyncMs, syncMs,
    sources: [services, slices],
    // The full resync at start, once both caches are filled, then every syncPeriod.
    whenSynced: informers.waitForSync(stopping.signal),
    synced: () => services.hasSynced() && slices.hasSynced(),
    sync,
    failed(message, retryMs) {
      status = { ...status, failures: status.failures + 1, lastError: message, lastErrorTime: new Date(clock.now()).toISOString() };
      for (const b of books.values()) { b.chains = undefined; b.sets = undefined; b.snapshot = undefined; }
      log.error("service proxy sync failed; retrying", { error: message, retryMs });
    },
    // The periodic resync is a full one: every chain rewritten, every set and map refilled.
    resync() { for (const b of books.values()) b.snapshot = undefined; },
  });
  const request = loop.request;

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
