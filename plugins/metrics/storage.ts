/**
 * The last two scrapes of every node and container, and the usage they give: CPU as the rate of
 * cumulative CPU time between the two points (the window), memory as the last working set. The
 * rules follow metrics-server's storage: a point replaces `last` only when newer; a restarted
 * container (start time after the last point) starts over; a container started between 10 s and
 * one resolution ago is measured from its start (cumulative CPU zero then), so it gets numbers
 * after one scrape.
 */
import type { ContainerPoint, MetricsPoint, NodeBatch } from "./summary.ts";

const FRESH_CONTAINER_MIN_MS = 10_000;

export interface Usage {
  /** Nanocores. */
  readonly cpu: number;
  /** Working-set bytes. */
  readonly memory: number;
  /** The later point's time (ms). */
  readonly timestamp: number;
  /** Between the two points (ms). */
  readonly windowMs: number;
}

export interface ContainerUsage extends Usage {
  readonly name: string;
}

/** Usage between two points of one node/container; undefined when they cannot be compared. */
export function usageBetween(last: MetricsPoint, prev: MetricsPoint): Usage | undefined {
  if (last.startTime < prev.startTime) return undefined; // start time went backwards
  if (last.cumulativeCpu < prev.cumulativeCpu) return undefined; // counter went backwards
  const windowMs = last.timestamp - prev.timestamp;
  if (windowMs <= 0) return undefined;
  const cpu = Math.floor((last.cumulativeCpu - prev.cumulativeCpu) / (windowMs / 1000));
  return { cpu, memory: last.memory, timestamp: last.timestamp, windowMs };
}

type Pair<T> = { last: T; prev?: T };

/** Next `prev` for a node or container given its stored pair and a new point (metrics-server's rules). */
function nextPrev<T extends MetricsPoint>(stored: Pair<T> | undefined, point: T, resolutionMs: number): T | undefined {
  const age = point.timestamp - point.startTime;
  if (point.startTime < point.timestamp && age < resolutionMs && age >= FRESH_CONTAINER_MIN_MS) {
    return { ...point, timestamp: point.startTime, cumulativeCpu: 0 };
  }
  if (!stored || !(point.startTime < stored.last.timestamp)) return undefined; // new, or restarted since
  if (point.timestamp > stored.last.timestamp) return stored.last;
  return stored.prev && stored.prev.timestamp < point.timestamp ? stored.prev : undefined;
}

export class MetricsStorage {
  private nodes = new Map<string, Pair<MetricsPoint>>();
  /** "ns/name" -> container name -> pair. */
  private pods = new Map<string, Map<string, Pair<ContainerPoint>>>();

  constructor(private readonly resolutionMs: number) {}

  /** Replaces everything with one scrape of every node (nodes missing from `batches` are forgotten). */
  store(batches: ReadonlyMap<string, NodeBatch>): void {
    const nodes = new Map<string, Pair<MetricsPoint>>();
    const pods = new Map<string, Map<string, Pair<ContainerPoint>>>();
    for (const [nodeName, batch] of batches) {
      if (batch.node) {
        const stored = this.nodes.get(nodeName);
        const prev = stored && batch.node.startTime <= stored.last.timestamp
          ? (batch.node.timestamp > stored.last.timestamp ? stored.last : stored.prev && stored.prev.timestamp < batch.node.timestamp ? stored.prev : undefined)
          : undefined;
        nodes.set(nodeName, { last: batch.node, prev });
      }
      for (const pod of batch.pods) {
        const key = `${pod.namespace}/${pod.name}`;
        if (pods.has(key)) continue; // a pod reported twice: keep the first
        const storedPod = this.pods.get(key);
        const containers = new Map<string, Pair<ContainerPoint>>();
        for (const c of pod.containers) {
          if (containers.has(c.name)) continue;
          containers.set(c.name, { last: c, prev: nextPrev(storedPod?.get(c.name), c, this.resolutionMs) });
        }
        pods.set(key, containers);
      }
    }
    this.nodes = nodes;
    this.pods = pods;
  }

  nodeUsage(name: string): Usage | undefined {
    const pair = this.nodes.get(name);
    return pair?.prev ? usageBetween(pair.last, pair.prev) : undefined;
  }

  /**
   * Per-container usage of a pod, with the earliest timestamp and its window; undefined until every
   * container has two comparable points.
   */
  podUsage(namespace: string, name: string): { containers: ContainerUsage[]; timestamp: number; windowMs: number } | undefined {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod || pod.size === 0) return undefined;
    const containers: ContainerUsage[] = [];
    let earliest: Usage | undefined;
    for (const [cname, pair] of pod) {
      if (!pair.prev) return undefined;
      const u = usageBetween(pair.last, pair.prev);
      if (!u) continue;
      containers.push({ name: cname, ...u });
      if (!earliest || earliest.timestamp > u.timestamp) earliest = u;
    }
    if (!earliest) return undefined;
    return { containers, timestamp: earliest.timestamp, windowMs: earliest.windowMs };
  }

  /** Counts for the admin/status report. */
  size(): { nodes: number; pods: number } {
    return { nodes: this.nodes.size, pods: this.pods.size };
  }
}
