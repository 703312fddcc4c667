/**
 * What the scheduler knows about one node in a cycle's snapshot: the Node, the pods on it
 * (bound and assumed), and their summed requests. Read-only for plugins.
 */
import type { Node, Pod } from "./objects.ts";

/** Amounts in base units: milli-CPU, bytes, pod count; extended resources by name. */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  allowedPodNumber: number;
  scalar: Record<string, number>;
}

export interface HostPort { protocol: string; ip: string; port: number }

/** A pod with what the scheduler pre-computed about it. */
export interface PodInfo {
  readonly pod: Pod;
  /** Effective requests (max of init containers vs. sum of containers, plus overhead). */
  readonly requests: Resource;
  /** Requests with the scheduler's defaults for zero cpu/memory (100m / 200Mi), for scoring. */
  readonly nonZeroRequests: { milliCPU: number; memory: number };
  readonly hostPorts: readonly HostPort[];
  readonly hasAffinity: boolean;
  readonly hasRequiredAntiAffinity: boolean;
}

export interface NodeInfo {
  readonly name: string;
  readonly node: Node;
  readonly pods: readonly PodInfo[];
  readonly podsWithAffinity: readonly PodInfo[];
  readonly podsWithRequiredAntiAffinity: readonly PodInfo[];
  readonly allocatable: Resource;
  readonly requested: Resource;
  readonly nonZeroRequested: { milliCPU: number; memory: number };
  readonly usedPorts: readonly HostPort[];
  /** Changes whenever anything above changes. */
  readonly generation: number;
}

/** The nodes of one scheduling cycle's snapshot. */
export interface NodeInfoLister {
  list(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  havePodsWithAffinity(): readonly NodeInfo[];
  havePodsWithRequiredAntiAffinity(): readonly NodeInfo[];
}
