/**
 * The metrics.k8s.io/v1beta1 group as metrics-server serves it: NodeMetrics (`nodes`) and
 * PodMetrics (`pods`), read-only, for the nodes and pods that exist and have two scrapes of usage.
 * Objects carry the node's or pod's labels (so label selectors work) and a creationTimestamp of
 * now; Table columns are Name, cpu, memory and Window.
 */
import type { ApiGroupDefinition, ApiGroupResource, ApiGroupTableColumn, Informer, KubeObject } from "@lite/sdk";
import { formatCpu, formatMemory, goDuration, rfc3339 } from "./quantity.ts";
import type { MetricsStorage } from "./storage.ts";

export const METRICS_GROUP = "metrics.k8s.io";
export const METRICS_VERSION = "v1beta1";

export interface ResourceUsage { cpu: string; memory: string }

export interface NodeMetrics extends KubeObject {
  timestamp: string;
  window: string;
  usage: ResourceUsage;
}

export interface PodMetrics extends KubeObject {
  timestamp: string;
  window: string;
  containers: { name: string; usage: ResourceUsage }[];
}

export interface MetricsApiDeps {
  readonly storage: MetricsStorage;
  readonly nodes: Informer;
  readonly pods: Informer;
  readonly now?: () => number;
}

const byName = (a: KubeObject, b: KubeObject) =>
  (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");

function columns<T extends KubeObject>(usage: (o: T) => { cpu: number; memory: number }): ApiGroupTableColumn<T>[] {
  return [
    { name: "cpu", type: "string", format: "quantity", cell: (o) => formatCpu(usage(o).cpu) },
    { name: "memory", type: "string", format: "quantity", cell: (o) => formatMemory(usage(o).memory) },
    { name: "Window", type: "string", format: "duration", cell: (o) => String((o as unknown as { window?: string }).window ?? "") },
  ];
}

/** Parses the quantities this plugin writes back to numbers (for the Table's summed cells). */
function cpuNanos(q: string): number {
  const m = /^(\d+)([num]?)$/.exec(q);
  if (!m) return 0;
  return Number(m[1]) * ({ n: 1, u: 1e3, m: 1e6, "": 1e9 } as Record<string, number>)[m[2] ?? ""]!;
}
function memoryBytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(q);
  if (!m) return 0;
  const bin: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  const dec: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  return Number(m[1]) * (m[2] ? (bin[m[2]] ?? dec[m[2]] ?? 1) : 1);
}

export function metricsApiGroup(deps: MetricsApiDeps): ApiGroupDefinition {
  const now = deps.now ?? Date.now;

  const nodeMetrics = (node: KubeObject): NodeMetrics | undefined => {
    const name = node.metadata.name ?? "";
    const u = deps.storage.nodeUsage(name);
    if (!u) return undefined;
    return {
      metadata: { name, ...(node.metadata.labels ? { labels: { ...node.metadata.labels } } : {}), creationTimestamp: rfc3339(now()) },
      timestamp: rfc3339(u.timestamp),
      window: goDuration(u.windowMs),
      usage: { cpu: formatCpu(u.cpu), memory: formatMemory(u.memory) },
    };
  };

  const podMetrics = (pod: KubeObject): PodMetrics | undefined => {
    const { name = "", namespace = "" } = pod.metadata;
    const u = deps.storage.podUsage(namespace, name);
    if (!u) return undefined;
    return {
      metadata: { name, namespace, ...(pod.metadata.labels ? { labels: { ...pod.metadata.labels } } : {}), creationTimestamp: rfc3339(now()) },
      timestamp: rfc3339(u.timestamp),
      window: goDuration(u.windowMs),
      containers: u.containers.map((c) => ({ name: c.name, usage: { cpu: formatCpu(c.cpu), memory: formatMemory(c.memory) } })),
    };
  };

  const nodes: ApiGroupResource<NodeMetrics> = {
    resource: "nodes", kind: "NodeMetrics", namespaced: false,
    list: () => deps.nodes.list().map(nodeMetrics).filter((m): m is NodeMetrics => !!m).sort(byName),
    get: (name) => {
      const node = deps.nodes.get(name);
      return node ? nodeMetrics(node) : undefined;
    },
    columns: columns((o) => ({ cpu: cpuNanos(o.usage.cpu), memory: memoryBytes(o.usage.memory) })),
  };
  const pods: ApiGroupResource<PodMetrics> = {
    resource: "pods", kind: "PodMetrics", namespaced: true,
    list: (req) => deps.pods.list(req.namespace || undefined).map(podMetrics).filter((m): m is PodMetrics => !!m).sort(byName),
    get: (name, req) => {
      const pod = deps.pods.get(req.namespace, name);
      return pod ? podMetrics(pod) : undefined;
    },
    // A pod's row sums its containers, as metrics-server's table does.
    columns: columns((o) => ({
      cpu: o.containers.reduce((s, c) => s + cpuNanos(c.usage.cpu), 0),
      memory: o.containers.reduce((s, c) => s + memoryBytes(c.usage.memory), 0),
    })),
  };
  return { group: METRICS_GROUP, version: METRICS_VERSION, resources: [nodes, pods] };
}
