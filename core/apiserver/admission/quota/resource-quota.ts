/**
 * ResourceQuota admission (upstream plugin/pkg/admission/resourcequota), validating phase: a
 * namespaced create that would take any quota of its namespace past `spec.hard` is refused with
 * upstream's Forbidden message; otherwise the quota's `status.used` is charged at once, in
 * per-namespace batches (quota-charger.ts), so concurrent creates cannot overshoot before the
 * controller recounts.
 */
import type { KObject } from "../../resources/index.ts";
import type { ResourceStore } from "../../storage/resource-store.ts";
import type { AdmissionPlugin } from "../types.ts";
import { constrains, QuotaCharger } from "./quota-charger.ts";
import { quotaSelects } from "./scopes.ts";
import { usageOf } from "./usage.ts";

/**
 * `quotas` is the resourcequotas store; `cachedQuotas(ns)` the watch cache's view (checked first,
 * so creates that no quota constrains cost nothing). Charging re-checks against the store.
 */
export function resourceQuotaPlugin(quotas: () => ResourceStore, cachedQuotas: (namespace: string) => readonly KObject[]): AdmissionPlugin {
  const charger = new QuotaCharger(quotas);
  return {
    name: "ResourceQuota",
    async validate(attrs) {
      if (attrs.operation !== "CREATE" || attrs.subresource || !attrs.def.namespaced || !attrs.namespace || !attrs.object) return;
      const cached = cachedQuotas(attrs.namespace);
      if (cached.length === 0) return;
      const requested = usageOf({ group: attrs.def.group, resource: attrs.def.resource }, attrs.object);
      const object = attrs.object;
      if (!cached.some((q) => constrains(q, requested) && quotaSelects(q, attrs.def, object))) return;
      const name = attrs.name || object.metadata.generateName || "";
      await charger.charge(attrs.namespace, { def: attrs.def, name, requested, object, dryRun: attrs.dryRun });
    },
  };
}
