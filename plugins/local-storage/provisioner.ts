/**
 * The server half's provisioner (the part of sig-storage-lib-external-provisioner and K3s'
 * local-path-provisioner that decides): a claim the PV controller handed to `rancher.io/local-path`
 * (its `volume.kubernetes.io/storage-provisioner` annotation) gets, once the scheduler has chosen a
 * node (`volume.kubernetes.io/selected-node`), a PersistentVolume `pvc-<claim uid>`:
 * hostPath `<path>/pvc-<uid>_<namespace>_<name>` (DirectoryOrCreate), required node affinity
 * `kubernetes.io/hostname` of that node, the requested capacity and access modes, the class's
 * reclaim policy, a claimRef to the claim, and the annotations `pv.kubernetes.io/provisioned-by`
 * and `local.path.provisioner/selected-node`. The PV controller then binds the two.
 *
 * Directories are created and removed by the node half of the volume's node (see node-volumes.ts).
 * The one case handled here: a Released Delete volume whose Node no longer exists has no node half
 * left to clean up, so its PV is deleted here (the directory went with the node).
 */
import { builtinResources, defineController, isAlreadyExists, isNotFound, type ControllerDefinition, type KubeObject, type ReconcileContext } from "@lite/sdk";
import {
  ANN, PROVISIONER, STORAGE_CLASSES, isOurs, volumeDirName, volumeNode, type Claim, type StorageClassObject, type Volume,
} from "./names.ts";

const PVCS = builtinResources.persistentVolumeClaims;
const PVS = builtinResources.persistentVolumes;
const NODES = builtinResources.nodes;
const SUPPORTED_MODES = new Set(["ReadWriteOnce", "ReadWriteOncePod"]);

export interface ProvisionerOptions {
  /** The directory volumes live in on every node. */
  path: string;
  /** Called after each provisioned volume (tests, status). */
  onProvisioned?(volume: Volume): void;
}

export function provisionerController(o: ProvisionerOptions): ControllerDefinition {
  return defineController({
    name: "local-path-provisioner",
    workers: 4,
    resyncMs: 30_000,
    watches: [
      { target: PVCS, map: (c: Claim) => [`claim:${c.metadata.namespace}/${c.metadata.name}`] },
      { target: PVS, map: (v: Volume) => (isOurs(v) ? [`volume:${v.metadata.name}`] : []) },
      { target: STORAGE_CLASSES, map: () => [] },
      { target: NODES, map: () => [], events: ["add"] },
    ],
    async reconcile(key, ctx) {
      const colon = key.indexOf(":");
      const rest = key.slice(colon + 1);
      if (key.startsWith("claim:")) return provision(rest, ctx, o);
      return orphanedVolume(rest, ctx);
    },
  });
}

function claimRefOf(claim: Claim) {
  return { kind: "PersistentVolumeClaim", apiVersion: "v1", namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion };
}

function event(ctx: ReconcileContext, claim: Claim, type: "Normal" | "Warning", reason: string, message: string) {
  ctx.events.event({ ...claim, apiVersion: "v1", kind: "PersistentVolumeClaim" } as KubeObject, type, reason, message);
}

async function provision(key: string, ctx: ReconcileContext, o: ProvisionerOptions): Promise<void> {
  const claim = ctx.informer<Claim>(PVCS).get(key);
  if (!claim || claim.metadata.deletionTimestamp || claim.spec?.volumeName) return;
  const ann = claim.metadata.annotations ?? {};
  if ((ann[ANN.storageProvisioner] ?? ann[ANN.betaStorageProvisioner]) !== PROVISIONER) return;
  const className = claim.spec?.storageClassName ?? "";
  const sc = ctx.informer<StorageClassObject>(STORAGE_CLASSES).get(className);
  if (!sc || sc.provisioner !== PROVISIONER) return;
  const name = `pvc-${claim.metadata.uid}`;
  if (ctx.informer<Volume>(PVS).get(name)) return; // already provisioned; the PV controller binds it
  const nodeName = ann[ANN.selectedNode];
  const fail = (message: string) => event(ctx, claim, "Warning", "ProvisioningFailed", `failed to provision volume with StorageClass ${JSON.stringify(className)}: ${message}`);
  if (!nodeName) {
    // Immediate binding gives no node to put the directory on (local-path-provisioner's own error).
    if (sc.volumeBindingMode !== "WaitForFirstConsumer") fail("configuration error, no node was specified");
    return;
  }
  if (claim.spec?.selector) return fail("claim Selector is not supported");
  const modes = claim.spec?.accessModes ?? [];
  if (modes.some((m) => !SUPPORTED_MODES.has(m))) return fail(`NodePath only supports ReadWriteOnce and ReadWriteOncePod access modes, not ${modes.join(", ")}`);
  if ((claim.spec?.volumeMode ?? "Filesystem") !== "Filesystem") return fail("only volumeMode Filesystem is supported");
  const node = ctx.informer<KubeObject>(NODES).get(nodeName);
  if (!node) return fail(`node ${JSON.stringify(nodeName)} not found`);
  const hostname = node.metadata.labels?.["kubernetes.io/hostname"] ?? nodeName;
  const size = claim.spec?.resources?.requests?.storage;
  if (!size) return fail("claim has no storage request");

  event(ctx, claim, "Normal", "Provisioning", `External provisioner is provisioning volume for claim "${key}"`);
  const path = `${o.path.replace(/\/+$/, "")}/${volumeDirName(claim)}`;
  const volume: Volume = {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, annotations: { [ANN.provisionedBy]: PROVISIONER, [ANN.pvSelectedNode]: nodeName } },
    spec: {
      capacity: { storage: size },
      accessModes: modes.length ? modes : ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? "Delete",
      storageClassName: className,
      volumeMode: "Filesystem",
      hostPath: { path, type: "DirectoryOrCreate" },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [hostname] }] }] } },
      claimRef: claimRefOf(claim),
    },
  };
  try {
    const created = await ctx.client.create<Volume>(PVS, volume, { signal: ctx.signal });
    o.onProvisioned?.(created);
  } catch (err) {
    if (isAlreadyExists(err)) return;
    fail(err instanceof Error ? err.message : String(err));
    throw err;
  }
  event(ctx, claim, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${name}`);
}

/** A Released Delete volume of a node that is gone: nobody is left to remove its directory, so the PV just goes. */
async function orphanedVolume(name: string, ctx: ReconcileContext): Promise<void> {
  const volume = ctx.informer<Volume>(PVS).get(name);
  if (!volume || volume.metadata.deletionTimestamp) return;
  if (volume.status?.phase !== "Released" || volume.spec?.persistentVolumeReclaimPolicy !== "Delete") return;
  const node = volumeNode(volume);
  if (!node || ctx.informer<KubeObject>(NODES).get(node)) return;
  try {
    await ctx.client.delete({ ...PVS, name }, { preconditions: { uid: volume.metadata.uid }, signal: ctx.signal });
    ctx.log.info("deleted a released volume whose node is gone", { volume: name, node });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
