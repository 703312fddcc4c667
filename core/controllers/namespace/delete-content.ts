/**
 * Deleting everything in a namespace, as upstream's namespacedResourcesDeleter: discover the
 * namespaced resources that support delete, delete pods first (ordered namespace deletion: other
 * content waits until the pods are gone), then every other resource (deletecollection when
 * served, otherwise list and delete each), then list what remains to report counts and finalizers.
 */
import { isNotFound, type ApiClient, type ApiResource, type KubeObject } from "@lite/sdk";
import type { DeletionFindings } from "./conditions.ts";

/** Upstream's default wait when remaining objects carry finalizers. */
export const FINALIZER_ESTIMATE_SECONDS = 15;

export interface ContentDeletionResult extends DeletionFindings {
  /** Seconds until the remaining content is expected to be gone (0: nothing left to wait for). */
  estimateSeconds: number;
  /** True when the namespace is empty (and discovery was complete). */
  empty: boolean;
}

const isPods = (r: ApiResource) => r.group === "" && r.resource === "pods";

/** `gvr.String()` as upstream prints it: "/v1, Resource=pods", "apps/v1, Resource=deployments". */
function gvrString(r: ApiResource): string {
  return `${r.group}/${r.version}, Resource=${r.resource}`;
}

export async function deleteAllContent(client: ApiClient, namespace: string, deletedAtMs: number, nowMs: number, signal: AbortSignal): Promise<ContentDeletionResult> {
  let discovered;
  try {
    discovered = await client.discover({ signal });
  } catch (err) {
    return { discoveryError: err instanceof Error ? err.message : String(err), estimateSeconds: 0, empty: false };
  }
  const deletable = discovered.resources.filter((r) => r.namespaced && r.verbs.includes("delete"));
  const remaining = new Map<string, number>();
  const finalizers = new Map<string, number>();
  const contentErrors: string[] = [];
  let estimate = 0;

  const pass = async (resources: ApiResource[]) => {
    await Promise.all(resources.map(async (r) => {
      try {
        const result = await deleteResource(client, r, namespace, deletedAtMs, nowMs, signal);
        estimate = Math.max(estimate, result.estimate);
        if (result.remaining.length > 0) {
          remaining.set(`${r.resource}.${r.group}`, result.remaining.length);
          for (const item of result.remaining) for (const f of item.metadata.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
        }
      } catch (err) {
        contentErrors.push(err instanceof Error ? err.message : String(err));
      }
    }));
  };

  const pods = deletable.filter(isPods);
  await pass(pods);
  const podsLeft = remaining.size > 0 || contentErrors.length > 0;
  if (!podsLeft) await pass(deletable.filter((r) => !isPods(r)));
  else estimate = Math.max(estimate, 1);
  return {
    discoveryFailures: discovered.failedGroups,
    contentErrors, remaining, finalizers,
    estimateSeconds: estimate,
    empty: !podsLeft && remaining.size === 0 && contentErrors.length === 0 && discovered.failedGroups.size === 0,
  };
}

async function deleteResource(
  client: ApiClient, r: ApiResource, namespace: string, deletedAtMs: number, nowMs: number, signal: AbortSignal,
): Promise<{ estimate: number; remaining: KubeObject[] }> {
  const target = { group: r.group, version: r.version, resource: r.resource, namespace };
  let estimate = 0;
  if (isPods(r)) estimate = await podGraceEstimate(client, target, deletedAtMs, nowMs, signal);
  if (r.verbs.includes("deletecollection")) {
    await client.deleteCollection(target, { propagationPolicy: "Background", signal });
  } else if (r.verbs.includes("list")) {
    const list = await client.list(target, { signal });
    for (const item of list.items) {
      try {
        await client.delete({ ...target, name: item.metadata.name ?? "" }, { propagationPolicy: "Background", signal });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
  if (!r.verbs.includes("list")) return { estimate, remaining: [] };
  const left = (await client.list(target, { signal })).items;
  if (left.length > 0 && estimate === 0) {
    if (left.some((i) => (i.metadata.finalizers ?? []).length > 0)) return { estimate: FINALIZER_ESTIMATE_SECONDS, remaining: left };
    // Objects pending graceful deletion (or just created) without finalizers are unexpected.
    throw new Error(`unexpected items still remain in namespace: ${namespace} for gvr: ${gvrString(r)}`);
  }
  return { estimate, remaining: left };
}

/** The longest termination grace period of non-terminal pods, if the namespace was deleted more recently than that. */
async function podGraceEstimate(client: ApiClient, target: { group: string; version: string; resource: string; namespace: string }, deletedAtMs: number, nowMs: number, signal: AbortSignal): Promise<number> {
  const pods = await client.list<KubeObject & { spec?: { terminationGracePeriodSeconds?: number }; status?: { phase?: string } }>(target, { signal });
  let estimate = 0;
  for (const p of pods.items) {
    const phase = p.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") continue;
    estimate = Math.max(estimate, p.spec?.terminationGracePeriodSeconds ?? 0);
  }
  return nowMs - deletedAtMs >= estimate * 1000 ? 0 : estimate;
}
