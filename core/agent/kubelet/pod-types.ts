/**
 * The parts of the v1 Pod the kubelet reads and writes, as plain shapes (the API server has
 * already validated and defaulted the object).
 */
import type { KubeObject } from "@lite/sdk";

export interface ContainerSpec {
  name: string;
  image?: string;
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  command?: string[];
  args?: string[];
  restartPolicy?: "Always";
  ports?: { name?: string; containerPort: number; protocol?: string; hostPort?: number }[];
  terminationMessagePath?: string;
  terminationMessagePolicy?: "File" | "FallbackToLogsOnError";
  livenessProbe?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  startupProbe?: Record<string, unknown>;
  lifecycle?: { postStart?: Record<string, unknown>; preStop?: Record<string, unknown> };
  [k: string]: unknown;
}

export interface ContainerStateApi {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; signal?: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string; containerID?: string };
}

export interface ContainerStatusApi {
  name: string;
  state: ContainerStateApi;
  lastState: ContainerStateApi;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started?: boolean;
}

export interface PodCondition { type: string; status: "True" | "False" | "Unknown"; lastProbeTime?: string | null; lastTransitionTime?: string; reason?: string; message?: string }

export interface PodStatusApi {
  phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
  conditions?: PodCondition[];
  message?: string;
  reason?: string;
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  initContainerStatuses?: ContainerStatusApi[];
  containerStatuses?: ContainerStatusApi[];
  ephemeralContainerStatuses?: ContainerStatusApi[];
  qosClass?: string;
  [k: string]: unknown;
}

export interface Pod extends KubeObject {
  spec: {
    nodeName?: string;
    /** The RuntimeClass whose handler runs the pod's sandbox (containerd runtime name). */
    runtimeClassName?: string;
    containers: ContainerSpec[];
    initContainers?: ContainerSpec[];
    /** Debug containers added through pods/ephemeralcontainers: started once, never restarted. */
    ephemeralContainers?: ContainerSpec[];
    restartPolicy?: "Always" | "OnFailure" | "Never";
    terminationGracePeriodSeconds?: number;
    activeDeadlineSeconds?: number;
    hostNetwork?: boolean;
    imagePullSecrets?: { name: string }[];
    readinessGates?: { conditionType: string }[];
    volumes?: Record<string, unknown>[];
    [k: string]: unknown;
  };
  status?: PodStatusApi;
}

export const isSidecar = (c: ContainerSpec) => c.restartPolicy === "Always";
export const podFullName = (pod: Pod) => `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
