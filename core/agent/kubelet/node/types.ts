/**
 * The core/v1 Node shapes the kubelet writes (JSON field names as on the wire). Only the fields
 * the kubelet sets are declared; everything else passes through untouched.
 */
import type { KubeObject, Taint } from "@lite/sdk";

export type { Taint };

export interface NodeCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  /** RFC 3339, seconds. */
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface NodeAddress { type: "InternalIP" | "ExternalIP" | "Hostname" | "InternalDNS" | "ExternalDNS"; address: string }

export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion: string;
  operatingSystem: string;
  architecture: string;
}

export interface ContainerImage { names: string[]; sizeBytes: number }

export interface NodeStatus {
  capacity?: Record<string, string>;
  allocatable?: Record<string, string>;
  conditions?: NodeCondition[];
  addresses?: NodeAddress[];
  daemonEndpoints?: { kubeletEndpoint?: { Port: number } };
  nodeInfo?: NodeSystemInfo;
  images?: ContainerImage[];
  [field: string]: unknown;
}

export interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  unschedulable?: boolean;
  taints?: Taint[];
  [field: string]: unknown;
}

export interface Node extends KubeObject {
  spec?: NodeSpec;
  status?: NodeStatus;
}

/** What eviction reports as node pressure (hard thresholds met within the transition period). */
export interface NodePressure { memory: boolean; disk: boolean; pid: boolean }
