/**
 * Aggregated discovery (apidiscovery.k8s.io/v2, and v2beta1 with the same fields). The response
 * Content-Type must echo the negotiated `g`/`v`/`as` parameters or kubectl ignores the body.
 */
import { parseAccept } from "../request/negotiation.ts";
import type { ResourceDef, ResourceRegistry } from "../resources/index.ts";

/** The aggregated version the client accepts first, if any ("v2" or "v2beta1"). */
export function wantsAggregated(acceptHeader: string | null): "v2" | "v2beta1" | undefined {
  for (const m of parseAccept(acceptHeader)) {
    if (m.type !== "application/json") continue;
    if (m.params.g === "apidiscovery.k8s.io" && m.params.as === "APIGroupDiscoveryList" && (m.params.v === "v2" || m.params.v === "v2beta1")) return m.params.v;
    if (!m.params.as) return undefined;
  }
  return undefined;
}

export function aggregatedContentType(version: "v2" | "v2beta1"): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

function resourceEntry(def: ResourceDef): unknown {
  const e: Record<string, unknown> = {
    resource: def.resource,
    responseKind: { group: def.group, version: def.version, kind: def.kind },
    scope: def.namespaced ? "Namespaced" : "Cluster",
    singularResource: def.singular,
    verbs: [...def.verbs],
  };
  if (def.shortNames.length) e.shortNames = [...def.shortNames];
  if (def.categories.length) e.categories = [...def.categories];
  if (def.subresources.length) {
    e.subresources = def.subresources.map((s) => ({ subresource: s.name, responseKind: { ...s.responseKind }, verbs: [...s.verbs] }));
  }
  return e;
}

/** `/api` (legacy: only the "" group) or `/apis` (every other group). */
export function aggregatedDiscovery(registry: ResourceRegistry, legacy: boolean, version: "v2" | "v2beta1"): unknown {
  const groups = registry.groups().filter((g) => (legacy ? g.name === "" : g.name !== ""));
  return {
    kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({ version: v, resources: registry.resourcesOf(g.name, v).map(resourceEntry), freshness: "Current" })),
    })),
  };
}
