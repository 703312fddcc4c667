/**
 * The slices of core/v1 objects that spec translation reads, as JSON shapes. Objects come from the
 * API server already validated and defaulted; they may be frozen informer objects: never mutate.
 * The kubelet's own `Pod` (../pod-types.ts) is assignable to these.
 */
import type { KubeObject } from "@lite/sdk";

export interface ResourceList { [name: string]: string | number }
export interface ResourceRequirements { requests?: ResourceList; limits?: ResourceList }

export interface ObjectFieldSelector { apiVersion?: string; fieldPath: string }
export interface ResourceFieldSelector { containerName?: string; resource: string; divisor?: string | number }
export interface KeySelector { name: string; key: string; optional?: boolean }

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: ObjectFieldSelector;
    resourceFieldRef?: ResourceFieldSelector;
    configMapKeyRef?: KeySelector;
    secretKeyRef?: KeySelector;
  };
}
export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export interface ContainerPort { name?: string; hostPort?: number; containerPort: number; protocol?: string; hostIP?: string }

export interface SeccompProfile { type: "RuntimeDefault" | "Unconfined" | "Localhost"; localhostProfile?: string }

export interface SecurityContext {
  capabilities?: { add?: string[]; drop?: string[] };
  privileged?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  procMount?: "Default" | "Unmasked";
  seccompProfile?: SeccompProfile;
}

export interface PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  supplementalGroups?: number[];
  fsGroup?: number;
  sysctls?: { name: string; value: string }[];
  seccompProfile?: SeccompProfile;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  ports?: ContainerPort[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  resources?: ResourceRequirements;
  volumeMounts?: { name: string; mountPath: string }[];
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  lifecycle?: { postStart?: unknown; preStop?: unknown };
  securityContext?: SecurityContext;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  /** "Always" on an init container makes it a sidecar. */
  restartPolicy?: string;
}

export interface HostAlias { ip: string; hostnames?: string[] }
export interface PodDNSConfig { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] }

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  nodeName?: string;
  serviceAccountName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  shareProcessNamespace?: boolean;
  hostname?: string;
  subdomain?: string;
  setHostnameAsFQDN?: boolean;
  hostAliases?: HostAlias[];
  dnsPolicy?: "ClusterFirst" | "ClusterFirstWithHostNet" | "Default" | "None";
  dnsConfig?: PodDNSConfig;
  enableServiceLinks?: boolean;
  securityContext?: PodSecurityContext;
  terminationGracePeriodSeconds?: number;
  priority?: number;
  priorityClassName?: string;
}

export interface Pod extends KubeObject {
  spec: PodSpec;
  status?: { qosClass?: string; [field: string]: unknown };
}

export interface ConfigMap extends KubeObject { data?: Record<string, string> }
/** `data` values are base64, as on the wire. */
export interface Secret extends KubeObject { data?: Record<string, string> }

export interface ServicePort { name?: string; port: number; protocol?: string }
export interface Service extends KubeObject { spec?: { clusterIP?: string; ports?: ServicePort[] } }

/** "name_namespace(uid)", upstream's format.Pod, used in kubelet messages. */
export function formatPod(pod: Pod): string {
  const m = pod.metadata;
  return `${m.name ?? ""}_${m.namespace ?? ""}(${m.uid ?? ""})`;
}

/** An init container with restartPolicy Always (upstream isSidecarContainer / IsRestartableInitContainer). */
export function isSidecarContainer(pod: Pod, container: Container): boolean {
  return container.restartPolicy === "Always" && (pod.spec.initContainers ?? []).some((c) => c.name === container.name);
}
