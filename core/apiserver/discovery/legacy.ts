/** Legacy discovery documents: APIVersions (/api), APIGroupList (/apis), APIGroup, APIResourceList. */
import type { GroupInfo, ResourceDef, ResourceRegistry } from "../resources/index.ts";

export function apiVersions(serverAddress: string): unknown {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function groupEntry(g: GroupInfo): unknown {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

export function apiGroupList(registry: ResourceRegistry): unknown {
  return { kind: "APIGroupList", apiVersion: "v1", groups: registry.groups().filter((g) => g.name !== "").map(groupEntry) };
}

export function apiGroup(registry: ResourceRegistry, group: string): unknown | undefined {
  const g = registry.groups().find((x) => x.name === group && group !== "");
  return g ? { kind: "APIGroup", apiVersion: "v1", ...(groupEntry(g) as object) } : undefined;
}

function resourceEntries(def: ResourceDef): unknown[] {
  const main: Record<string, unknown> = { name: def.resource, singularName: def.singular, namespaced: def.namespaced, kind: def.kind, verbs: [...def.verbs] };
  if (def.shortNames.length) main.shortNames = [...def.shortNames];
  if (def.categories.length) main.categories = [...def.categories];
  const subs = def.subresources.map((s) => {
    const e: Record<string, unknown> = { name: `${def.resource}/${s.name}`, singularName: def.singular, namespaced: def.namespaced };
    if (s.responseKind.group !== def.group || s.responseKind.version !== def.version) {
      e.group = s.responseKind.group;
      e.version = s.responseKind.version;
    }
    e.kind = s.responseKind.kind;
    e.verbs = [...s.verbs];
    return e;
  });
  return [main, ...subs];
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): unknown | undefined {
  const defs = registry.resourcesOf(group, version);
  if (defs.length === 0) return undefined;
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group ? `${group}/${version}` : version, resources: defs.flatMap(resourceEntries) };
}
