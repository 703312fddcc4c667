/**
 * Generic ephemeral volumes (upstream k8s.io/component-helpers/storage/ephemeral): the claim a
 * pod's `ephemeral` volume uses is named `<pod>-<volume>` and must be owned (as controller) by the
 * pod. For controllers, schedulers and node agents that follow a pod's volumes to their claims.
 */
import type { KubeObject } from "../client/resource.ts";

/** The PersistentVolumeClaim name of a pod's ephemeral volume (upstream VolumeClaimName). */
export function ephemeralClaimName(podName: string, volumeName: string): string {
  return `${podName}-${volumeName}`;
}

/** Upstream VolumeIsForPod: undefined when `claim` was created for `pod`, else upstream's error text. */
export function ephemeralClaimError(pod: KubeObject, claim: KubeObject): string | undefined {
  const owned = (claim.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === pod.metadata.uid);
  return owned ? undefined : `PVC ${claim.metadata.namespace}/${claim.metadata.name} was not created for pod ${pod.metadata.namespace}/${pod.metadata.name} (pod is not owner)`;
}
