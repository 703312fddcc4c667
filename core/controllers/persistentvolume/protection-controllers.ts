/**
 * Storage object in-use protection (upstream pkg/controller/volume/pvcprotection and pvprotection).
 * Upstream's StorageObjectInUseProtection admission plugin adds the finalizers at creation; lite has
 * no such admission plugin, so these controllers add them (as upstream's controllers also do for
 * objects that lack them).
 *
 * - `kubernetes.io/pvc-protection` on every claim; removed from a claim being deleted once no
 *   scheduled pod uses it (a pod with spec.nodeName naming it in a persistentVolumeClaim volume,
 *   whatever its phase, as upstream; an ephemeral volume's claim only while its pod is not shut down).
 * - `kubernetes.io/pv-protection` on every volume; removed from a volume being deleted once it is
 *   not Bound.
 */
import { builtinResources, defineController, ephemeralClaimName, isConflict, isNotFound, type ControllerDefinition, type Pod, type ReconcileContext } from "@lite/sdk";
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, type PersistentVolume, type PersistentVolumeClaim } from "./types.ts";

const PVS = builtinResources.persistentVolumes;
const PVCS = builtinResources.persistentVolumeClaims;
const PODS = builtinResources.pods;
const POD_CLAIMS_INDEX = "pvc-protection-claims";

type PodVolumes = Pod & { spec: { volumes?: { name: string; persistentVolumeClaim?: { claimName: string }; ephemeral?: unknown }[] } };

/** Claims a pod's volumes name (`ns/claim`); an ephemeral volume's claim is `<pod>-<volume>`. */
function podClaims(pod: PodVolumes): string[] {
  const ns = pod.metadata.namespace ?? "";
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(`${ns}/${v.persistentVolumeClaim.claimName}`);
    else if (v.ephemeral) out.push(`${ns}/${ephemeralClaimName(pod.metadata.name!, v.name)}`);
  }
  return out;
}

/** Upstream podIsShutDown: the kubelet is done with it (deleted with grace 0) or it was force-deleted. */
function podIsShutDown(pod: Pod): boolean {
  return !!pod.metadata.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds === 0;
}

function podUsesClaim(pod: PodVolumes, claimName: string): boolean {
  if (!pod.spec?.nodeName) return false; // the kubelet never starts a pod whose claim is being deleted
  for (const v of pod.spec.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName === claimName) return true;
    if (v.ephemeral && ephemeralClaimName(pod.metadata.name!, v.name) === claimName && !podIsShutDown(pod)) return true;
  }
  return false;
}

export function pvcProtectionController(): ControllerDefinition {
  return defineController({
    name: "pvc-protection",
    workers: 2,
    watches: [
      { target: PVCS, events: ["add", "update"] },
      // A pod going away (or shutting down) may free a claim being deleted.
      { target: PODS, indexers: { [POD_CLAIMS_INDEX]: (p: PodVolumes) => podClaims(p) }, map: (p: PodVolumes) => podClaims(p) },
    ],
    async reconcile(key, ctx) {
      const claim = ctx.informer<PersistentVolumeClaim>(PVCS).get(key);
      if (!claim) return;
      const finalizers = claim.metadata.finalizers ?? [];
      const has = finalizers.includes(PVC_PROTECTION_FINALIZER);
      if (!claim.metadata.deletionTimestamp) {
        if (!has) await setFinalizers(ctx, PVCS, claim, [...finalizers, PVC_PROTECTION_FINALIZER]);
        return;
      }
      if (!has) return;
      const pods = ctx.informer<PodVolumes>(PODS).byIndex(POD_CLAIMS_INDEX, key);
      if (pods.some((p) => podUsesClaim(p, claim.metadata.name!))) return;
      // The cache may lag behind a pod just created: ask the API server, as upstream does.
      const live = await ctx.client.list<PodVolumes>({ ...PODS, namespace: claim.metadata.namespace }, { signal: ctx.signal });
      if (live.items.some((p) => podUsesClaim(p, claim.metadata.name!))) return;
      await setFinalizers(ctx, PVCS, claim, finalizers.filter((f) => f !== PVC_PROTECTION_FINALIZER));
    },
  });
}

export function pvProtectionController(): ControllerDefinition {
  return defineController({
    name: "pv-protection",
    workers: 1,
    watches: [{ target: PVS, events: ["add", "update"] }],
    async reconcile(key, ctx) {
      const volume = ctx.informer<PersistentVolume>(PVS).get(key);
      if (!volume) return;
      const finalizers = volume.metadata.finalizers ?? [];
      const has = finalizers.includes(PV_PROTECTION_FINALIZER);
      if (!volume.metadata.deletionTimestamp) {
        if (!has) await setFinalizers(ctx, PVS, volume, [...finalizers, PV_PROTECTION_FINALIZER]);
        return;
      }
      if (!has || volume.status?.phase === "Bound") return;
      await setFinalizers(ctx, PVS, volume, finalizers.filter((f) => f !== PV_PROTECTION_FINALIZER));
    },
  });
}

/** Writes metadata.finalizers with an update conditional on the resourceVersion the decision was made on. */
async function setFinalizers(ctx: ReconcileContext, target: typeof PVS | typeof PVCS, obj: PersistentVolume | PersistentVolumeClaim, finalizers: string[]): Promise<void> {
  const next = structuredClone(obj);
  next.metadata.finalizers = finalizers;
  try {
    await ctx.client.update(target, next, { signal: ctx.signal });
  } catch (err) {
    if (isNotFound(err)) return;
    if (isConflict(err)) return; // the newer version is on its way through the informer and re-queues the key
    throw err;
  }
}
