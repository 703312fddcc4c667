/**
 * The resource registry of one ApiServer: lookup of served resources by group/version/resource,
 * by kind, and the ordered group list that discovery and OpenAPI walk. Immutable after creation.
 */
import { GROUP_ORDER } from "./catalog/index.ts";
import type { KObject, ResourceDef } from "./types.ts";

export interface GroupInfo {
  readonly name: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
}

export interface ResourceRegistry {
  find(group: string, version: string, resource: string): ResourceDef | undefined;
  findByKind(group: string, version: string, kind: string): ResourceDef | undefined;
  /** Resources of one group-version, sorted by name (discovery order). */
  resourcesOf(group: string, version: string): readonly ResourceDef[];
  groups(): readonly GroupInfo[];
  all(): readonly ResourceDef[];
}

export function createResourceRegistry(defs: readonly ResourceDef[]): ResourceRegistry {
  const byPath = new Map<string, ResourceDef>();
  const byKind = new Map<string, ResourceDef>();
  const byGV = new Map<string, ResourceDef[]>();
  const versionsByGroup = new Map<string, string[]>();
  for (const d of defs) {
    byPath.set(`${d.group}/${d.version}/${d.resource}`, d);
    byKind.set(`${d.group}/${d.version}/${d.kind}`, d);
    const gvKey = `${d.group}/${d.version}`;
    if (!byGV.has(gvKey)) byGV.set(gvKey, []);
    byGV.get(gvKey)?.push(d);
    const versions = versionsByGroup.get(d.group) ?? [];
    if (!versions.includes(d.version)) versions.push(d.version);
    versionsByGroup.set(d.group, versions);
  }
  for (const list of byGV.values()) list.sort((a, b) => (a.resource < b.resource ? -1 : 1));
  const rank = (g: string) => {
    const i = GROUP_ORDER.indexOf(g);
    return i < 0 ? GROUP_ORDER.length : i;
  };
  const groups: GroupInfo[] = [...versionsByGroup.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1))
    .map(([name, versions]) => ({ name, versions }));
  return {
    find: (g, v, r) => byPath.get(`${g}/${v}/${r}`),
    findByKind: (g, v, k) => byKind.get(`${g}/${v}/${k}`),
    resourcesOf: (g, v) => byGV.get(`${g}/${v}`) ?? [],
    groups: () => groups,
    all: () => defs,
  };
}

/** Field-selector fields of an object: metadata.name (+namespace when namespaced) plus the kind's own. */
export function selectableFieldsOf(def: ResourceDef, obj: KObject): Record<string, string> {
  const fields: Record<string, string> = { "metadata.name": obj.metadata.name ?? "" };
  if (def.namespaced) fields["metadata.namespace"] = obj.metadata.namespace ?? "";
  return { ...fields, ...(def.strategy.selectableFields?.(obj) ?? {}) };
}

/** The set of field names a field selector may use for this resource. */
export function selectableFieldNames(def: ResourceDef): Set<string> {
  return new Set(Object.keys(selectableFieldsOf(def, { metadata: {} })));
}
