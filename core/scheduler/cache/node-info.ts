/**
 * A mutable NodeInfo: the node, its pods (bound and assumed) and running sums. The cache owns
 * these; plugins see them through the read-only NodeInfo interface. `generation` increases on
 * every change.
 */
import type { MutableNodeInfo, Node, Pod, PodInfo, Resource, HostPort } from "@lite/sdk";
import type { QuantityCache } from "../helpers/quantities.ts";
import { emptyResource } from "../helpers/pod-resources.ts";

export function nodeAllocatable(node: Node, q: QuantityCache): Resource {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  const r = emptyResource();
  for (const name in a) {
    const v = a[name];
    if (name === "cpu") r.milliCPU = q.milli(v);
    else if (name === "memory") r.memory = q.value(v);
    else if (name === "pods") r.allowedPodNumber = q.value(v);
    else if (name === "ephemeral-storage") r.ephemeralStorage = q.value(v);
    else if (name.includes("/") || name.startsWith("hugepages-")) r.scalar[name] = q.value(v);
  }
  return r;
}

const podKey = (p: Pod) => p.metadata.uid ?? `${p.metadata.namespace}/${p.metadata.name}`;

export class NodeInfoImpl implements MutableNodeInfo {
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  requested: Resource = emptyResource();
  nonZeroRequested = { milliCPU: 0, memory: 0 };
  usedPorts: HostPort[] = [];
  allocatable: Resource;
  generation = 0;

  constructor(public node: Node, private readonly q: QuantityCache) {
    this.allocatable = nodeAllocatable(node, q);
  }

  get name(): string { return this.node.metadata.name!; }

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = nodeAllocatable(node, this.q);
    this.generation++;
  }

  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    if (pi.hasAffinity) this.podsWithAffinity.push(pi);
    if (pi.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity.push(pi);
    this.account(pi, 1);
    this.generation++;
  }

  removePod(pod: Pod): boolean {
    const key = podKey(pod);
    const i = this.pods.findIndex((p) => podKey(p.pod) === key);
    if (i < 0) return false;
    const pi = this.pods[i]!;
    this.pods[i] = this.pods[this.pods.length - 1]!;
    this.pods.pop();
    if (pi.hasAffinity) this.podsWithAffinity = this.podsWithAffinity.filter((p) => p !== pi);
    if (pi.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.filter((p) => p !== pi);
    this.account(pi, -1);
    this.generation++;
    return true;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    const r = this.requested, x = pi.requests;
    r.milliCPU += sign * x.milliCPU;
    r.memory += sign * x.memory;
    r.ephemeralStorage += sign * x.ephemeralStorage;
    r.allowedPodNumber += sign;
    for (const k in x.scalar) r.scalar[k] = (r.scalar[k] ?? 0) + sign * x.scalar[k]!;
    this.nonZeroRequested.milliCPU += sign * pi.nonZeroRequests.milliCPU;
    this.nonZeroRequested.memory += sign * pi.nonZeroRequests.memory;
    if (pi.hostPorts.length) {
      if (sign > 0) this.usedPorts.push(...pi.hostPorts);
      else for (const hp of pi.hostPorts) {
        const j = this.usedPorts.findIndex((u) => u.port === hp.port && u.protocol === hp.protocol && u.ip === hp.ip);
        if (j >= 0) this.usedPorts.splice(j, 1);
      }
    }
  }

  clone(): NodeInfoImpl {
    const c = new NodeInfoImpl(this.node, this.q);
    c.allocatable = this.allocatable;
    c.pods = [...this.pods];
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    c.requested = { ...this.requested, scalar: { ...this.requested.scalar } };
    c.nonZeroRequested = { ...this.nonZeroRequested };
    c.usedPorts = [...this.usedPorts];
    return c;
  }
}
