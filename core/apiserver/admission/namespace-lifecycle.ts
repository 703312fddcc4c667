/**
 * NamespaceLifecycle admission: no creates in a missing or terminating namespace, and the
 * system namespaces (default, kube-system, kube-public) may not be deleted.
 *
 * As upstream's plugin reads its informer's lister and asks the API only when it must, this one
 * reads the namespace from the watch cache (`cached`) and falls back to the store (`live`) when
 * the cache does not have it (not synced yet, or a namespace created an instant ago) or when a
 * DELETE of that namespace passed through here within the last 30 s while the cache still shows
 * it Active (upstream's forceLiveLookupCache, same TTL).
 */
import { apiErrors, qualifiedResource } from "../errors/index.ts";
import type { KObject } from "../resources/index.ts";
import type { AdmissionPlugin } from "./types.ts";

const IMMORTAL = new Set(["default", "kube-system", "kube-public"]);
/** How long a deleted namespace forces live lookups (upstream forceLiveLookupTTL). */
export const FORCE_LIVE_LOOKUP_MS = 30_000;

export interface NamespaceReader {
  /** The namespace as the watch cache has it; undefined when absent or the cache cannot tell. */
  cached(name: string): KObject | undefined;
  /** The namespace as stored now (undefined when absent). */
  live(name: string): Promise<KObject | undefined>;
}

export function namespaceLifecyclePlugin(namespaces: NamespaceReader, now: () => number = Date.now): AdmissionPlugin {
  /** Namespace name -> until when lookups of it are live. */
  const forceLive = new Map<string, number>();
  const mustLookLive = (name: string): boolean => (forceLive.get(name) ?? 0) > now();
  return {
    name: "NamespaceLifecycle",
    // Upstream runs these checks in the mutating phase, i.e. before object validation.
    async admit(attrs) {
      const { def } = attrs;
      const isNamespace = def.group === "" && def.resource === "namespaces";
      if (attrs.operation === "DELETE" && isNamespace) {
        if (IMMORTAL.has(attrs.name)) throw apiErrors.forbidden({ group: "", resource: "namespaces" }, attrs.name, "this namespace may not be deleted");
        // Bounded by the namespaces deleted within the TTL: expired entries go here.
        for (const [name, until] of forceLive) if (until <= now()) forceLive.delete(name);
        forceLive.set(attrs.name, now() + FORCE_LIVE_LOOKUP_MS);
        return;
      }
      if (attrs.operation !== "CREATE" || !def.namespaced || !attrs.namespace) return;
      let ns = namespaces.cached(attrs.namespace);
      if (!ns || (mustLookLive(attrs.namespace) && isActive(ns))) ns = await namespaces.live(attrs.namespace);
      if (!ns) throw apiErrors.notFound({ group: "", resource: "namespaces" }, attrs.namespace);
      if (!isActive(ns)) {
        throw apiErrors.forbidden({ group: def.group, resource: qualifiedResource({ group: "", resource: def.resource }) }, attrs.name,
          `unable to create new content in namespace ${attrs.namespace} because it is being terminated`);
      }
    },
  };
}

function isActive(ns: KObject): boolean {
  return ns.status?.phase !== "Terminating" && !ns.metadata.deletionTimestamp;
}
