/**
 * The resourcequota controller (upstream pkg/controller/resourcequota): keeps every quota's
 * `status.hard` equal to `spec.hard` and `status.used` equal to what its namespace uses of each
 * constrained resource (admission charges new objects at once; this recount also releases what
 * deleted or finished objects held). Keys are namespaces: any change to a quota or to a counted
 * object recounts the quotas of its namespace.
 */
import { builtinResources, defineController, isConflict, isNotFound, type ControllerDefinition, type KubeObject, type ResourceRef } from "@lite/sdk";
import { quotaSelects, scopeRequirements } from "../../apiserver/admission/quota/scopes.ts";
import { addUsage, countedResource, formatAmount, podCountsTowardsQuota, usageOf, type Usage } from "../../apiserver/admission/quota/usage.ts";

type Quota = KubeObject & { spec?: { hard?: Record<string, string> }; status?: { hard?: Record<string, string>; used?: Record<string, string> } };

/** Resources counted from shared informers; other `count/<resource>` names are listed on demand. */
const COUNTED: ResourceRef[] = [
  builtinResources.pods, builtinResources.services, builtinResources.configMaps, builtinResources.secrets,
  builtinResources.persistentVolumeClaims, { group: "", version: "v1", resource: "replicationcontrollers" },
  { group: "", version: "v1", resource: "resourcequotas" },
];
const QUOTAS = COUNTED[6]!;
/**
 * Built-in resources that quotas often count by `count/<resource>.<group>` (upstream replenishes on
 * deletions of every quotable resource, found through discovery): their deletions recount at once.
 * Other counted resources are recounted at the periodic resync.
 */
const REPLENISHED_BY_COUNT: ResourceRef[] = [
  builtinResources.deployments, builtinResources.replicaSets, builtinResources.statefulSets, builtinResources.daemonSets,
  builtinResources.jobs, builtinResources.cronJobs,
];
const byNamespace = (o: KubeObject) => (o.metadata.namespace ? [o.metadata.namespace] : []);

export interface ResourceQuotaControllerOptions {
  /** Full recount period (upstream --resource-quota-sync-period, 5 min). */
  resyncMs?: number;
}

export function resourceQuotaController(options: ResourceQuotaControllerOptions = {}): ControllerDefinition {
  const lastHard = new Map<string, string>();
  return defineController({
    name: "resourcequota",
    workers: 5,
    resyncMs: options.resyncMs ?? 300_000,
    watches: [
      // Quotas: new ones, changed limits, and a status.hard that no longer shows spec.hard (upstream
      // prioritizes those and puts status back at its resync). Other status-only updates, e.g.
      // admission's charges, need no recount.
      { target: QUOTAS, map: (q: Quota) => {
        const key = `${q.metadata.namespace}/${q.metadata.name}`;
        const hard = JSON.stringify(q.spec?.hard ?? {});
        if (lastHard.get(key) === hard && q.status?.hard && sameList(q.status.hard, q.spec?.hard ?? {})) return [];
        lastHard.set(key, hard);
        return byNamespace(q);
      } },
      // Replenishment, as upstream: deletions, and pods that finished. Creations were charged by admission;
      // recounting on them could undercount objects admitted but not yet in the cache.
      ...[...COUNTED.filter((c) => c !== QUOTAS), ...REPLENISHED_BY_COUNT].map((target) => ({ target, map: byNamespace, events: ["delete"] as const })),
      { target: builtinResources.pods, events: ["update"], map: (p: KubeObject) => (podCountsTowardsQuota(p) ? [] : byNamespace(p)) },
    ],
    async reconcile(namespace, ctx) {
      const quotas = ctx.informer<Quota>(QUOTAS).list(namespace);
      if (quotas.length === 0) return;
      const usage: Usage = new Map();
      const wanted = new Set(quotas.flatMap((q) => Object.keys(q.spec?.hard ?? {})));
      for (const ref of COUNTED) {
        for (const obj of ctx.informer(ref).list(namespace)) addUsage(usage, usageOf(ref, obj));
      }
      // Generic object counts of other resources (count/deployments.apps, ...).
      for (const name of wanted) {
        const res = countedResource(name);
        if (!res || COUNTED.some((c) => c.group === res.group && c.resource === res.resource)) continue;
        const found = (await ctx.client.discover({ signal: ctx.signal })).resources.find((r) => r.group === res.group && r.resource === res.resource);
        if (!found) continue;
        const items = (await ctx.client.list({ group: found.group, version: found.version, resource: found.resource, namespace }, { signal: ctx.signal })).items;
        usage.set(name, { milli: BigInt(items.length) * 1000n, format: "DecimalSI" });
      }
      for (const q of quotas) {
        const hard = { ...(q.spec?.hard ?? {}) };
        const used: Record<string, string> = {};
        // A scoped quota counts only the pods its scopes select (scopes.ts).
        const counted = scopeRequirements(q).length === 0 ? usage : scopedUsage(q, ctx.informer(builtinResources.pods).list(namespace));
        for (const r of Object.keys(hard)) used[r] = formatAmount(counted.get(r) ?? { milli: 0n, format: "DecimalSI" });
        if (JSON.stringify(q.status?.hard ?? {}) === JSON.stringify(hard) && JSON.stringify(q.status?.used ?? {}) === JSON.stringify(used)) continue;
        try {
          await ctx.client.updateStatus(QUOTAS, { ...q, status: { hard, used } }, { signal: ctx.signal });
        } catch (err) {
          if (isNotFound(err)) continue;
          if (isConflict(err)) return { requeueAfterMs: 50 };
          throw err;
        }
      }
    },
  });
}

/** Same names with the same amounts (as written; the controller copies spec.hard verbatim). */
function sameList(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function scopedUsage(quota: Quota, pods: readonly KubeObject[]): Usage {
  const usage: Usage = new Map();
  const pod = { group: "", resource: "pods" };
  for (const p of pods) if (quotaSelects(quota, pod, p)) addUsage(usage, usageOf(pod, p));
  return usage;
}
