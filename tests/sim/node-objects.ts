/**
 * SIMULATOR: the Node and Lease objects a simulated kubelet registers and renews. Pure builders;
 * nothing here talks to a server. A simulated node is marked with the annotation
 * `lite.dev/simulated: "true"` and the label `node.kubernetes.io/instance-type=lite-sim`.
 */
import type { KubeObject } from "@lite/sdk";

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: string;
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** One simulated node: its name and what sets it apart from the simulator's defaults. */
export interface NodeSpec {
  name: string;
  capacity?: Partial<NodeCapacity>;
  labels?: Record<string, string>;
  taints?: Taint[];
}

export const DEFAULT_CAPACITY: NodeCapacity = { cpu: "32", memory: "256Gi", pods: "110" };
export const SIMULATED_ANNOTATION = "lite.dev/simulated";
export const INSTANCE_TYPE = "lite-sim";
export const LEASE_NAMESPACE = "kube-node-lease";
export const KUBELET_VERSION = "v1.32.0-lite-sim";

/** "2024-01-01T00:00:00Z" (the API's second-precision timestamps). */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
/** "2024-01-01T00:00:00.000000Z" (MicroTime, as Lease renewTime). */
export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, "000Z");

/** A 127.x.y.z address unique per index (index 0 -> 127.0.1.1). */
export function loopbackAddress(index: number): string {
  const n = index + 257;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export function nodeConditions(nowMs: number, ready: boolean, transitionMs = nowMs): Record<string, unknown>[] {
  const hb = isoSeconds(nowMs);
  const tr = isoSeconds(transitionMs);
  const ok = (type: string, reason: string, message: string) => ({ type, status: "False", lastHeartbeatTime: hb, lastTransitionTime: tr, reason, message });
  return [
    ok("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ok("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ok("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ready
      ? { type: "Ready", status: "True", lastHeartbeatTime: hb, lastTransitionTime: tr, reason: "KubeletReady", message: "kubelet is posting ready status" }
      : { type: "Ready", status: "False", lastHeartbeatTime: hb, lastTransitionTime: tr, reason: "KubeletNotReady", message: "simulated node is not ready" },
  ];
}

export function nodeStatus(spec: NodeSpec, capacity: NodeCapacity, index: number, nowMs: number): Record<string, unknown> {
  const cap = { cpu: capacity.cpu, memory: capacity.memory, pods: capacity.pods, "ephemeral-storage": "100Gi" };
  const id = `lite-sim-${spec.name}`.padEnd(32, "0").slice(0, 32);
  return {
    capacity: cap,
    allocatable: cap,
    conditions: nodeConditions(nowMs, true),
    addresses: [{ type: "InternalIP", address: loopbackAddress(index) }, { type: "Hostname", address: spec.name }],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: id, systemUUID: id, bootID: id,
      kernelVersion: "simulated", osImage: "lite node simulator", containerRuntimeVersion: "sim://1.0.0",
      kubeletVersion: KUBELET_VERSION, kubeProxyVersion: KUBELET_VERSION, operatingSystem: "linux", architecture: "amd64",
    },
  };
}

export function buildNode(spec: NodeSpec, capacity: NodeCapacity, index: number, nowMs: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: spec.name,
      labels: {
        "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux", "kubernetes.io/hostname": spec.name,
        "node.kubernetes.io/instance-type": INSTANCE_TYPE,
        ...spec.labels,
      },
      annotations: { [SIMULATED_ANNOTATION]: "true", "node.alpha.kubernetes.io/ttl": "0" },
    },
    spec: spec.taints?.length ? { taints: spec.taints.map((t) => ({ ...t })) } : {},
    status: nodeStatus(spec, capacity, index, nowMs),
  };
}

export function buildLease(nodeName: string, nodeUid: string | undefined, durationSeconds: number, nowMs: number): KubeObject {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: nodeName,
      namespace: LEASE_NAMESPACE,
      ...(nodeUid ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name: nodeName, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: microTime(nowMs) },
  };
}
