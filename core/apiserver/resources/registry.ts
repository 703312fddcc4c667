/**
 * The resource registry of one ApiServer: lookup of served resources by group/version/resource,
 * by kind, and the ordered group list that discovery and OpenAPI walk.
 *
 * The built-in catalog is fixed at creation; further resources (custom resources) are added and
 * removed at run time in named sets (`setDynamic(owner, defs)`). Every change bumps `revision`
 * and notifies listeners synchronously, after the new view is in place.
 */
import { GROUP_ORDER } from "./catalog/index.ts";
import type { KObject, ResourceDef } from "./types.ts";

export interface GroupInfo {
  readonly name: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
}

/** What changed: the defs that left and the defs that arrived (a replaced def appears in both). */
export interface RegistryChange {
  readonly removed: readonly ResourceDef[];
  readonly added: readonly ResourceDef[];
}

export interface ResourceRegistry {
  find(group: string, version: string, resource: string): ResourceDef | undefined;
  findByKind(group: string, version: string, kind: string): ResourceDef | undefined;
  /** Resources of one group-version, sorted by name (discovery order). */
  resourcesOf(group: string, version: string): readonly ResourceDef[];
  groups(): readonly GroupInfo[];
  all(): readonly ResourceDef[];
  /** Increases on every change of the served set. */
  readonly revision: number;
  /**
   * Replace the dynamic resources owned by `owner` (e.g. one CRD) with `defs` (empty: remove).
   * Versions of groups made only of dynamic resources are ordered kube-aware (v2 > v1 > v1beta1).
   */
  setDynamic(owner: string, defs: readonly ResourceDef[]): void;
  /** Called after every change; returns an unsubscribe function. */
  onChange(listener: (change: RegistryChange) => void): () => void;
}

interface View {
  byPath: Map<string, ResourceDef>;
  byKind: Map<string, ResourceDef>;
  byGV: Map<string, ResourceDef[]>;
  groups: GroupInfo[];
  all: ResourceDef[];
}

const rank = (g: string) => {
  const i = GROUP_ORDER.indexOf(g);
  return i < 0 ? GROUP_ORDER.length : i;
};

/** Kubernetes version priority (kube-aware sort): GA > beta > alpha, higher numbers first, others last by name. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { kind: 3, major: 0, minor: 0 };
    return { kind: m[2] === "alpha" ? 2 : m[2] === "beta" ? 1 : 0, major: Number(m[1]), minor: Number(m[3] ?? 0) };
  };
  const x = parse(a);
  const y = parse(b);
  if (x.kind !== y.kind) return x.kind - y.kind;
  if (x.kind === 3) return a < b ? -1 : a > b ? 1 : 0;
  return y.major - x.major || y.minor - x.minor;
}

function buildView(defs: readonly ResourceDef[], builtinGroups: ReadonlySet<string>): View {
  const byPath = new Map<string, ResourceDef>();
  const byKind = new Map<string, ResourceDef>();
  const byGV = new Map<string, ResourceDef[]>();
  const versionsByGroup = new Map<string, string[]>();
  for (const d of defs) {
    if (byPath.has(`${d.group}/${d.version}/${d.resource}`)) continue; // built-ins are never shadowed
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
  for (const [group, versions] of versionsByGroup) if (!builtinGroups.has(group)) versions.sort(compareKubeVersions);
  const groups: GroupInfo[] = [...versionsByGroup.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1))
    .map(([name, versions]) => ({ name, versions }));
  return { byPath, byKind, byGV, groups, all: [...defs] };
}

export function createResourceRegistry(builtin: readonly ResourceDef[]): ResourceRegistry {
  const dynamic = new Map<string, readonly ResourceDef[]>();
  const builtinGroups = new Set(builtin.map((d) => d.group));
  const listeners = new Set<(change: RegistryChange) => void>();
  let revision = 0;
  const rebuild = (): View => {
    const defs = [...builtin];
    for (const entry of dynamic.values()) defs.push(...entry);
    return buildView(defs, builtinGroups);
  };
  let view = rebuild();
  return {
    find: (g, v, r) => view.byPath.get(`${g}/${v}/${r}`),
    findByKind: (g, v, k) => view.byKind.get(`${g}/${v}/${k}`),
    resourcesOf: (g, v) => view.byGV.get(`${g}/${v}`) ?? [],
    groups: () => view.groups,
    all: () => view.all,
    get revision() { return revision; },
    setDynamic(owner, defs) {
      const before = dynamic.get(owner) ?? [];
      if (before.length === 0 && defs.length === 0) return;
      if (defs.length === 0) dynamic.delete(owner);
      else dynamic.set(owner, [...defs]);
      view = rebuild();
      revision++;
      const change: RegistryChange = { removed: before, added: [...defs] };
      for (const l of [...listeners]) l(change);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
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
