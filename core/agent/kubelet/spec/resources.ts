/**
 * A container's Linux cgroup resources (upstream kuberuntime calculateLinuxResources and
 * qos.GetContainerOOMScoreAdjust):
 * - cpuShares = requests.cpu (else limits.cpu) milli × 1024 / 1000, within [2, 262144];
 * - cpuPeriod = 100000 µs; cpuQuota = limits.cpu milli × period / 1000, at least 1000 (0: none);
 * - memoryLimitInBytes = limits.memory (unset when 0);
 * - oomScoreAdj by QoS: node-critical and Guaranteed -997, BestEffort 1000, Burstable
 *   1000 - 1000 × requests.memory / node memory capacity, within [3, 999] (a sidecar no higher
 *   than the pod's smallest app container).
 */
import { parseQuantity, quantityScaledValue } from "../../../apiserver/machinery/quantity.ts";
import type { LinuxContainerResources } from "../../cri/types.ts";
import { podQos } from "./qos.ts";
import { isSidecarContainer, type Container, type Pod } from "./types.ts";

export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
export const CPU_PERIOD_US = 100_000;
export const MIN_QUOTA_US = 1000;
const GUARANTEED_OOM_SCORE_ADJ = -997;
const BEST_EFFORT_OOM_SCORE_ADJ = 1000;
const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

function scaled(q: string | number | undefined, scale: number): number {
  if (q === undefined) return 0;
  try {
    return Number(quantityScaledValue(parseQuantity(String(q)), scale));
  } catch {
    return 0;
  }
}
export const milliValue = (q: string | number | undefined) => scaled(q, -3);
export const byteValue = (q: string | number | undefined) => scaled(q, 0);

/** upstream cm.MilliCPUToShares. */
export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU === 0) return MIN_SHARES;
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.trunc((milliCPU * 1024) / 1000)));
}

/** upstream milliCPUToQuota: 0 means no quota. */
export function milliCPUToQuota(milliCPU: number, periodUs = CPU_PERIOD_US): number {
  if (milliCPU === 0) return 0;
  return Math.max(MIN_QUOTA_US, Math.trunc((milliCPU * periodUs) / 1000));
}

/** upstream IsCriticalPod && priorityClassName system-node-critical. */
function isNodeCriticalPod(pod: Pod): boolean {
  const a = pod.metadata.annotations ?? {};
  const source = a["kubernetes.io/config.source"];
  const critical = (source !== undefined && source !== "api") || a["kubernetes.io/config.mirror"] !== undefined
    || (pod.spec.priority ?? 0) >= SYSTEM_CRITICAL_PRIORITY;
  return critical && pod.spec.priorityClassName === "system-node-critical";
}

export function oomScoreAdj(pod: Pod, container: Container, nodeMemoryCapacity: number): number {
  if (isNodeCriticalPod(pod)) return GUARANTEED_OOM_SCORE_ADJ;
  const qos = podQos(pod);
  if (qos === "Guaranteed") return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === "BestEffort") return BEST_EFFORT_OOM_SCORE_ADJ;
  const adj = (request: number) => 1000 - Math.trunc((1000 * request) / nodeMemoryCapacity);
  let score = adj(byteValue(container.resources?.requests?.memory));
  if (isSidecarContainer(pod, container) && pod.spec.containers.length > 0) {
    const smallest = Math.min(...pod.spec.containers.map((c) => byteValue(c.resources?.requests?.memory)));
    score = Math.min(score, adj(smallest));
  }
  if (score < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (score === BEST_EFFORT_OOM_SCORE_ADJ) return score - 1;
  return score;
}

export function containerResources(pod: Pod, container: Container, nodeMemoryCapacity: number): LinuxContainerResources {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const cpuLimit = milliValue(limits.cpu);
  const memoryLimit = byteValue(limits.memory);
  const out: LinuxContainerResources = {
    cpuShares: milliCPUToShares(requests.cpu !== undefined ? milliValue(requests.cpu) : cpuLimit),
    cpuPeriod: CPU_PERIOD_US,
    cpuQuota: milliCPUToQuota(cpuLimit),
    oomScoreAdj: oomScoreAdj(pod, container, nodeMemoryCapacity),
  };
  if (memoryLimit !== 0) out.memoryLimitInBytes = memoryLimit;
  return out;
}
