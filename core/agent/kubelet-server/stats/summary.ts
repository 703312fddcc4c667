/**
 * `GET /stats/summary`: the kubelet Summary API (stats/v1alpha1 `Summary`): the node's CPU, memory,
 * swap, network, filesystem and process counts from the kernel, and per pod and container the CPU,
 * memory and writable-layer usage the runtime reports (CRI ListContainerStats), plus log sizes, and
 * per pod the network counters of its sandbox's network namespace (pod-network.ts).
 * `only_cpu_and_memory=true` leaves out everything else, as upstream does. The same documents feed
 * `/metrics/resource` (as upstream's resource metrics collector reads its summary provider).
 */
import { stat } from "node:fs/promises";
import type { ContainerStats, CriClient } from "../../cri/types.ts";
import type { PodRuntimeView, RuntimePod } from "../pod-runtime-view.ts";
import { createCpuSampler, filesystemStats, parseProcStat, processStats, readNodeMemory, readNodeNetwork } from "./node-stats.ts";
import { createPodNetworkReader, networkSummary, type NetworkSummary, type PodNetwork, type PodNetworkReader } from "./pod-network.ts";

export interface SummaryDeps {
  readonly nodeName: string;
  readonly cri: CriClient;
  readonly pods: PodRuntimeView;
  /** The node filesystem reported as `node.fs` (the agent's data directory). */
  readonly fsPath: string;
  /** The pods' network counters (shared with /metrics/cadvisor); one of its own by default. */
  readonly network?: PodNetworkReader;
}

type Json = Record<string, unknown>;

/** CPU usage at `time` (RFC 3339): a rate (nano cores) and a cumulative total (core ns). */
export interface CpuUsage { time: string; usageNanoCores: number; usageCoreNanoSeconds: number }
export interface MemoryUsage { time: string; usageBytes: number; workingSetBytes: number; rssBytes: number; availableBytes?: number; pageFaults?: number; majorPageFaults?: number }
export interface SwapUsage { time: string; swapAvailableBytes: number; swapUsageBytes: number }
export interface ContainerSummary { name: string; startTime: string; cpu?: CpuUsage; memory?: MemoryUsage; rootfs?: Json; logs?: Json }
export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerSummary[];
  cpu: CpuUsage;
  memory: MemoryUsage;
  network?: NetworkSummary;
  "ephemeral-storage"?: Json;
}
export interface NodeSummary { nodeName: string; startTime?: string; cpu: CpuUsage; memory: MemoryUsage; swap?: SwapUsage; [more: string]: unknown }
/** The parts of the Summary document that lite's readers (the Prometheus endpoints) use, typed. */
export interface Summary { node: NodeSummary; pods: PodSummary[] }

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, "Z");
/** CRI timestamps are ns since the epoch. */
const criTime = (ns: number | undefined, fallback: string) => (ns ? iso(ns / 1e6) : fallback);

/** Builds Summary documents; keeps the CPU sampler between calls (usageNanoCores is a rate). */
export function createSummaryProvider(deps: SummaryDeps) {
  const cpu = createCpuSampler();
  const readNetwork = deps.network ?? createPodNetworkReader();
  return async (onlyCpuAndMemory: boolean): Promise<Summary> => {
    const now = iso(Date.now());
    const [nodeCpu, { memory, swap }, stats, bootTime] = await Promise.all([
      cpu(),
      readNodeMemory(),
      deps.cri.listContainerStats().catch((): ContainerStats[] => []),
      readBootTime(),
    ]);
    const node: NodeSummary = {
      nodeName: deps.nodeName,
      startTime: bootTime,
      cpu: { time: now, ...nodeCpu },
      memory: { time: now, ...memory },
      swap: { time: now, ...swap },
    };
    if (!onlyCpuAndMemory) {
      const [network, fs, rlimit] = await Promise.all([readNodeNetwork(), filesystemStats(deps.fsPath).catch(() => undefined), processStats().catch(() => undefined)]);
      node.network = { time: now, ...(network.name ? (network.interfaces.find((i) => i.name === network.name) ?? { name: network.name }) : {}), interfaces: network.interfaces };
      if (fs) node.fs = { time: now, ...fs };
      const imageFs = await imageFsStats(deps.cri, now);
      if (imageFs) node.runtime = { imageFs };
      if (rlimit) node.rlimit = { time: now, ...rlimit };
    }
    const byId = new Map(stats.map((s) => [s.attributes.id, s]));
    const runtimePods = deps.pods.list();
    const network = onlyCpuAndMemory ? new Map<string, PodNetwork>() : await readNetwork(runtimePods).catch(() => new Map<string, PodNetwork>());
    const pods = await Promise.all(runtimePods.map((rp) => podStats(rp, byId, now, onlyCpuAndMemory, rp.sandboxId ? network.get(rp.sandboxId) : undefined)));
    return { node, pods };
  };
}

async function readBootTime(): Promise<string | undefined> {
  const bootTime = await Bun.file("/proc/stat").text().then((t) => parseProcStat(t).bootTime, () => undefined);
  return bootTime === undefined ? undefined : iso(bootTime * 1000);
}

async function imageFsStats(cri: CriClient, now: string): Promise<Json | undefined> {
  try {
    const [usage] = await cri.imageFsInfo();
    if (!usage) return undefined;
    const fs = await filesystemStats(usage.fsId.mountpoint).catch(() => undefined);
    return {
      time: criTime(usage.timestamp, now),
      ...(fs ? { availableBytes: fs.availableBytes, capacityBytes: fs.capacityBytes, inodesFree: fs.inodesFree, inodes: fs.inodes } : {}),
      usedBytes: usage.usedBytes?.value ?? 0,
      inodesUsed: usage.inodesUsed?.value ?? 0,
    };
  } catch {
    return undefined;
  }
}

interface PodStatusShape {
  startTime?: string;
  containerStatuses?: { name: string; state?: { running?: { startedAt?: string } } }[];
  initContainerStatuses?: PodStatusShape["containerStatuses"];
}

async function podStats(rp: RuntimePod, byId: Map<string, ContainerStats>, now: string, onlyCpuAndMemory: boolean, network: PodNetwork | undefined): Promise<PodSummary> {
  const meta = rp.pod.metadata;
  const status = (rp.pod.status ?? {}) as PodStatusShape;
  const started = new Map([...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])].map((c) => [c.name, c.state?.running?.startedAt]));
  const containers: ContainerSummary[] = [];
  let cpuNano = 0, cpuCore = 0, memUsage = 0, memWs = 0, memRss = 0, ephemeral = 0;
  for (const c of rp.containers) {
    const s = c.containerId ? byId.get(c.containerId) : undefined;
    if (!s) continue;
    const entry: ContainerSummary = { name: c.name, startTime: started.get(c.name) ?? status.startTime ?? now };
    if (s.cpu) {
      const usageNanoCores = s.cpu.usageNanoCores?.value ?? 0;
      const usageCoreNanoSeconds = s.cpu.usageCoreNanoSeconds?.value ?? 0;
      entry.cpu = { time: criTime(s.cpu.timestamp, now), usageNanoCores, usageCoreNanoSeconds };
      cpuNano += usageNanoCores;
      cpuCore += usageCoreNanoSeconds;
    }
    if (s.memory) {
      const m = { usageBytes: s.memory.usageBytes?.value ?? 0, workingSetBytes: s.memory.workingSetBytes?.value ?? 0, rssBytes: s.memory.rssBytes?.value ?? 0 };
      entry.memory = { time: criTime(s.memory.timestamp, now), ...m };
      memUsage += m.usageBytes;
      memWs += m.workingSetBytes;
      memRss += m.rssBytes;
    }
    if (!onlyCpuAndMemory) {
      if (s.writableLayer) {
        const used = s.writableLayer.usedBytes?.value ?? 0;
        entry.rootfs = { time: criTime(s.writableLayer.timestamp, now), usedBytes: used, inodesUsed: s.writableLayer.inodesUsed?.value ?? 0 };
        ephemeral += used;
      }
      const logBytes = c.logPath ? await stat(c.logPath).then((st) => st.size, () => undefined) : undefined;
      if (logBytes !== undefined) {
        entry.logs = { time: now, usedBytes: logBytes };
        ephemeral += logBytes;
      }
    }
    containers.push(entry);
  }
  const pod: PodSummary = {
    podRef: { name: meta.name ?? "", namespace: meta.namespace ?? "", uid: meta.uid ?? "" },
    startTime: status.startTime ?? now,
    containers,
    cpu: { time: now, usageNanoCores: cpuNano, usageCoreNanoSeconds: cpuCore },
    memory: { time: now, usageBytes: memUsage, workingSetBytes: memWs, rssBytes: memRss },
  };
  if (network) pod.network = networkSummary(network);
  if (!onlyCpuAndMemory) pod["ephemeral-storage"] = { time: now, usedBytes: ephemeral };
  return pod;
}
