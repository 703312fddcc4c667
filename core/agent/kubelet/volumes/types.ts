/**
 * The slices of v1 Pod JSON the volume manager reads (pod.spec.volumes, containers' volumeMounts,
 * securityContext, resources). Objects are read, never mutated. Public methods accept any
 * KubeObject / `{ name }` container and read these shapes from it.
 */
import type { KubeObject } from "@lite/sdk";

export type Quantity = string | number;
export type ResourceList = Record<string, Quantity>;

export interface KeyToPath { key: string; path: string; mode?: number }

export interface ObjectFieldSelector { apiVersion?: string; fieldPath: string }
export interface ResourceFieldSelector { containerName?: string; resource: string; divisor?: Quantity }
export interface DownwardAPIVolumeFile { path: string; fieldRef?: ObjectFieldSelector; resourceFieldRef?: ResourceFieldSelector; mode?: number }

export interface ConfigMapSource { name?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean }
export interface SecretSource { secretName?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean }
export interface DownwardAPISource { items?: DownwardAPIVolumeFile[]; defaultMode?: number }
export interface ServiceAccountTokenProjection { audience?: string; expirationSeconds?: number; path: string }
export interface VolumeProjection {
  configMap?: Omit<ConfigMapSource, "defaultMode">;
  secret?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  downwardAPI?: { items?: DownwardAPIVolumeFile[] };
  serviceAccountToken?: ServiceAccountTokenProjection;
}
export interface ProjectedSource { sources?: VolumeProjection[]; defaultMode?: number }

export interface PodVolume {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: Quantity };
  hostPath?: { path: string; type?: string };
  configMap?: ConfigMapSource;
  secret?: SecretSource;
  downwardAPI?: DownwardAPISource;
  projected?: ProjectedSource;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  /** A generic ephemeral volume: its claim is `<pod>-<volume>`. */
  ephemeral?: { volumeClaimTemplate?: unknown };
  [source: string]: unknown;
}

export interface VolumeMountSpec {
  name: string;
  mountPath: string;
  subPath?: string;
  subPathExpr?: string;
  readOnly?: boolean;
  mountPropagation?: string;
  recursiveReadOnly?: string;
}

export interface ContainerSpec {
  name: string;
  volumeMounts?: VolumeMountSpec[];
  volumeDevices?: { name: string }[];
  resources?: { limits?: ResourceList; requests?: ResourceList };
  securityContext?: { runAsUser?: number };
  restartPolicy?: string;
}

export interface PodSpecView {
  volumes?: PodVolume[];
  containers?: ContainerSpec[];
  initContainers?: ContainerSpec[];
  ephemeralContainers?: ContainerSpec[];
  serviceAccountName?: string;
  nodeName?: string;
  overhead?: ResourceList;
  securityContext?: { fsGroup?: number; fsGroupChangePolicy?: string; runAsUser?: number };
}

export type PodView = KubeObject & { spec?: PodSpecView };

/** The pod's spec as the volume manager reads it. */
export function podSpec(pod: KubeObject): PodSpecView {
  return ((pod as PodView).spec ?? {}) as PodSpecView;
}

/** Containers of every kind: init (incl. sidecars), regular, ephemeral. */
export function allContainers(pod: KubeObject): ContainerSpec[] {
  const spec = podSpec(pod);
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** One volume as set up on this node, ready for containers to bind-mount. */
export interface MountedVolume {
  readonly name: string;
  /** Upstream plugin name, e.g. `kubernetes.io/configmap`. */
  readonly plugin: string;
  /** Host path containers bind-mount (a directory, or any file type for hostPath). */
  readonly hostPath: string;
  /** The plugin forces read-only mounts (configMap, secret, downwardAPI, projected, read-only claims). */
  readonly readOnly: boolean;
}

/** Volume name -> mounted volume, for one pod. */
export type PodVolumes = ReadonlyMap<string, MountedVolume>;
