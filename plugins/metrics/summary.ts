/**
 * Decoding the kubelet Summary API (`/stats/summary`, stats/v1alpha1) into metric points: per
 * node and per container, the cumulative CPU time (usageCoreNanoSeconds), the memory working set
 * and when they were measured. Entries lacking either number are left out, as metrics-server does;
 * a pod with any such container is left out whole.
 */

/** One measurement of a node or container. Times in ms since the epoch. */
export interface MetricsPoint {
  /** Start of the node/container: cumulative CPU was zero then. */
  readonly startTime: number;
  /** When CPU was measured (memory is taken with it). */
  readonly timestamp: number;
  /** Nanocore-seconds since startTime. */
  readonly cumulativeCpu: number;
  /** Working-set bytes. */
  readonly memory: number;
}

export interface ContainerPoint extends MetricsPoint {
  readonly name: string;
}

export interface PodPoint {
  readonly namespace: string;
  readonly name: string;
  readonly containers: readonly ContainerPoint[];
}

export interface NodeBatch {
  readonly node?: MetricsPoint;
  readonly pods: readonly PodPoint[];
}

interface CpuStats { time?: string; usageCoreNanoSeconds?: number }
interface MemoryStats { time?: string; workingSetBytes?: number }
interface Stats { startTime?: string; cpu?: CpuStats; memory?: MemoryStats }
interface Summary {
  node?: Stats;
  pods?: { podRef?: { name?: string; namespace?: string }; containers?: (Stats & { name?: string })[] }[];
}

const ms = (t: string | undefined) => (t ? Date.parse(t) : Number.NaN);

function point(s: Stats | undefined): MetricsPoint | undefined {
  if (!s?.cpu || typeof s.cpu.usageCoreNanoSeconds !== "number") return undefined;
  if (!s.memory || typeof s.memory.workingSetBytes !== "number") return undefined;
  const timestamp = Number.isFinite(ms(s.cpu.time)) ? ms(s.cpu.time) : ms(s.memory.time);
  if (!Number.isFinite(timestamp)) return undefined;
  const start = ms(s.startTime);
  return { startTime: Number.isFinite(start) ? start : 0, timestamp, cumulativeCpu: s.cpu.usageCoreNanoSeconds, memory: s.memory.workingSetBytes };
}

export function decodeSummary(summary: unknown): NodeBatch {
  const s = (summary ?? {}) as Summary;
  const pods: PodPoint[] = [];
  for (const pod of s.pods ?? []) {
    const name = pod.podRef?.name;
    const namespace = pod.podRef?.namespace;
    if (!name || !namespace) continue;
    const containers: ContainerPoint[] = [];
    let complete = true;
    for (const c of pod.containers ?? []) {
      const p = c.name ? point(c) : undefined;
      if (!p) { complete = false; break; }
      containers.push({ name: c.name!, ...p });
    }
    if (complete && containers.length > 0) pods.push({ namespace, name, containers });
  }
  return { node: point(s.node), pods };
}
