/**
 * VolumeBinding (the part lite needs): every PVC a pod uses must exist (a generic ephemeral
 * volume's `<pod>-<volume>` claim, once the ephemeral volume controller made it, owned by the pod); a bound PVC's PV node
 * affinity must match the node; an unbound claim of an Immediate StorageClass blocks the pod;
 * an unbound WaitForFirstConsumer claim gets the `volume.kubernetes.io/selected-node` annotation
 * in PreBind (the provisioner then creates and binds a volume there), and binding waits for the
 * claim to be bound (up to `bindTimeoutMs`, upstream 600 s).
 */
import {
  Statuses, builtinResources, defineSchedulerPlugin, ephemeralClaimError, ephemeralClaimName, type CycleState, type KubeObject, type NodeSelector, type Pod, type StateData,
} from "@lite/sdk";
import { nodeSelectorTermsMatch } from "../helpers/selectors.ts";
import { NODE_ADD_UPDATE } from "./events.ts";

export const ERR_REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict";
export const ERR_REASON_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims";
export const SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node";

type Claim = KubeObject & { spec?: { volumeName?: string; storageClassName?: string }; status?: { phase?: string } };
type Volume = KubeObject & { spec?: { nodeAffinity?: { required?: NodeSelector } } };
type StorageClass = KubeObject & { volumeBindingMode?: string };

class VolumeState implements StateData {
  constructor(readonly boundPVs: Volume[], readonly delayed: Claim[]) {}
  clone() { return this; }
}
const KEY = "PreFilterVolumeBinding";

export const volumeBindingPlugin = defineSchedulerPlugin<{ bindTimeoutMs?: number }>({
  name: "VolumeBinding",
  create: (handle, args) => {
    const claims = handle.informers.informerFor<Claim>(builtinResources.persistentVolumeClaims);
    const volumes = handle.informers.informerFor<Volume>(builtinResources.persistentVolumes);
    const classes = handle.informers.informerFor<StorageClass>({ group: "storage.k8s.io", version: "v1", resource: "storageclasses" });
    const bindTimeoutMs = args?.bindTimeoutMs ?? 600_000;
    return {
      name: "VolumeBinding",
      events: [
        { resource: "PersistentVolumeClaim", actions: ["Add", "Update"] }, { resource: "PersistentVolume", actions: ["Add", "Update"] },
        { resource: "StorageClass", actions: ["Add", "Update"] }, NODE_ADD_UPDATE,
      ],
      preFilter(state: CycleState, pod: Pod) {
        // A generic ephemeral volume's claim is `<pod>-<volume>`, made by the ephemeral volume controller.
        const refs = (pod.spec.volumes ?? []).flatMap((v) => v.persistentVolumeClaim?.claimName ? [{ name: v.persistentVolumeClaim.claimName, ephemeral: false }]
          : (v as { ephemeral?: unknown }).ephemeral ? [{ name: ephemeralClaimName(pod.metadata.name!, v.name), ephemeral: true }] : []);
        if (!refs.length) return { status: Statuses.skip() };
        const bound: Volume[] = [], delayed: Claim[] = [];
        for (const { name, ephemeral } of refs) {
          const claim = claims.get(pod.metadata.namespace!, name);
          if (!claim && ephemeral) return { status: Statuses.unresolvable(`waiting for ephemeral volume controller to create the persistentvolumeclaim "${name}"`) };
          if (!claim) return { status: Statuses.unresolvable(`persistentvolumeclaim "${name}" not found`) };
          const notForPod = ephemeral ? ephemeralClaimError(pod, claim) : undefined;
          if (notForPod) return { status: Statuses.unresolvable(notForPod) };
          if (claim.metadata.deletionTimestamp) return { status: Statuses.unresolvable(`persistentvolumeclaim "${name}" is being deleted`) };
          if (claim.spec?.volumeName) {
            const pv = volumes.get(claim.spec.volumeName);
            if (pv) bound.push(pv);
            continue;
          }
          const sc = claim.spec?.storageClassName ? classes.get(claim.spec.storageClassName) : undefined;
          if (sc?.volumeBindingMode === "WaitForFirstConsumer") delayed.push(claim);
          else return { status: Statuses.unresolvable(ERR_REASON_UNBOUND_IMMEDIATE) };
        }
        state.write(KEY, new VolumeState(bound, delayed));
        return { status: Statuses.success() };
      },
      filter(state, _pod, ni) {
        const s = state.read<VolumeState>(KEY);
        if (!s) return Statuses.success();
        for (const pv of s.boundPVs) {
          const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
          if (terms && !nodeSelectorTermsMatch(terms, ni.node)) return Statuses.unresolvable(ERR_REASON_NODE_CONFLICT);
        }
        return Statuses.success();
      },
      async preBind(state, pod, nodeName) {
        const s = state.read<VolumeState>(KEY);
        if (!s?.delayed.length) return Statuses.skip();
        for (const claim of s.delayed) {
          if (claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION] === nodeName) continue;
          await handle.client.patch({ ...builtinResources.persistentVolumeClaims, namespace: claim.metadata.namespace, name: claim.metadata.name! }, "merge",
            { metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: nodeName } } });
        }
        const deadline = Date.now() + bindTimeoutMs;
        for (;;) {
          const pending = s.delayed.filter((c) => !claims.get(c.metadata.namespace!, c.metadata.name!)?.spec?.volumeName);
          if (!pending.length) return Statuses.success();
          if (handle.signal.aborted) return Statuses.error("scheduler stopping");
          if (Date.now() > deadline) return Statuses.error(`binding volumes: context deadline exceeded (pod ${pod.metadata.namespace}/${pod.metadata.name})`);
          await Bun.sleep(100);
        }
      },
    };
  },
});
