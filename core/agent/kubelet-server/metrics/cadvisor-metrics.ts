/**
 * `GET /metrics/cadvisor`: the cAdvisor container metrics Prometheus dashboards use, with the labels
 * upstream's kubelet gives them (server.go containerPrometheusLabelsFunc): `id` (the cgroup path),
 * `name` (the runtime's container id), `image`, `namespace`, `pod`, `container`. Values are what
 * lite measures truthfully:
 * - per running container, from CRI ListContainerStats (the runtime's cgroup reading):
 *   container_cpu_usage_seconds_total{cpu="total"}, container_memory_usage_bytes,
 *   container_memory_working_set_bytes, container_memory_rss, stamped with the stats' time;
 *   container_last_seen; container_start_time_seconds (the container's start);
 * - container_spec_cpu_period / _cpu_quota (when limited) / _cpu_shares /
 *   container_spec_memory_limit_bytes (0: unlimited): the resources lite gives the runtime for the
 *   container (core/agent/kubelet/spec/resources.ts, upstream's calculation);
 * - the root cgroup `id="/"` (the node: /proc/stat, /proc/meminfo), as cAdvisor reports it;
 * - per pod, container_network_{receive,transmit}_{bytes,packets,errors,packets_dropped}_total
 *   {interface}: the counters of the pod's network namespace (stats/pod-network.ts), stamped with
 *   the read's time. Upstream reports these on the pod's sandbox (pause) container only, and with
 *   containerd (lite's runtime) that container carries no io.kubernetes.container.name label, so
 *   its labels are `container=""`, `id` its cgroup, `image` the sandbox image, `name` its id (the
 *   sandbox id), `namespace`, `pod`. lite reads the same namespace through the same pause
 *   process, so it uses that identity: `container=""`, the pause process's cgroup path as `id`
 *   (found in /proc), SANDBOX_IMAGE (the sandbox_image lite gives containerd), the sandbox id as
 *   `name`. (`container="POD"` was dockershim's naming, not containerd's.) Pods whose sandbox
 *   process is not found have no samples; hostNetwork pods report the node's interfaces, as
 *   cAdvisor does for their pause container;
 * - machine_cpu_cores and machine_memory_bytes {boot_id, machine_id, system_uuid};
 * - container_scrape_error (1 when the runtime's stats could not be read).
 *
 * Left out, because lite cannot measure them (CRI stats carry none of it, and lite reads no
 * per-container cgroup files): container_cpu_user/system_seconds_total, container_cpu_cfs_*,
 * container_memory_cache / _swap / _mapped_file / _kernel_usage / _failcnt / _max_usage_bytes /
 * _failures_total, container_network_tcp/udp_usage_total, container_fs_* (CRI reports
 * the writable layer per snapshotter mount, not per device; cAdvisor's containerd handler reports
 * no per-container filesystem either), container_processes / _threads / _sockets /
 * _file_descriptors, container_oom_events_total, container_pressure_*, container_tasks_state,
 * container_spec_memory_swap_limit_bytes / _reservation_limit_bytes, cadvisor_version_info, the
 * other machine_* families; and the pod-level cgroups and the sandbox (pause) containers' CPU and
 * memory: lite creates no pod cgroups and CRI gives no stats for sandboxes.
 */
import { cpus } from "node:os";
import { readFile } from "node:fs/promises";
import type { Family, Sample } from "../../../metrics/registry.ts";
import type { ContainerStats, CriClient } from "../../cri/types.ts";
import { SANDBOX_IMAGE } from "../../images/builtin-images.ts";
import { byteValue, CPU_PERIOD_US, milliCPUToQuota, milliCPUToShares, milliValue } from "../../kubelet/spec/resources.ts";
import type { PodRuntimeView, RuntimePod } from "../pod-runtime-view.ts";
import { parseProcStat, readNodeMemory, type MemoryStats } from "../stats/node-stats.ts";
import { createPodNetworkReader, type NetCounters, type PodNetwork, type PodNetworkReader } from "../stats/pod-network.ts";
import { createCgroupLocator, type CgroupLocator } from "./cgroup-paths.ts";
import { sample } from "./exposition.ts";

export interface MachineInfo {
  bootId: string;
  machineId: string;
  systemUuid: string;
  cores: number;
  memoryBytes: number;
  /** When it was read (ms): machine samples carry it, as cAdvisor's cached machine info does. */
  timestampMs: number;
}

/** The root cgroup (the node) at `timestampMs`. */
export interface RootUsage { usageCoreNanoSeconds: number; memory: MemoryStats; bootTimeSeconds?: number; timestampMs: number }

/** Everything one scrape renders; `stats` undefined means the runtime's stats could not be read. */
export interface CadvisorInput {
  nowMs: number;
  pods: readonly RuntimePod[];
  stats: readonly ContainerStats[] | undefined;
  /** Cgroup path by container id. */
  cgroups: ReadonlyMap<string, string>;
  root?: RootUsage;
  machine?: MachineInfo;
  /** Network counters by sandbox id (pods absent: none). */
  network?: ReadonlyMap<string, PodNetwork>;
}

interface ContainerSpecShape { name: string; image?: string; resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> } }
interface PodShape {
  spec?: { containers?: ContainerSpecShape[]; initContainers?: ContainerSpecShape[] };
  status?: { containerStatuses?: ContainerStatusShape[]; initContainerStatuses?: ContainerStatusShape[] };
}
interface ContainerStatusShape { name: string; image?: string; state?: { running?: { startedAt?: string } } }

const nsMs = (ns: number | undefined, fallback: number) => (ns ? ns / 1e6 : fallback);

type Acc = Record<string, Sample[]>;

const FAMILIES: [name: string, help: string, type: Family["type"]][] = [
  ["container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", "counter"],
  ["container_last_seen", "Last time a container was seen by the exporter", "gauge"],
  ["container_memory_rss", "Size of RSS in bytes.", "gauge"],
  ["container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed", "gauge"],
  ["container_memory_working_set_bytes", "Current working set in bytes.", "gauge"],
  ["container_scrape_error", "1 if there was an error while getting container metrics, 0 otherwise", "gauge"],
  ["container_spec_cpu_period", "CPU period of the container.", "gauge"],
  ["container_spec_cpu_quota", "CPU quota of the container.", "gauge"],
  ["container_spec_cpu_shares", "CPU share of the container.", "gauge"],
  ["container_spec_memory_limit_bytes", "Memory limit for the container.", "gauge"],
  ["container_start_time_seconds", "Start time of the container since unix epoch in seconds.", "gauge"],
  ["container_network_receive_bytes_total", "Cumulative count of bytes received", "counter"],
  ["container_network_receive_errors_total", "Cumulative count of errors encountered while receiving", "counter"],
  ["container_network_receive_packets_dropped_total", "Cumulative count of packets dropped while receiving", "counter"],
  ["container_network_receive_packets_total", "Cumulative count of packets received", "counter"],
  ["container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", "counter"],
  ["container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting", "counter"],
  ["container_network_transmit_packets_dropped_total", "Cumulative count of packets dropped while transmitting", "counter"],
  ["container_network_transmit_packets_total", "Cumulative count of packets transmitted", "counter"],
  ["machine_cpu_cores", "Number of logical CPU cores.", "gauge"],
  ["machine_memory_bytes", "Amount of memory installed on the machine.", "gauge"],
];

/** The cAdvisor families of one scrape (pure: tests feed it fixed input). */
export function cadvisorFamilies(input: CadvisorInput): Family[] {
  const acc: Acc = Object.fromEntries(FAMILIES.map(([name]) => [name, []]));
  const add = (name: string, s: Sample) => acc[name]!.push(s);
  const nowS = Math.floor(input.nowMs / 1000);

  if (input.root) {
    const r = input.root;
    const labels = { container: "", id: "/", image: "", name: "", namespace: "", pod: "" };
    if (r.usageCoreNanoSeconds > 0) add("container_cpu_usage_seconds_total", sample({ ...labels, cpu: "total" }, r.usageCoreNanoSeconds / 1e9, r.timestampMs));
    add("container_memory_usage_bytes", sample(labels, r.memory.usageBytes, r.timestampMs));
    add("container_memory_working_set_bytes", sample(labels, r.memory.workingSetBytes, r.timestampMs));
    add("container_memory_rss", sample(labels, r.memory.rssBytes, r.timestampMs));
    add("container_last_seen", sample(labels, nowS, input.nowMs));
    if (r.bootTimeSeconds) add("container_start_time_seconds", sample(labels, r.bootTimeSeconds));
  }

  const byId = new Map((input.stats ?? []).map((s) => [s.attributes.id, s]));
  for (const rp of input.pods) {
    const pod = rp.pod as unknown as PodShape & { metadata: { name?: string; namespace?: string } };
    const net = rp.sandboxId ? input.network?.get(rp.sandboxId) : undefined;
    if (net) {
      // The sandbox (pause) container's identity, as upstream labels it with containerd.
      const labels = { container: "", id: net.cgroup, image: SANDBOX_IMAGE, name: net.sandboxId, namespace: pod.metadata.namespace ?? "", pod: pod.metadata.name ?? "" };
      for (const i of net.interfaces) {
        for (const [name, key] of NETWORK_SAMPLES) add(name, sample({ ...labels, interface: i.name }, i[key], net.timestampMs));
      }
    }
    const specs = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const c of rp.containers) {
      if (c.state !== "running" || !c.containerId) continue;
      const s = byId.get(c.containerId);
      if (!s) continue;
      const spec = specs.find((x) => x.name === c.name);
      const status = statuses.find((x) => x.name === c.name);
      const labels = {
        container: c.name,
        id: input.cgroups.get(c.containerId) ?? "",
        image: status?.image ?? spec?.image ?? "",
        name: c.containerId,
        namespace: pod.metadata.namespace ?? "",
        pod: pod.metadata.name ?? "",
      };
      const started = Date.parse(status?.state?.running?.startedAt ?? "");
      if (started > 0) add("container_start_time_seconds", sample(labels, Math.floor(started / 1000)));
      if (spec) specSamples(spec, labels, add);
      const cpu = s.cpu?.usageCoreNanoSeconds?.value ?? 0;
      if (s.cpu && cpu > 0) add("container_cpu_usage_seconds_total", sample({ ...labels, cpu: "total" }, cpu / 1e9, nsMs(s.cpu.timestamp, input.nowMs)));
      if (s.memory) {
        const t = nsMs(s.memory.timestamp, input.nowMs);
        add("container_memory_usage_bytes", sample(labels, s.memory.usageBytes?.value ?? 0, t));
        add("container_memory_working_set_bytes", sample(labels, s.memory.workingSetBytes?.value ?? 0, t));
        add("container_memory_rss", sample(labels, s.memory.rssBytes?.value ?? 0, t));
      }
      add("container_last_seen", sample(labels, nowS, input.nowMs));
    }
  }

  add("container_scrape_error", sample({}, input.stats ? 0 : 1));
  if (input.machine) {
    const m = input.machine;
    const labels = { boot_id: m.bootId, machine_id: m.machineId, system_uuid: m.systemUuid };
    add("machine_cpu_cores", sample(labels, m.cores, m.timestampMs));
    add("machine_memory_bytes", sample(labels, m.memoryBytes, m.timestampMs));
  }
  return FAMILIES.map(([name, help, type]) => ({ name, help, type, samples: acc[name]! }));
}

const NETWORK_SAMPLES: [family: string, counter: keyof Omit<NetCounters, "name">][] = [
  ["container_network_receive_bytes_total", "rxBytes"],
  ["container_network_receive_packets_total", "rxPackets"],
  ["container_network_receive_errors_total", "rxErrors"],
  ["container_network_receive_packets_dropped_total", "rxDropped"],
  ["container_network_transmit_bytes_total", "txBytes"],
  ["container_network_transmit_packets_total", "txPackets"],
  ["container_network_transmit_errors_total", "txErrors"],
  ["container_network_transmit_packets_dropped_total", "txDropped"],
];

/** The cgroup settings lite asks the runtime for (upstream's calculateLinuxResources). */
function specSamples(spec: ContainerSpecShape, labels: Record<string, string>, add: (name: string, s: Sample) => void): void {
  const requests = spec.resources?.requests ?? {};
  const limits = spec.resources?.limits ?? {};
  const cpuLimit = milliValue(limits.cpu);
  const quota = milliCPUToQuota(cpuLimit);
  add("container_spec_cpu_period", sample(labels, CPU_PERIOD_US));
  if (quota !== 0) add("container_spec_cpu_quota", sample(labels, quota));
  add("container_spec_cpu_shares", sample(labels, milliCPUToShares(requests.cpu !== undefined ? milliValue(requests.cpu) : cpuLimit)));
  add("container_spec_memory_limit_bytes", sample(labels, byteValue(limits.memory)));
}

const firstLine = (path: string) => readFile(path, "utf8").then((t) => t.trim(), () => "");

export async function readMachineInfo(memTotalBytes: number): Promise<MachineInfo> {
  const [bootId, machineId, dbusId, systemUuid] = await Promise.all([
    firstLine("/proc/sys/kernel/random/boot_id"), firstLine("/etc/machine-id"), firstLine("/var/lib/dbus/machine-id"), firstLine("/sys/class/dmi/id/product_uuid"),
  ]);
  return { bootId, machineId: machineId || dbusId, systemUuid, cores: cpus().length, memoryBytes: memTotalBytes, timestampMs: Date.now() };
}

export interface CadvisorDeps {
  readonly cri: CriClient;
  readonly pods: PodRuntimeView;
  /** The pods' network counters (shared with /stats/summary); one of its own by default. */
  readonly network?: PodNetworkReader;
  /** Finds the containers' cgroups (the one `network` finds sandboxes with: one /proc scan); one of its own by default. */
  readonly cgroups?: CgroupLocator;
}

/** Gathers a scrape's input from the runtime and the kernel; machine info is read once. */
export function createCadvisorCollector(deps: CadvisorDeps) {
  const locate = deps.cgroups ?? createCgroupLocator();
  const readNetwork = deps.network ?? createPodNetworkReader({ locator: locate });
  let machine: MachineInfo | undefined;
  return async (): Promise<Family[]> => {
    const pods = deps.pods.list();
    const [stats, root, network] = await Promise.all([
      deps.cri.listContainerStats().catch(() => undefined),
      readRoot().catch(() => undefined),
      readNetwork(pods).catch(() => undefined),
    ]);
    const ids = pods.flatMap((p) => p.containers.filter((c) => c.state === "running" && c.containerId).map((c) => c.containerId!));
    const cgroups = await locate(ids).catch(() => new Map<string, string>());
    if (!machine && root) machine = await readMachineInfo(root.memTotalBytes);
    return cadvisorFamilies({ nowMs: Date.now(), pods, stats, cgroups, root, machine, network });
  };
}

async function readRoot(): Promise<RootUsage & { memTotalBytes: number }> {
  const [stat, { memory, memTotalBytes }] = await Promise.all([readFile("/proc/stat", "utf8"), readNodeMemory()]);
  const parsed = parseProcStat(stat);
  return { usageCoreNanoSeconds: parsed.usageCoreNanoSeconds, bootTimeSeconds: parsed.bootTime, memory, memTotalBytes, timestampMs: Date.now() };
}
