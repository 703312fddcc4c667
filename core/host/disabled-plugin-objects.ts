/**
 * "Disabling a plugin removes what it created": objects an embedded plugin creates carry the label
 * `lite.io/plugin: <id>`; at server start the core deletes every object so labelled for plugins that
 * are disabled (and not replaced by an enabled plugin of the same id), in every served resource that
 * can be listed and deleted. K3s does the same for its packaged manifests (addon ownership).
 */
import type { ApiClient, Logger } from "@lite/sdk";

/** The label naming the plugin that created an object. */
export const PLUGIN_OWNER_LABEL = "lite.io/plugin";

export interface RemovedObject { resource: string; namespace?: string; name: string; plugin: string }

/** Deletes the objects of `pluginIds`; returns what it deleted. Errors on single objects are logged, not thrown. */
export async function removeDisabledPluginObjects(client: ApiClient, pluginIds: readonly string[], log: Logger, signal?: AbortSignal): Promise<RemovedObject[]> {
  if (pluginIds.length === 0) return [];
  const selector = `${PLUGIN_OWNER_LABEL} in (${[...pluginIds].sort().join(",")})`;
  const { resources } = await client.discover({ signal });
  const removed: RemovedObject[] = [];
  for (const r of resources) {
    if (r.resource.includes("/") || !r.verbs.includes("list") || !r.verbs.includes("delete")) continue;
    if (r.group === "" && r.resource === "events") continue;
    let items;
    try {
      items = (await client.list({ group: r.group, version: r.version, resource: r.resource }, { labelSelector: selector, signal })).items;
    } catch (err) {
      log.debug("listing for disabled plugins' objects failed", { resource: r.resource, error: (err as Error).message });
      continue;
    }
    for (const obj of items) {
      const { name = "", namespace } = obj.metadata;
      const plugin = obj.metadata.labels?.[PLUGIN_OWNER_LABEL] ?? "";
      try {
        await client.delete({ group: r.group, version: r.version, resource: r.resource, namespace, name }, { signal });
        removed.push({ resource: r.group ? `${r.resource}.${r.group}` : r.resource, namespace, name, plugin });
        log.info("removed an object of a disabled plugin", { plugin, resource: r.resource, namespace, name });
      } catch (err) {
        log.warn("could not remove an object of a disabled plugin", { plugin, resource: r.resource, namespace, name, error: (err as Error).message });
      }
    }
  }
  return removed;
}
