/**
 * Read-only API groups served by plugins (the SDK's `coreServices.apiGroups`): each served
 * group/version becomes a set of dynamic registry entries whose get/list answer from the plugin's
 * handlers (rest/read-only.ts). They show in discovery and OpenAPI like any resource, go through
 * the same authorization, and leave the registry when their owner releases them.
 */
import type { ApiGroupDefinition, ApiGroupResource, ApiGroups, KubeObject } from "@lite/sdk";
import { defineResource } from "../resources/define.ts";
import type { KObject, ResourceDef, ResourceRegistry } from "../resources/index.ts";
import { NAME_COLUMN } from "../table/cells.ts";
import type { TablePrinter } from "../table/types.ts";

export interface PluginApiGroups {
  /** The service one owner (a plugin id) is given. */
  forOwner(owner: string): ApiGroups;
  /** Stops serving everything `owner` serves (when the plugin stops). Idempotent. */
  release(owner: string): void;
}

const GROUP = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const VERSION = /^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/;
const RESOURCE = /^[a-z][a-z0-9]*$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

export function createPluginApiGroups(registry: ResourceRegistry): PluginApiGroups {
  /** owner -> registry keys it holds. */
  const owned = new Map<string, Set<string>>();
  const unserve = (owner: string, key: string) => {
    const keys = owned.get(owner);
    if (!keys?.delete(key)) return;
    registry.setDynamic(key, []);
  };
  return {
    forOwner(owner) {
      return {
        serve(definition) {
          const defs = toResourceDefs(definition);
          const gv = `${definition.group}/${definition.version}`;
          if (registry.resourcesOf(definition.group, definition.version).length > 0) {
            throw new Error(`API group version ${gv} is already served`);
          }
          const key = `plugin:${owner}:${gv}`;
          registry.setDynamic(key, defs);
          let keys = owned.get(owner);
          if (!keys) owned.set(owner, (keys = new Set()));
          keys.add(key);
          return () => unserve(owner, key);
        },
      };
    },
    release(owner) {
      for (const key of [...(owned.get(owner) ?? [])]) unserve(owner, key);
      owned.delete(owner);
    },
  };
}

function toResourceDefs(d: ApiGroupDefinition): ResourceDef[] {
  if (!GROUP.test(d.group ?? "")) throw new TypeError(`API group ${JSON.stringify(d.group)} must be a DNS subdomain with a dot, e.g. "metrics.example.com"`);
  if (!VERSION.test(d.version ?? "")) throw new TypeError(`API version ${JSON.stringify(d.version)} must look like v1, v2beta1 or v1alpha1`);
  if (!Array.isArray(d.resources) || d.resources.length === 0) throw new TypeError(`${d.group}/${d.version}: resources must name at least one resource`);
  const seen = new Set<string>();
  return d.resources.map((r) => {
    if (!RESOURCE.test(r.resource ?? "")) throw new TypeError(`${d.group}/${d.version}: resource ${JSON.stringify(r.resource)} must be a lower-case plural name`);
    if (!KIND.test(r.kind ?? "")) throw new TypeError(`${d.group}/${d.version}: kind ${JSON.stringify(r.kind)} must be a CamelCase name`);
    if (seen.has(r.resource)) throw new TypeError(`${d.group}/${d.version}: resource "${r.resource}" is declared twice`);
    if (typeof r.list !== "function" || typeof r.get !== "function") throw new TypeError(`${d.group}/${d.version}/${r.resource}: list and get must be functions`);
    seen.add(r.resource);
    return defineResource({
      group: d.group, version: d.version, resource: r.resource, kind: r.kind, namespaced: r.namespaced,
      singular: r.singular ?? r.kind.toLowerCase(),
      shortNames: [...(r.shortNames ?? [])],
      verbs: ["get", "list"],
      strategicMergePatch: false,
      topLevelFields: [],
      tablePrinter: r.columns ? printerOf(r) : undefined,
      readOnly: sourceOf(d, r),
    });
  });
}

function sourceOf(d: ApiGroupDefinition, r: ApiGroupResource): NonNullable<ResourceDef["readOnly"]> {
  const apiVersion = `${d.group}/${d.version}`;
  const typed = (o: KubeObject): KObject => ({ ...o, kind: r.kind, apiVersion, metadata: { ...o.metadata } as KObject["metadata"] });
  return {
    async list(request) {
      return (await r.list(request)).map(typed);
    },
    async get(name, request) {
      const o = await r.get(name, request);
      return o ? typed(o) : undefined;
    },
  };
}

function printerOf(r: ApiGroupResource): TablePrinter {
  const columns = r.columns ?? [];
  return {
    columns: [NAME_COLUMN, ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0 }))],
    cells: (obj) => [obj.metadata.name ?? "", ...columns.map((c) => c.cell(obj as KubeObject))],
  };
}
