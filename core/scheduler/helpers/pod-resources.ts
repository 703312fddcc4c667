/**
 * A pod's effective requests as the scheduler counts them (upstream resource.PodRequests):
 * max(sum of app containers + restartable init containers, each init container), plus overhead.
 */
import type { Container, HostPort, Pod, PodInfo, Resource } from "@lite/sdk";
import type { QuantityCache } from "./quantities.ts";

export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export const emptyResource = (): Resource => ({ milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: {} });

function add(into: Resource, c: Container | undefined, q: QuantityCache, overhead?: Record<string, string | number>): void {
  const req = overhead ?? c?.resources?.requests ?? {};
  for (const name in req) {
    const v = req[name];
    if (name === "cpu") into.milliCPU += q.milli(v);
    else if (name === "memory") into.memory += q.value(v);
    else if (name === "ephemeral-storage") into.ephemeralStorage += q.value(v);
    else if (name === "pods") continue;
    else if (name.includes("/") || name.startsWith("hugepages-")) into.scalar[name] = (into.scalar[name] ?? 0) + q.value(v);
  }
}

function maxInto(into: Resource, other: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, other.milliCPU);
  into.memory = Math.max(into.memory, other.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, other.ephemeralStorage);
  for (const k in other.scalar) into.scalar[k] = Math.max(into.scalar[k] ?? 0, other.scalar[k]!);
}

export function podRequests(pod: Pod, q: QuantityCache): Resource {
  const r = emptyResource();
  for (const c of pod.spec.containers ?? []) add(r, c, q);
  const sidecars = emptyResource();
  for (const c of pod.spec.initContainers ?? []) {
    if (c.restartPolicy === "Always") { add(r, c, q); add(sidecars, c, q); continue; }
    const one = emptyResource();
    add(one, c, q);
    one.milliCPU += sidecars.milliCPU; one.memory += sidecars.memory; one.ephemeralStorage += sidecars.ephemeralStorage;
    maxInto(r, one);
  }
  if (pod.spec.overhead) add(r, undefined, q, pod.spec.overhead);
  r.allowedPodNumber = 1;
  return r;
}

/** Requests with upstream's non-zero defaults (100m cpu, 200Mi memory per container without them). */
export function nonZeroRequests(pod: Pod, q: QuantityCache): { milliCPU: number; memory: number } {
  let cpu = 0, mem = 0;
  for (const c of pod.spec.containers ?? []) {
    const req = c.resources?.requests ?? {};
    cpu += req.cpu !== undefined ? q.milli(req.cpu) : DEFAULT_MILLI_CPU_REQUEST;
    mem += req.memory !== undefined ? q.value(req.memory) : DEFAULT_MEMORY_REQUEST;
  }
  if (pod.spec.overhead) { cpu += q.milli(pod.spec.overhead.cpu); mem += q.value(pod.spec.overhead.memory); }
  return { milliCPU: cpu, memory: mem };
}

export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of [...(pod.spec.initContainers ?? []).filter((i) => i.restartPolicy === "Always"), ...(pod.spec.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ protocol: p.protocol ?? "TCP", ip: p.hostIP || "0.0.0.0", port: p.hostPort });
    }
  }
  return out;
}

export function computePodInfo(pod: Pod, q: QuantityCache): PodInfo {
  const a = pod.spec.affinity;
  return {
    pod,
    requests: podRequests(pod, q),
    nonZeroRequests: nonZeroRequests(pod, q),
    hostPorts: podHostPorts(pod),
    hasAffinity: !!(a?.podAffinity || a?.podAntiAffinity),
    hasRequiredAntiAffinity: !!a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length,
  };
}
