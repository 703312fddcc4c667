/** The pod tracking finalizer: removed (by JSON patch, only that entry) once a pod's end is recorded. */
import { builtinResources, isInvalid, isNotFound, type ApiClient } from "@lite/sdk";
import type { Pod } from "../workload-pods/types.ts";
import { JOB_TRACKING_FINALIZER } from "./types.ts";

export function hasTrackingFinalizer(pod: Pod): boolean {
  return (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

/** True when the finalizer is gone afterwards (removed now, already gone, or the pod is gone). */
export async function removeTrackingFinalizer(client: ApiClient, pod: Pod, signal?: AbortSignal): Promise<boolean> {
  const i = (pod.metadata.finalizers ?? []).indexOf(JOB_TRACKING_FINALIZER);
  if (i < 0) return true;
  try {
    await client.patch({ ...builtinResources.pods, namespace: pod.metadata.namespace, name: pod.metadata.name ?? "" }, "json", [
      { op: "test", path: `/metadata/finalizers/${i}`, value: JOB_TRACKING_FINALIZER },
      { op: "remove", path: `/metadata/finalizers/${i}` },
    ], { signal });
    return true;
  } catch (err) {
    if (isNotFound(err)) return true;
    // The test failed: the list changed under us; the next pass sees the fresh pod.
    if (isInvalid(err) || (err as { code?: number }).code === 422) return false;
    throw err;
  }
}
