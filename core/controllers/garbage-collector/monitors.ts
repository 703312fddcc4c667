/**
 * The garbage collector's view of the cluster: one shared informer ("monitor") per discovered
 * resource that supports list, watch and delete (events excepted, as upstream), each indexed by
 * the uids of its objects' owners. Rediscovery adds monitors for new resources (CRDs); monitors
 * of vanished resources stay until the controller restarts (their informers just stay empty).
 */
import type { ApiClient, ApiResource, Indexers, Informer, KubeObject, SharedInformerFactory } from "@lite/sdk";
import { resourceId } from "@lite/sdk";

/** Index of dependents by owner uid. */
export const OWNER_UID_INDEX = "gc-owner-uid";

const IGNORED = new Set(["events/v1", "events.events.k8s.io/v1"]);

export interface Monitor {
  readonly resource: ApiResource;
  readonly informer: Informer;
}

export interface Monitors {
  /** Adds monitors for resources not yet monitored; returns the new ones. Discovery failures of some groups are tolerated. */
  sync(signal: AbortSignal): Promise<Monitor[]>;
  all(): readonly Monitor[];
  /** The monitored resource serving `kind` in the group of `apiVersion` (any version), if any. */
  forKind(apiVersion: string, kind: string): Monitor | undefined;
  /** The monitor of a resource id (`resourceId(ref)`). */
  byId(id: string): Monitor | undefined;
}

const ownerIndexers: Indexers = { [OWNER_UID_INDEX]: (o: KubeObject) => (o.metadata.ownerReferences ?? []).map((r) => r.uid) };

export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

export function createMonitors(client: ApiClient, informers: SharedInformerFactory): Monitors {
  const byId = new Map<string, Monitor>();
  const byKind = new Map<string, Monitor>();
  return {
    async sync(signal) {
      const found = await client.discover({ signal });
      const added: Monitor[] = [];
      for (const r of found.resources) {
        const id = resourceId(r);
        if (IGNORED.has(id) || byId.has(id)) continue;
        if (!["list", "watch", "delete"].every((v) => r.verbs.includes(v))) continue;
        const m: Monitor = { resource: r, informer: informers.informerFor({ group: r.group, version: r.version, resource: r.resource }, { indexers: ownerIndexers }) };
        byId.set(id, m);
        byKind.set(`${r.group}/${r.kind}`, m);
        added.push(m);
      }
      return added;
    },
    all: () => [...byId.values()],
    forKind: (apiVersion, kind) => byKind.get(`${groupOf(apiVersion)}/${kind}`),
    byId: (id) => byId.get(id),
  };
}
