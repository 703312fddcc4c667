/**
 * `GET /metrics`: the kubelet's own metrics that lite can count truthfully:
 * - kubelet_node_name{node} 1;
 * - kubelet_running_pods: pod sandboxes the runtime reports ready; kubelet_running_containers
 *   {container_state}: the runtime's containers by state (created, running, exited, unknown), as
 *   upstream's PLEG counts them (sandboxes not included);
 * - process_*: this process (lite; with the embedded agent the API server runs in it too), from
 *   /proc/self: start time, CPU time, resident and virtual memory, open and maximum fds.
 *
 * Left out: kubelet_started_pods_total / _containers_total and the other operation counters and
 * latency histograms (lite's kubelet keeps no such counts), go_* (no Go runtime),
 * kubernetes_build_info, rest_client_* and the HTTP server histograms.
 */
import { readdir, readFile } from "node:fs/promises";
import type { Family } from "../../../metrics/registry.ts";
import type { Container, CriClient, PodSandbox } from "../../cri/types.ts";
import { parseKeyValues, parseProcStat } from "../stats/node-stats.ts";
import { sample } from "./exposition.ts";

/** USER_HZ: /proc/<pid>/stat counts CPU in 1/100 s. */
const TICKS_PER_SECOND = 100;

export interface ProcessStats { startTimeSeconds: number; cpuSeconds: number; residentBytes: number; virtualBytes: number; openFds: number; maxFds?: number }

/**
 * /proc/self/stat (fields after the command: state is field 3, utime 14, stime 15, starttime 22,
 * vsize 23), the boot time from /proc/stat, VmRSS from /proc/self/status, the soft "Max open
 * files" from /proc/self/limits.
 */
export function parseProcessStats(t: { stat: string; procStat: string; status: string; limits: string; openFds: number }): ProcessStats {
  const fields = t.stat.slice(t.stat.lastIndexOf(")") + 2).trim().split(/\s+/).map(Number);
  const at = (n: number) => fields[n - 3] ?? 0; // field 3 is fields[0]
  const bootTime = parseProcStat(t.procStat).bootTime ?? 0;
  const maxFds = /^Max open files\s+(\d+|unlimited)/m.exec(t.limits)?.[1];
  return {
    startTimeSeconds: bootTime + at(22) / TICKS_PER_SECOND,
    cpuSeconds: (at(14) + at(15)) / TICKS_PER_SECOND,
    residentBytes: parseKeyValues(t.status).get("VmRSS") ?? 0,
    virtualBytes: at(23),
    openFds: t.openFds,
    maxFds: maxFds && maxFds !== "unlimited" ? Number(maxFds) : undefined,
  };
}

export async function readProcessStats(): Promise<ProcessStats> {
  const [stat, procStat, status, limits, fds] = await Promise.all([
    readFile("/proc/self/stat", "utf8"), readFile("/proc/stat", "utf8"), readFile("/proc/self/status", "utf8"),
    readFile("/proc/self/limits", "utf8").catch(() => ""), readdir("/proc/self/fd"),
  ]);
  return parseProcessStats({ stat, procStat, status, limits, openFds: fds.length });
}

const STATES: Record<Container["state"], string> = { CONTAINER_CREATED: "created", CONTAINER_RUNNING: "running", CONTAINER_EXITED: "exited", CONTAINER_UNKNOWN: "unknown" };

/** The kubelet's families (pure); `runtime` undefined when the runtime could not be listed. */
export function kubeletFamilies(input: { nodeName: string; runtime?: { sandboxes: readonly PodSandbox[]; containers: readonly Container[] }; process?: ProcessStats }): Family[] {
  const families: Family[] = [
    { name: "kubelet_node_name", help: "[ALPHA] The node's name. The count is always 1.", type: "gauge", samples: [sample({ node: input.nodeName }, 1)] },
  ];
  if (input.runtime) {
    const byState = new Map<string, number>();
    for (const c of input.runtime.containers) {
      const state = STATES[c.state] ?? "unknown";
      byState.set(state, (byState.get(state) ?? 0) + 1);
    }
    families.push(
      { name: "kubelet_running_pods", help: "[ALPHA] Number of pods that have a running pod sandbox", type: "gauge", samples: [sample({}, input.runtime.sandboxes.filter((s) => s.state === "SANDBOX_READY").length)] },
      { name: "kubelet_running_containers", help: "[ALPHA] Number of containers currently running", type: "gauge", samples: [...byState].map(([state, n]) => sample({ container_state: state }, n)) },
    );
  }
  const p = input.process;
  if (p) {
    families.push(
      { name: "process_cpu_seconds_total", help: "[ALPHA] Total user and system CPU time spent in seconds.", type: "counter", samples: [sample({}, p.cpuSeconds)] },
      { name: "process_open_fds", help: "[ALPHA] Number of open file descriptors.", type: "gauge", samples: [sample({}, p.openFds)] },
      { name: "process_max_fds", help: "[ALPHA] Maximum number of open file descriptors.", type: "gauge", samples: p.maxFds === undefined ? [] : [sample({}, p.maxFds)] },
      { name: "process_resident_memory_bytes", help: "[ALPHA] Resident memory size in bytes.", type: "gauge", samples: [sample({}, p.residentBytes)] },
      { name: "process_start_time_seconds", help: "[ALPHA] Start time of the process since unix epoch in seconds.", type: "gauge", samples: [sample({}, p.startTimeSeconds)] },
      { name: "process_virtual_memory_bytes", help: "[ALPHA] Virtual memory size in bytes.", type: "gauge", samples: [sample({}, p.virtualBytes)] },
    );
  }
  return families;
}

export function createKubeletCollector(deps: { nodeName: string; cri: CriClient }) {
  return async (): Promise<Family[]> => {
    const [runtime, process] = await Promise.all([
      Promise.all([deps.cri.listPodSandbox(), deps.cri.listContainers()]).then(([sandboxes, containers]) => ({ sandboxes, containers }), () => undefined),
      readProcessStats().catch(() => undefined),
    ]);
    return kubeletFamilies({ nodeName: deps.nodeName, runtime, process });
  };
}
