/**
 * The kubelet core's view of its pods, as the kubelet server reads it (the kubelet implements it).
 * Reads are synchronous snapshots; callers never mutate what they get.
 */
import type { KubeObject } from "@lite/sdk";

export interface RuntimeContainer {
  name: string;
  containerId?: string;
  /** The current container's CRI log file (absolute). */
  logPath?: string;
  /** The log file of the last terminated instance (for `previous`), when kept. */
  previousLogPath?: string;
  state: "waiting" | "running" | "terminated";
  waitingReason?: string;
}

export interface RuntimePod {
  pod: KubeObject /* the v1 Pod */;
  sandboxId?: string;
  containers: RuntimeContainer[];
}

export interface PodRuntimeView {
  get(namespace: string, name: string): RuntimePod | undefined;
  list(): RuntimePod[];
}
