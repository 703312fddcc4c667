/**
 * The `process_*` families Prometheus' Go client exports for every process (its process
 * collector), computed at scrape time: `registry.collect(processFamilies)`.
 *
 * - process_cpu_seconds_total: user + system CPU of the process.
 * - process_start_time_seconds: the start time, seconds since the epoch.
 * - process_resident_memory_bytes / process_virtual_memory_bytes: VmRSS / VmSize of /proc/self/status.
 * - process_open_fds / process_max_fds: entries of /proc/self/fd, soft "Max open files".
 *
 * On systems without /proc (a macOS dev box) the memory figures come from Node's API and the fd
 * families are left out.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Family } from "./registry.ts";

/** Epoch seconds the process started (performance.timeOrigin is the process start in Bun and Node). */
const START_TIME_SECONDS = Math.round(performance.timeOrigin) / 1000;

/** VmSize and VmRSS (kB in the file) in bytes; no page-size guess needed. */
function procMemory(): { virtual: number; resident: number } | undefined {
  try {
    const s = readFileSync("/proc/self/status", "latin1");
    const size = /^VmSize:\s+(\d+) kB/m.exec(s);
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(s);
    if (!size || !rss) return undefined;
    return { virtual: Number(size[1]) * 1024, resident: Number(rss[1]) * 1024 };
  } catch {
    return undefined;
  }
}

function openFds(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return undefined;
  }
}

let maxFdsCache: number | undefined;
function maxFds(): number | undefined {
  if (maxFdsCache !== undefined) return maxFdsCache;
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "latin1"));
    if (!m) return undefined;
    // The limit can change at runtime (setrlimit) but lite never does: read once.
    maxFdsCache = m[1] === "unlimited" ? Infinity : Number(m[1]);
    return maxFdsCache;
  } catch {
    return undefined;
  }
}

const gauge = (name: string, help: string, value: number): Family => ({ name, help, type: "gauge", samples: [{ labels: {}, value }] });

export function processFamilies(): Family[] {
  const cpu = process.cpuUsage();
  const mem = procMemory();
  const families: Family[] = [
    { name: "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.", type: "counter", samples: [{ labels: {}, value: (cpu.user + cpu.system) / 1e6 }] },
    gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", START_TIME_SECONDS),
    gauge("process_resident_memory_bytes", "Resident memory size in bytes.", mem ? mem.resident : process.memoryUsage.rss()),
  ];
  if (mem) families.push(gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", mem.virtual));
  const open = openFds();
  if (open !== undefined) families.push(gauge("process_open_fds", "Number of open file descriptors.", open));
  const max = maxFds();
  if (max !== undefined) families.push(gauge("process_max_fds", "Maximum number of open file descriptors.", max));
  return families;
}
