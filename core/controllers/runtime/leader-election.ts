/**
 * Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection package:
 * - acquire: every retryPeriod, take the lease if it is absent, ours, released (no holder) or
 *   not renewed for leaseDuration as observed on our own clock;
 * - lead: `onStartedLeading(signal)`; renew every retryPeriod; if no renewal succeeds within
 *   renewDeadline, leadership is lost: the signal fires and we campaign again;
 * - stop: when `signal` fires, wait for the leader's work to end, then release the lease
 *   (holder cleared, duration 1 s) so a successor takes over at once.
 * Defaults are upstream's: 15 s lease, 10 s renew deadline, 2 s retry.
 */
import { builtinResources, isAlreadyExists, isNotFound, type ApiClient, type KubeObject, type Logger } from "@lite/sdk";
import type { Clock } from "./clock.ts";
import { formatMicroTime } from "../../kube-time.ts";

export interface LeaderElectionOptions {
  client: ApiClient;
  lease: { namespace: string; name: string };
  identity: string;
  clock: Clock;
  log: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Runs while leading; `signal` fires when leadership is lost or the election stops. */
  onStartedLeading(signal: AbortSignal): Promise<void>;
  onNewLeader?(identity: string): void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
type Lease = KubeObject & { spec?: LeaseSpec };

export const LEADER_ELECTION_DEFAULTS = Object.freeze({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });

export async function runLeaderElection(options: LeaderElectionOptions, signal: AbortSignal): Promise<void> {
  const { client, clock, log, identity } = options;
  const leaseDurationMs = options.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs;
  const renewDeadlineMs = options.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs;
  const retryPeriodMs = options.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs;
  const target = { ...builtinResources.leases, namespace: options.lease.namespace, name: options.lease.name };
  let observed: { record: string; at: number; holder: string } | undefined;
  let current: Lease | undefined;

  /** One attempt to take or keep the lease; true when we hold it afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const now = clock.now();
    const ours: LeaseSpec = { holderIdentity: identity, leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000), acquireTime: formatMicroTime(now), renewTime: formatMicroTime(now), leaseTransitions: 0 };
    let lease: Lease;
    try {
      lease = await client.get<Lease>(target, { signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        current = await client.create<Lease>(target, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: target.name, namespace: target.namespace }, spec: ours }, { signal });
        observed = { record: JSON.stringify(current.spec), at: now, holder: identity };
        return true;
      } catch (e) {
        if (isAlreadyExists(e)) return false;
        throw e;
      }
    }
    const spec = lease.spec ?? {};
    const record = JSON.stringify(spec);
    if (!observed || observed.record !== record) {
      observed = { record, at: now, holder: spec.holderIdentity ?? "" };
      if (spec.holderIdentity) options.onNewLeader?.(spec.holderIdentity);
    }
    const holder = spec.holderIdentity ?? "";
    const duration = (spec.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== identity && observed.at + duration > now) return false;
    const next: LeaseSpec = holder === identity
      ? { ...ours, acquireTime: spec.acquireTime ?? ours.acquireTime, leaseTransitions: spec.leaseTransitions ?? 0 }
      : { ...ours, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
    current = await client.update<Lease>(target, { ...lease, spec: next }, { signal });
    observed = { record: JSON.stringify(current.spec), at: now, holder: identity };
    return true;
  };

  const attempt = async (): Promise<boolean> => {
    try {
      return await tryAcquireOrRenew();
    } catch (err) {
      if (!signal.aborted) log.warn("leader election: lease update failed", { lease: `${target.namespace}/${target.name}`, error: err instanceof Error ? err.message : String(err) });
      return false;
    }
  };

  const jittered = () => retryPeriodMs * (1 + 0.2 * Math.random());

  while (!signal.aborted) {
    // Acquire.
    while (!signal.aborted && !(await attempt())) await clock.sleep(jittered(), signal);
    if (signal.aborted) break;
    log.info("leader election: acquired lease", { lease: `${target.namespace}/${target.name}`, identity });
    const leading = new AbortController();
    const stopLeading = () => leading.abort();
    signal.addEventListener("abort", stopLeading, { once: true });
    const work = options.onStartedLeading(leading.signal).catch((err) => log.error("leader work failed", { error: String(err) }));
    // Renew until a renewal misses its deadline or we stop.
    while (!leading.signal.aborted) {
      await clock.sleep(retryPeriodMs, leading.signal);
      if (leading.signal.aborted) break;
      const deadline = clock.now() + renewDeadlineMs;
      let renewed = false;
      while (!leading.signal.aborted && clock.now() < deadline) {
        if ((renewed = await attempt())) break;
        await clock.sleep(retryPeriodMs, leading.signal);
      }
      if (!renewed && !leading.signal.aborted) {
        log.warn("leader election: lost lease", { lease: `${target.namespace}/${target.name}`, identity });
        leading.abort();
      }
    }
    signal.removeEventListener("abort", stopLeading);
    await work;
  }
  await release();

  async function release(): Promise<void> {
    if (!current || current.spec?.holderIdentity !== identity) return;
    const now = clock.now();
    try {
      await client.update<Lease>(target, {
        ...current,
        spec: { leaseDurationSeconds: 1, acquireTime: formatMicroTime(now), renewTime: formatMicroTime(now), leaseTransitions: current.spec?.leaseTransitions ?? 0 },
      });
      log.info("leader election: released lease", { lease: `${target.namespace}/${target.name}` });
    } catch (err) {
      log.debug("leader election: release failed", { error: err instanceof Error ? err.message : String(err) });
    }
  }
}
