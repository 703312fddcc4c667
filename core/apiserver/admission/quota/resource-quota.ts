/**
 * ResourceQuota admission (upstream plugin/pkg/admission/resourcequota), validating phase: a
 * namespaced create that would take any quota of its namespace past `spec.hard` is refused with
 * upstream's Forbidden message; otherwise the quota's `status.used` is charged at once (CAS on the
 * quota) so concurrent creates cannot overshoot before the controller recounts.
 */
import { apiErrors } from "../../errors/index.ts";
import type { KObject, ResourceDef } from "../../resources/index.ts";
import type { ResourceStore } from "../../storage/resource-store.ts";
import type { AdmissionPlugin } from "../types.ts";
import { formatAmount, parseAmount, usageOf, type Usage } from "./usage.ts";

const list = (entries: [string, string][]) => entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(",");

/**
 * `quotas` is the resourcequotas store; `cachedQuotas(ns)` the watch cache's view (checked first,
 * so namespaces without quotas cost no store read). Charging re-checks against the store.
 */
export function resourceQuotaPlugin(quotas: () => ResourceStore, cachedQuotas: (namespace: string) => readonly KObject[]): AdmissionPlugin {
  return {
    name: "ResourceQuota",
    async validate(attrs) {
      if (attrs.operation !== "CREATE" || attrs.subresource || !attrs.def.namespaced || !attrs.namespace || !attrs.object) return;
      if (cachedQuotas(attrs.namespace).length === 0) return;
      const store = quotas();
      const page = await store.listPage(attrs.namespace, {});
      const requested: Usage = usageOf({ group: attrs.def.group, resource: attrs.def.resource }, attrs.object);
      const relevant = page.kvs.map((kv) => store.decode(kv)).filter((q) => Object.keys(q.spec?.hard ?? {}).some((r) => requested.has(r)));
      for (const q of relevant) check(attrs.def, attrs.name || attrs.object.metadata.generateName || "", q, requested);
      if (attrs.dryRun) return;
      for (const q of relevant) {
        await store.guaranteedUpdate(attrs.namespace, q.metadata.name!, (cur) => {
          if (!cur) return { action: "none" };
          const obj = structuredClone(cur.object);
          check(attrs.def, attrs.name || attrs.object?.metadata.generateName || "", obj, requested);
          const used: Record<string, string> = { ...(obj.status?.used ?? {}) };
          for (const r of Object.keys(obj.spec?.hard ?? {})) {
            const req = requested.get(r);
            if (!req) continue;
            const have = parseAmount(used[r] ?? "0")!;
            used[r] = formatAmount({ milli: have.milli + req.milli, format: have.milli === 0n ? req.format : have.format });
          }
          obj.status = { ...obj.status, used };
          return { action: "update", object: obj };
        });
      }
    },
  };
}

function check(def: ResourceDef, name: string, quota: KObject, requested: Usage): void {
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
