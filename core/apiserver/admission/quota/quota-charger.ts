/**
 * Charging creates to a namespace's ResourceQuotas (upstream plugin/pkg/admission/resourcequota's
 * quotaEvaluator): admissions for one namespace are queued and settled in batches, one batch at a
 * time. A batch reads the namespace's quotas once, checks each request in arrival order against
 * the usage the requests before it added, and writes each changed quota once (CAS). So concurrent
 * creates in one namespace neither overshoot `spec.hard` nor fight each other over the quota's
 * revision; only a foreign write (the resourcequota controller's recount, another server)
 * conflicts, and then the batch is re-checked against the fresh quotas whose writes failed, at
 * most `retries` times, before the waiting requests get the Conflict.
 *
 * A request refused by a quota in any pass stays refused and charges nothing more. A request whose
 * charge was written but whose create then fails stays charged until the controller recounts, as
 * upstream.
 */
import { ApiError, apiErrors } from "../../errors/index.ts";
import type { KObject, ResourceDef } from "../../resources/index.ts";
import type { ResourceStore } from "../../storage/resource-store.ts";
import { quotaSelects } from "./scopes.ts";
import { formatAmount, parseAmount, type Usage } from "./usage.ts";

export interface ChargeRequest {
  readonly def: ResourceDef;
  /** The object's name (or generateName) for messages. */
  readonly name: string;
  readonly requested: Usage;
  /** The object being created (quota scopes look at it). */
  readonly object: KObject;
  /** Checked but not charged. */
  readonly dryRun: boolean;
}

interface Waiter extends ChargeRequest {
  /** The refusal, once a quota refused this request. */
  refusal?: Error;
  resolve(): void;
  reject(err: Error): void;
}

interface StoredQuota {
  object: KObject;
  readonly modRevision: number;
  changed: boolean;
}

export class QuotaCharger {
  private readonly queues = new Map<string, Waiter[]>();

  constructor(private readonly quotas: () => ResourceStore, private readonly retries = 3) {}

  /** Resolves once `request` is within every quota of `namespace` and charged to them; rejects with the refusal. */
  charge(namespace: string, request: ChargeRequest): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { ...request, resolve, reject };
      const queue = this.queues.get(namespace);
      if (queue) {
        queue.push(waiter);
        return;
      }
      const fresh = [waiter];
      this.queues.set(namespace, fresh);
      void this.drain(namespace, fresh);
    });
  }

  /** Settles batches until nobody waits; requests arriving meanwhile form the next batch. */
  private async drain(namespace: string, queue: Waiter[]): Promise<void> {
    // Requests admitted in this same turn join the first batch.
    await Promise.resolve();
    while (queue.length > 0) {
      const batch = queue.splice(0);
      try {
        await this.settle(namespace, batch);
      } catch (err) {
        for (const w of batch) w.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    this.queues.delete(namespace);
  }

  private async settle(namespace: string, batch: Waiter[]): Promise<void> {
    const store = this.quotas();
    const page = await store.listPage(namespace, {});
    let quotas: StoredQuota[] = page.kvs.map((kv) => ({ object: store.decode(kv), modRevision: kv.modRevision, changed: false }));
    for (let pass = 0; ; pass++) {
      for (const w of batch) {
        if (w.refusal) continue;
        const relevant = quotas.filter((q) => constrains(q.object, w.requested) && quotaSelects(q.object, w.def, w.object));
        try {
          for (const q of relevant) check(w, q.object);
        } catch (err) {
          w.refusal = err as Error;
          continue;
        }
        if (w.dryRun) continue;
        for (const q of relevant) {
          q.object = charged(q.object, w.requested);
          q.changed = true;
        }
      }
      const failed: string[] = [];
      let conflict: Error | undefined;
      for (const q of quotas) {
        if (!q.changed) continue;
        try {
          await store.update(q.object, q.modRevision);
        } catch (err) {
          // Lost to a foreign write (409) or deleted meanwhile (404, then simply gone on re-read).
          if (!(err instanceof ApiError) || (err.code !== 409 && err.code !== 404)) throw err;
          failed.push(q.object.metadata.name!);
          conflict = err;
        }
      }
      if (!conflict) break;
      if (pass >= this.retries) {
        for (const w of batch) w.refusal ??= conflict;
        break;
      }
      // Re-check against the fresh revisions of the quotas whose writes lost.
      const fresh = await store.listPage(namespace, {});
      quotas = fresh.kvs.filter((kv) => failed.includes(store.decode(kv).metadata.name!))
        .map((kv) => ({ object: store.decode(kv), modRevision: kv.modRevision, changed: false }));
    }
    for (const w of batch) {
      if (w.refusal) w.reject(w.refusal);
      else w.resolve();
    }
  }
}

/** Whether `quota` limits any resource the request uses. */
export function constrains(quota: KObject, requested: Usage): boolean {
  return Object.keys(quota.spec?.hard ?? {}).some((r) => requested.has(r));
}

const list = (entries: [string, string][]) => entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(",");

/** Throws upstream's Forbidden when `quota` has no usage yet for a constrained resource or the request would exceed it. */
export function check(request: Pick<ChargeRequest, "def" | "name" | "requested">, quota: KObject): void {
  const { def, name, requested } = request;
  const hard: Record<string, string> = quota.spec?.hard ?? {};
  const statusHard: Record<string, string> = quota.status?.hard ?? {};
  const used: Record<string, string> = quota.status?.used ?? {};
  const constrained = Object.keys(hard).filter((r) => requested.has(r));
  const unknown = constrained.filter((r) => statusHard[r] === undefined || used[r] === undefined);
  const gr = { group: def.group, resource: def.resource };
  if (unknown.length) throw apiErrors.forbidden(gr, name, `status unknown for quota: ${quota.metadata.name}, resources: ${unknown.sort().join(",")}`);
  const over: [string, string][] = [];
  const overUsed: [string, string][] = [];
  const overHard: [string, string][] = [];
  for (const r of constrained) {
    const req = requested.get(r)!;
    const limit = parseAmount(hard[r]);
    const have = parseAmount(used[r]) ?? { milli: 0n, format: req.format };
    if (!limit) continue;
    if (have.milli + req.milli > limit.milli) {
      over.push([r, formatAmount(req)]);
      overUsed.push([r, formatAmount(have)]);
      overHard.push([r, formatAmount(limit)]);
    }
  }
  if (over.length) {
    throw apiErrors.forbidden(gr, name, `exceeded quota: ${quota.metadata.name}, requested: ${list(over)}, used: ${list(overUsed)}, limited: ${list(overHard)}`);
  }
}

/** A copy of `quota` with the request added to `status.used` for each resource it limits. */
function charged(quota: KObject, requested: Usage): KObject {
  const used: Record<string, string> = { ...(quota.status?.used ?? {}) };
  for (const r of Object.keys(quota.spec?.hard ?? {})) {
    const req = requested.get(r);
    if (!req) continue;
    const have = parseAmount(used[r] ?? "0")!;
    used[r] = formatAmount({ milli: have.milli + req.milli, format: have.milli === 0n ? req.format : have.format });
  }
  return { ...quota, status: { ...quota.status, used } };
}
