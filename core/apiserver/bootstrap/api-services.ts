/**
 * APIServices for the group-versions this server serves itself, as kube-apiserver's autoregistration
 * keeps them (kube-aggregator `pkg/controllers/autoregister`, fed by `apiServicesToRegister` and the
 * `crdregistration` controller, 1.32):
 * - built-in group-versions found in upstream's priority table get a Local APIService `<version>.<group>`
 *   (`v1.` for the core API) labelled `kube-aggregator.kubernetes.io/automanaged: onstart`: at every
 *   start it is created if missing and its spec is put back if it was changed; onstart APIServices of
 *   group-versions no longer served are deleted. Group-versions missing from the table get none.
 * - every served version of a CRD gets one labelled `automanaged: "true"` (priorities 1000/100), kept in
 *   step with the CRDs for as long as the server runs: created, its spec put back, deleted with the CRD;
 *   so does every group-version a plugin serves in process (priorities 100/100, as metrics-server's).
 * APIServices without the label are never touched. Writes go through the normal pipeline (defaults,
 * admission, validation), so a created Local APIService carries the `Available`/`Local` condition.
 * Like upstream's local availability controller (`pkg/controllers/status/local`), every APIService
 * without a service, labelled or not, has its `Available` condition kept True with reason Local.
 */
import { ApiError } from "../errors/index.ts";
import type { KObject, ResourceDef, ResourceRegistry } from "../resources/index.ts";
import { AUTOMANAGED_LABEL, localAvailableCondition, setAPIServiceCondition } from "../resources/strategies/apiservice.ts";
import type { ApiContext } from "../rest/context.ts";
import { createObject } from "../rest/write/create.ts";
import { deleteObject } from "../rest/write/delete.ts";
import { stableEqual } from "../rest/write/object-meta.ts";
import { updateObject } from "../rest/write/update.ts";
import { keepInStep } from "./keeper.ts";
import { bootstrapScope } from "./scope.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

export interface APIServicePriority {
  /** spec.groupPriorityMinimum */
  readonly group: number;
  /** spec.versionPriority */
  readonly version: number;
}

/**
 * upstream apiVersionPriorities (cmd/kube-apiserver/app/aggregator.go merged with
 * DefaultGenericAPIServicePriorities): the entries of the GA group-versions, keyed `group/version`.
 */
export const API_VERSION_PRIORITIES: Readonly<Record<string, APIServicePriority>> = Object.freeze({
  "/v1": { group: 18000, version: 1 },
  "apps/v1": { group: 17800, version: 15 },
  "events.k8s.io/v1": { group: 17750, version: 15 },
  "authentication.k8s.io/v1": { group: 17700, version: 15 },
  "authorization.k8s.io/v1": { group: 17600, version: 15 },
  "autoscaling/v1": { group: 17500, version: 15 },
  "autoscaling/v2": { group: 17500, version: 30 },
  "batch/v1": { group: 17400, version: 15 },
  "certificates.k8s.io/v1": { group: 17300, version: 15 },
  "networking.k8s.io/v1": { group: 17200, version: 15 },
  "policy/v1": { group: 17100, version: 15 },
  "rbac.authorization.k8s.io/v1": { group: 17000, version: 15 },
  "storage.k8s.io/v1": { group: 16800, version: 15 },
  "apiextensions.k8s.io/v1": { group: 16700, version: 15 },
  "admissionregistration.k8s.io/v1": { group: 16700, version: 15 },
  "scheduling.k8s.io/v1": { group: 16600, version: 15 },
  "coordination.k8s.io/v1": { group: 16500, version: 15 },
  "node.k8s.io/v1": { group: 16300, version: 15 },
  "discovery.k8s.io/v1": { group: 16200, version: 15 },
  "flowcontrol.apiserver.k8s.io/v1": { group: 16100, version: 21 },
});

/** upstream crdregistration: CRDs sort low, and by kube-like version among themselves. */
export const CRD_API_SERVICE_PRIORITY: APIServicePriority = Object.freeze({ group: 1000, version: 100 });

type Automanaged = "onstart" | "true";

/** The APIService autoregistration wants for one group-version. */
export function apiServiceFor(group: string, version: string, priority: APIServicePriority, managed: Automanaged): KObject {
  return {
    apiVersion: "apiregistration.k8s.io/v1", kind: "APIService",
    metadata: { name: `${version}.${group}`, labels: { [AUTOMANAGED_LABEL]: managed } },
    spec: { ...(group ? { group } : {}), version, groupPriorityMinimum: priority.group, versionPriority: priority.version },
  };
}

/** One onstart APIService per served built-in group-version that upstream's table lists (upstream makeAPIService). */
export function localAPIServices(registry: ResourceRegistry): KObject[] {
  const out: KObject[] = [];
  for (const g of registry.groups()) {
    for (const v of g.versions) {
      const priority = API_VERSION_PRIORITIES[`${g.name}/${v}`];
      if (priority) out.push(apiServiceFor(g.name, v, priority, "onstart"));
    }
  }
  return out;
}

/** One "true" APIService per served version of every CRD (upstream crdregistration handleVersionUpdate). */
export function crdAPIServices(crds: readonly KObject[]): KObject[] {
  const byName = new Map<string, KObject>();
  for (const crd of crds) {
    const group = typeof crd.spec?.group === "string" ? crd.spec.group : "";
    const versions: Json[] = Array.isArray(crd.spec?.versions) ? crd.spec.versions : [];
    if (!group) continue;
    for (const v of versions) {
      if (v?.served !== true || typeof v.name !== "string" || !v.name) continue;
      const svc = apiServiceFor(group, v.name, CRD_API_SERVICE_PRIORITY, "true");
      byName.set(svc.metadata.name ?? "", svc);
    }
  }
  return [...byName.values()];
}

/**
 * Group-versions plugins serve in process (SDK `apiGroups`, e.g. lite's metrics plugin) get a Local
 * APIService labelled `automanaged: "true"` for as long as they are served, so
 * `kubectl get apiservice v1beta1.metrics.k8s.io` answers as on K3s (where metrics-server's own
 * APIService sits, with priorities 100/100). Resources of aggregated servers are not plugin groups.
 */
export function pluginAPIServices(registry: ResourceRegistry): KObject[] {
  const out: KObject[] = [];
  for (const g of registry.groups()) {
    for (const v of g.versions) {
      const defs = registry.resourcesOf(g.name, v);
      if (defs.length === 0 || !defs.every((d) => d.readOnly && !d.aggregated)) continue;
      out.push(apiServiceFor(g.name, v, PLUGIN_API_SERVICE_PRIORITY, "true"));
    }
  }
  return out;
}

/** metrics-server's APIService priorities (its manifests), used for every plugin-served group. */
export const PLUGIN_API_SERVICE_PRIORITY: APIServicePriority = Object.freeze({ group: 100, version: 100 });

/**
 * Registers the APIServices once with start-up semantics, then follows CRDs and APIServices until
 * `ctx.signal` fires. Resolves after the first pass; a pass that fails is logged and retried (the
 * start-up pass too: the server does not fail to start over it).
 */
export async function registerAPIServices(ctx: ApiContext, opts: { retryMs?: number } = {}): Promise<void> {
  const def = ctx.registry.find("apiregistration.k8s.io", "v1", "apiservices");
  const crdDef = ctx.registry.find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
  if (!def) return;
  const apiServices = ctx.watchCache(def);
  const crdCache = crdDef ? ctx.watchCache(crdDef) : undefined;
  await Promise.all([apiServices.ready, crdCache?.ready]);

  const local = localAPIServices(ctx.registry);
  const localNames = new Set(local.map((s) => s.metadata.name ?? ""));
  const desiredNow = (): Map<string, KObject> => {
    const crds = crdCache ? crdCache.snapshot().items.map((i) => i.object) : [];
    const desired = new Map(local.map((s) => [s.metadata.name ?? "", s] as const));
    // A built-in group-version is never taken over by a CRD of the same group-version.
    for (const s of [...crdAPIServices(crds), ...pluginAPIServices(ctx.registry)]) if (!localNames.has(s.metadata.name ?? "")) desired.set(s.metadata.name ?? "", s);
    return desired;
  };

  /**
   * One pass over desired and current APIServices. At start (`initial`) every automanaged APIService
   * is put in step once; afterwards only the "true" ones are (upstream's onstart "once" rule).
   */
  const pass = async (initial: boolean): Promise<void> => {
    const desired = desiredNow();
    const current = new Map(apiServices.snapshot().items.map((i) => [i.object.metadata.name ?? "", i.object] as const));
    for (const [name, want] of desired) {
      const wantManaged = want.metadata.labels?.[AUTOMANAGED_LABEL];
      if (!initial && wantManaged === "onstart") continue;
      const cur = current.get(name);
      if (!cur) { await createAPIService(ctx, def, want); continue; }
      const managed = automanagedOf(cur);
      if (managed === undefined || (!initial && managed !== "true")) continue;
      if (specKey(cur.spec) !== specKey(want.spec)) await updateAPIServiceSpec(ctx, def, name, want.spec);
    }
    for (const [name, cur] of current) {
      const managed = automanagedOf(cur);
      if (!desired.has(name) && (managed === "true" || (initial && managed === "onstart"))) await deleteAPIService(ctx, def, cur);
      else if (cur.spec?.service == null && localStatusOf(cur, ctx.now()) !== undefined) await markLocalAvailable(ctx, def, name);
    }
  };

  // Passes are coalesced and run one at a time: the start-up one, then one after any CRD or APIService change.
  const keeper = await keepInStep(ctx, {
    what: "apiservice autoregistration", caches: crdCache ? [apiServices, crdCache] : [apiServices], pass, retryMs: opts.retryMs,
  });
  // Plugin groups come and go with their plugins.
  const unlisten = ctx.registry.onChange(() => keeper.schedule());
  ctx.signal.addEventListener("abort", unlisten, { once: true });
}

function automanagedOf(obj: KObject): Automanaged | undefined {
  const v = obj.metadata.labels?.[AUTOMANAGED_LABEL];
  return v === "onstart" || v === "true" ? v : undefined;
}

/** The spec as upstream's Go struct compares it (zero values and absent fields alike). */
function specKey(spec: Json | undefined): string {
  const s: Json = spec ?? {};
  const svc: Json | undefined = s.service ?? undefined;
  return JSON.stringify([
    svc ? [svc.namespace ?? "", svc.name ?? "", svc.port ?? 443] : null,
    s.group ?? "", s.version ?? "", s.insecureSkipTLSVerify === true, s.caBundle ?? "",
    s.groupPriorityMinimum ?? 0, s.versionPriority ?? 0,
  ]);
}

/** The status a Local APIService should have, or undefined when it has it (upstream's local availability controller). */
function localStatusOf(obj: KObject, now: Date): Json | undefined {
  const status: Json = structuredClone(obj.status ?? {});
  setAPIServiceCondition(status, localAvailableCondition(now));
  return stableEqual(status, obj.status ?? {}) ? undefined : status;
}

const ignorable = (err: unknown, ...reasons: string[]) => err instanceof ApiError && reasons.includes(err.reason);

async function createAPIService(ctx: ApiContext, def: ResourceDef, obj: KObject): Promise<void> {
  try {
    await createObject(ctx, bootstrapScope(def, "create", "", ""), structuredClone(obj), false);
  } catch (err) {
    if (!ignorable(err, "AlreadyExists")) throw err; // created meanwhile: the next pass looks again
  }
}

async function updateAPIServiceSpec(ctx: ApiContext, def: ResourceDef, name: string, spec: Json): Promise<void> {
  try {
    await updateObject(ctx, bootstrapScope(def, "update", "", name), {
      mode: "main", dryRun: false, allowCreate: false, requireResourceVersion: false,
      incoming: (current) => {
        if (!current || automanagedOf(current) === undefined) return current ?? { metadata: { name } };
        return { ...current, spec: structuredClone(spec) };
      },
    });
  } catch (err) {
    if (!ignorable(err, "NotFound", "Conflict")) throw err;
  }
}

async function markLocalAvailable(ctx: ApiContext, def: ResourceDef, name: string): Promise<void> {
  try {
    await updateObject(ctx, bootstrapScope(def, "update", "", name, "status"), {
      mode: "status", dryRun: false, allowCreate: false, requireResourceVersion: false,
      incoming: (current) => {
        if (!current || current.spec?.service != null) return current ?? { metadata: { name } };
        return { ...current, status: localStatusOf(current, ctx.now()) ?? current.status };
      },
    });
  } catch (err) {
    if (!ignorable(err, "NotFound", "Conflict")) throw err;
  }
}

async function deleteAPIService(ctx: ApiContext, def: ResourceDef, obj: KObject): Promise<void> {
  const name = obj.metadata.name ?? "";
  try {
    await deleteObject(ctx, bootstrapScope(def, "delete", "", name), name, { dryRun: false, preconditions: { uid: obj.metadata.uid } });
  } catch (err) {
    if (!ignorable(err, "NotFound", "Conflict")) throw err;
  }
}
