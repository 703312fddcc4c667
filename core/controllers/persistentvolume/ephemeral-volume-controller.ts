/**
 * Generic ephemeral volumes (upstream pkg/controller/volume/ephemeral): for every volume of a pod
 * that has an `ephemeral.volumeClaimTemplate`, a PersistentVolumeClaim named `<pod>-<volume>` is
 * created from the template (its labels, annotations and spec), owned by the pod (controller,
 * blockOwnerDeletion), so that it is provisioned and bound like any claim and deleted with its pod
 * by the garbage collector. A claim of that name that the pod does not own is left alone: the
 * scheduler and the kubelet refuse it (the SDK's ephemeralClaimError). A failed create is a Warning
 * FailedBinding event on the pod, and is retried.
 */
import { builtinResources, defineController, ephemeralClaimName, isAlreadyExists, type ControllerDefinition, type KubeObject, type Pod } from "@lite/sdk";
import type { PersistentVolumeClaim } from "./types.ts";

const PODS = builtinResources.pods;
const PVCS = builtinResources.persistentVolumeClaims;

interface EphemeralVolume { name: string; ephemeral?: { volumeClaimTemplate?: { metadata?: KubeObject["metadata"]; spec?: Record<string, unknown> } } }
type PodWithVolumes = Pod & { spec: { volumes?: EphemeralVolume[] } };

export function ephemeralVolumeController(): ControllerDefinition {
  return defineController({
    name: "ephemeral-volume",
    workers: 2,
    watches: [
      { target: PODS, events: ["add", "update"] },
      // A claim deleted while its pod still runs is created again, as upstream re-queues the owner.
      {
        target: PVCS, events: ["delete"],
        map: (claim: PersistentVolumeClaim) => (claim.metadata.ownerReferences ?? [])
          .filter((r) => r.kind === "Pod" && r.controller).map((r) => `${claim.metadata.namespace}/${r.name}`),
      },
    ],
    async reconcile(key, ctx) {
      const pod = ctx.informer<PodWithVolumes>(PODS).get(key);
      if (!pod || pod.metadata.deletionTimestamp) return;
      for (const volume of pod.spec.volumes ?? []) {
        const template = volume.ephemeral?.volumeClaimTemplate;
        if (!template) continue;
        const name = ephemeralClaimName(pod.metadata.name!, volume.name);
        if (ctx.informer<PersistentVolumeClaim>(PVCS).get(`${pod.metadata.namespace}/${name}`)) continue;
        const claim = {
          apiVersion: "v1", kind: "PersistentVolumeClaim",
          metadata: {
            name,
            ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: pod.metadata.name!, uid: pod.metadata.uid!, controller: true, blockOwnerDeletion: true }],
            ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
            ...(template.metadata?.labels ? { labels: template.metadata.labels } : {}),
          },
          spec: template.spec ?? {},
        };
        try {
          await ctx.client.create({ ...PVCS, namespace: pod.metadata.namespace }, claim as KubeObject, { signal: ctx.signal });
        } catch (err) {
          if (isAlreadyExists(err)) continue; // the informer has not seen it yet
          ctx.events.event(pod, "Warning", "FailedBinding", `PVC creation failed: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        }
      }
    },
  });
}
