/**
 * Discovery as client-go's ServerPreferredResources: the core group's v1 resources plus, for
 * every other group, its preferred version's resources (subresources left out). A group whose
 * resource list fails is reported in `failedGroups` rather than failing the whole discovery.
 */
import type { ApiResource, DiscoveryResult } from "@lite/sdk";

type GetJson = <T>(path: string, signal?: AbortSignal) => Promise<T>;

interface ApiResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}
interface ApiGroupList {
  groups: { name: string; preferredVersion?: { version: string }; versions: { version: string }[] }[];
}

function resourcesOf(list: ApiResourceList, group: string, version: string): ApiResource[] {
  return list.resources
    .filter((r) => !r.name.includes("/"))
    .map((r) => ({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [] }));
}

export async function discover(getJson: GetJson, signal?: AbortSignal): Promise<DiscoveryResult> {
  const resources: ApiResource[] = [];
  const failedGroups = new Map<string, string>();
  const core = await getJson<ApiResourceList>("/api/v1", signal);
  resources.push(...resourcesOf(core, "", "v1"));
  const groups = await getJson<ApiGroupList>("/apis", signal);
  const lists = await Promise.all(groups.groups.map(async (g) => {
    const version = g.preferredVersion?.version ?? g.versions[0]?.version;
    if (!version) return [];
    try {
      return resourcesOf(await getJson<ApiResourceList>(`/apis/${g.name}/${version}`, signal), g.name, version);
    } catch (err) {
      failedGroups.set(`${g.name}/${version}`, err instanceof Error ? err.message : String(err));
      return [];
    }
  }));
  for (const l of lists) resources.push(...l);
  return { resources, failedGroups };
}
