/** Names shared by both halves: what K3s' local-path provisioner calls things, so its manifests and tools work unchanged. */
import type { KubeObject } from "@lite/sdk";

export const PROVISIONER = "rancher.io/local-path";
export const STORAGE_CLASS = "local-path";
/** Marks objects this plugin created; `--disable=local-storage` makes lite delete them. */
export const PLUGIN_LABEL = "lite.io/plugin";
export const PLUGIN_ID = "local-storage";

export const ANN = {
  provisionedBy: "pv.kubernetes.io/provisioned-by",
  storageProvisioner: "volume.kubernetes.io/storage-provisioner",
  betaStorageProvisioner: "volume.beta.kubernetes.io/storage-provisioner",
  selectedNode: "volume.kubernetes.io/selected-node",
  /** On the PV: the node its directory lives on (local-path-provisioner's own annotation). */
  pvSelectedNode: "local.path.provisioner/selected-node",
  isDefaultClass: "storageclass.kubernetes.io/is-default-class",
} as const;

export const STORAGE_CLASSES = { group: "storage.k8s.io", version: "v1", resource: "storageclasses" } as const;

export interface Claim extends KubeObject {
  spec?: {
    accessModes?: string[];
    resources?: { requests?: Record<string, string> };
    storageClassName?: string | null;
    volumeName?: string;
    volumeMode?: string;
    selector?: unknown;
  };
}

export interface Volume extends KubeObject {
  spec?: {
    capacity?: Record<string, string>;
    hostPath?: { path: string; type?: string };
    local?: { path: string };
    claimRef?: { namespace?: string; name?: string; uid?: string };
    persistentVolumeReclaimPolicy?: string;
    storageClassName?: string;
    [k: string]: unknown;
  };
  status?: { phase?: string };
}

export interface StorageClassObject extends KubeObject {
  provisioner: string;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
}

/** The directory of a claim's volume, named as local-path-provisioner names it: `pvc-<uid>_<namespace>_<name>`. */
export function volumeDirName(claim: Claim): string {
  return `pvc-${claim.metadata.uid}_${claim.metadata.namespace}_${claim.metadata.name}`;
}

/** True for a PV this provisioner made. */
export function isOurs(volume: Volume): boolean {
  return volume.metadata.annotations?.[ANN.provisionedBy] === PROVISIONER;
}

/** The node a volume of ours lives on. */
export function volumeNode(volume: Volume): string | undefined {
  return volume.metadata.annotations?.[ANN.pvSelectedNode];
}

export function volumePath(volume: Volume): string | undefined {
  return volume.spec?.hostPath?.path ?? volume.spec?.local?.path;
}
