/**
 * Node-level statistics from the kernel, in the units of the kubelet's Summary API: CPU from
 * /proc/stat, memory from /proc/meminfo and /proc/vmstat, network from /proc/net/dev (+ the
 * default route's interface from /proc/net/route), a filesystem from statfs, processes from
 * /proc/sys/kernel/pid_max and /proc. The parsers take the file text, so tests feed them samples.
 */
import { readdir, readFile, statfs } from "node:fs/promises";

/** USER_HZ: /proc/stat counts in 1/100 s on Linux. */
const NS_PER_TICK = 10_000_000;

/** Busy CPU time of all cores (ns): user+nice+system+irq+softirq+steal; and boot time (s). */
export function parseProcStat(text: string): { usageCoreNanoSeconds: number; bootTime?: number } {
  const cpu = /^cpu\s+(.*)$/m.exec(text);
  if (!cpu) throw new Error("/proc/stat: no cpu line");
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu[1]!.trim().split(/\s+/).map(Number);
  const btime = /^btime\s+(\d+)$/m.exec(text);
  return { usageCoreNanoSeconds: (user + nice + system + irq + softirq + steal) * NS_PER_TICK, bootTime: btime ? Number(btime[1]) : undefined };
}

/** `Key: value kB` lines as bytes (or plain numbers for keys without a unit). */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([^:\s]+):?\s+(\d+)(\s*kB)?/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
}

export interface MemoryStats {
  availableBytes: number;
  usageBytes: number;
  workingSetBytes: number;
  rssBytes: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

/** Root-level memory as cAdvisor reports it: usage includes the page cache, the working set excludes inactive file pages. */
export function memoryFromMeminfo(meminfo: Map<string, number>, vmstat?: Map<string, number>): MemoryStats {
  const total = meminfo.get("MemTotal") ?? 0;
  const usage = total - (meminfo.get("MemFree") ?? 0);
  const workingSet = Math.max(0, usage - (meminfo.get("Inactive(file)") ?? 0));
  return {
    availableBytes: Math.max(0, total - workingSet),
    usageBytes: usage,
    workingSetBytes: workingSet,
    rssBytes: meminfo.get("AnonPages") ?? 0,
    pageFaults: vmstat?.get("pgfault"),
    majorPageFaults: vmstat?.get("pgmajfault"),
  };
}

export interface InterfaceStats { name: string; rxBytes: number; rxErrors: number; txBytes: number; txErrors: number }

/** Every interface but loopback from /proc/net/dev. */
export function parseNetDev(text: string): InterfaceStats[] {
  const out: InterfaceStats[] = [];
  for (const line of text.split("\n").slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === "lo") continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    out.push({ name: m[1]!, rxBytes: f[0] ?? 0, rxErrors: f[2] ?? 0, txBytes: f[8] ?? 0, txErrors: f[10] ?? 0 });
  }
  return out;
}

/** The interface of the IPv4 default route in /proc/net/route, if any. */
export function defaultRouteInterface(text: string): string | undefined {
  for (const line of text.split("\n").slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (iface && destination === "00000000" && mask === "00000000") return iface;
  }
  return undefined;
}

export interface FsStats { availableBytes: number; capacityBytes: number; usedBytes: number; inodesFree: number; inodes: number; inodesUsed: number }

export async function filesystemStats(path: string): Promise<FsStats> {
  const s = await statfs(path);
  return {
    availableBytes: s.bavail * s.bsize,
    capacityBytes: s.blocks * s.bsize,
    usedBytes: (s.blocks - s.bfree) * s.bsize,
    inodesFree: s.ffree,
    inodes: s.files,
    inodesUsed: s.files - s.ffree,
  };
}

const read = (path: string) => readFile(path, "utf8");

/** Number of processes (numeric entries of /proc) and the pid limit. */
export async function processStats(): Promise<{ maxpid: number; curproc: number }> {
  const [max, entries] = await Promise.all([read("/proc/sys/kernel/pid_max"), readdir("/proc")]);
  return { maxpid: Number(max.trim()), curproc: entries.filter((e) => /^\d+$/.test(e)).length };
}

export interface SwapStats { swapAvailableBytes: number; swapUsageBytes: number }

/** The node's swap as the Summary API reports it: in use (total - free) and free. */
export function swapFromMeminfo(meminfo: Map<string, number>): SwapStats {
  const total = meminfo.get("SwapTotal") ?? 0;
  const free = meminfo.get("SwapFree") ?? 0;
  return { swapAvailableBytes: free, swapUsageBytes: Math.max(0, total - free) };
}

/** Memory (and swap) of the node, from one read of /proc/meminfo. */
export async function readNodeMemory(): Promise<{ memory: MemoryStats; swap: SwapStats; memTotalBytes: number }> {
  const [meminfo, vmstat] = await Promise.all([read("/proc/meminfo"), read("/proc/vmstat").catch(() => "")]);
  const info = parseKeyValues(meminfo);
  return { memory: memoryFromMeminfo(info, parseKeyValues(vmstat)), swap: swapFromMeminfo(info), memTotalBytes: info.get("MemTotal") ?? 0 };
}

export async function readNodeNetwork(): Promise<{ name?: string; interfaces: InterfaceStats[] }> {
  const [dev, route] = await Promise.all([read("/proc/net/dev"), read("/proc/net/route").catch(() => "")]);
  const interfaces = parseNetDev(dev);
  return { name: defaultRouteInterface(route) ?? interfaces[0]?.name, interfaces };
}

/**
 * CPU usage with a rate: each call compares /proc/stat with the previous call's sample. Without a
 * recent sample (first call, or older than `maxAgeMs`) it takes two; samples are at least `windowMs` apart.
 */
export function createCpuSampler(opts: { windowMs?: number; maxAgeMs?: number; readStat?: () => Promise<string> } = {}) {
  const readStat = opts.readStat ?? (() => read("/proc/stat"));
  let last: { at: number; usage: number } | undefined;
  const sample = async () => ({ at: performance.now(), usage: parseProcStat(await readStat()).usageCoreNanoSeconds });
  return async (): Promise<{ usageCoreNanoSeconds: number; usageNanoCores: number }> => {
    const windowMs = opts.windowMs ?? 100;
    let prev = last;
    if (!prev || performance.now() - prev.at > (opts.maxAgeMs ?? 60_000)) prev = await sample();
    const age = performance.now() - prev.at;
    if (age < windowMs) await Bun.sleep(windowMs - age); // ticks are 10 ms: too short a window is noise
    const now = await sample();
    last = now;
    const seconds = (now.at - prev.at) / 1000;
    const usageNanoCores = seconds > 0 ? Math.max(0, Math.round((now.usage - prev.usage) / seconds)) : 0;
    return { usageCoreNanoSeconds: now.usage, usageNanoCores };
  };
}
