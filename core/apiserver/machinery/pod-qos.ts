/**
 * A pod's QoS class (upstream v1 qos ComputePodQOS), over app and init containers (sidecars
 * included), counting only cpu and memory, and only quantities above zero:
 * - BestEffort: no requests and no limits at all;
 * - Guaranteed: every container limits both cpu and memory, and the summed requests equal the
 *   summed limits for each resource (compared as quantities: "1" and "1000m" are equal);
 * - Burstable: anything else.
 * The one implementation: the API server records it in status.qosClass at create, ResourceQuota
 * scopes and the kubelet (cgroups, OOM score, eviction order) read it.
 */
import { parseQuantity, quantityScaledValue } from "./quantity.ts";

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

type ResourceList = Record<string, string | number | undefined>;
interface ContainerResources { resources?: { requests?: ResourceList; limits?: ResourceList } }
export interface QosPodSpec { containers?: readonly ContainerResources[]; initContainers?: readonly ContainerResources[] }

const QOS_RESOURCES = ["cpu", "memory"];

/** Exact nano-units; malformed quantities count as zero (validation rejects them). */
function nano(q: string | number | undefined): bigint {
  if (q === undefined) return 0n;
  try {
    return quantityScaledValue(parseQuantity(String(q)), -9);
  } catch {
    return 0n;
  }
}

/** Adds this list's positive cpu/memory into `sum`; returns the names that were positive. */
function addPositive(sum: Map<string, bigint>, list: ResourceList | undefined): Set<string> {
  const found = new Set<string>();
  for (const name of QOS_RESOURCES) {
    const v = nano(list?.[name]);
    if (v <= 0n) continue;
    found.add(name);
    sum.set(name, (sum.get(name) ?? 0n) + v);
  }
  return found;
}

export function computePodQos(spec: QosPodSpec | undefined): QosClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    addPositive(requests, c.resources?.requests);
    const limited = addPositive(limits, c.resources?.limits);
    if (!limited.has("cpu") || !limited.has("memory")) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, req] of requests) if (limits.get(name) !== req) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}
