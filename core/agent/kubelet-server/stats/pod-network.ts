/**
 * Per pod network counters, read as upstream's kubelet gets them by default: cAdvisor reads
 * /proc/<pid>/net/dev of the pod's sandbox (pause) container, i.e. the counters of the pod's
 * network namespace, and only the sandbox reports them (cAdvisor's containerd handler strips
 * network stats from every other container of the pod: they share the sandbox's namespace).
 * Interfaces named lo*, veth*, docker* and nerdctl* are left out, as cAdvisor leaves them out.
 * A hostNetwork pod's sandbox runs in the node's namespace, so it reports the node's interfaces
 * (less those), as upstream does on its default (cAdvisor) stats path.
 *
 * The sandbox's process is found by cgroup-paths.ts's locator, with the /proc scan that finds
 * containers' cgroups: the process whose cgroup is named after the sandbox id (containerd runs
 * the pause container with the sandbox's id). The pid (the lowest: the pause process itself, not
 * a child) and the cgroup path are kept and checked on every read (/proc/<pid>/cgroup still names
 * the sandbox); a sandbox not found is looked for again at most every `retryMs`. A read is reused for
 * `cacheMs`, so one scrape of /stats/summary and /metrics/cadvisor reads each pod once.
 * Pods whose sandbox process cannot be found get no network stats (nothing is made up).
 */
import { readFile } from "node:fs/promises";
import type { RuntimePod } from "../pod-runtime-view.ts";
import { createCgroupLocator, type CgroupLocator, type LocatedProcess } from "../metrics/cgroup-paths.ts";

/** One interface's counters, as /proc/net/dev has them. */
export interface NetCounters {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/** The network of one pod (its sandbox's namespace) at `timestampMs`. */
export interface PodNetwork {
  sandboxId: string;
  /** The sandbox's cgroup path (cAdvisor's `id` of the pause container). */
  cgroup: string;
  timestampMs: number;
  interfaces: NetCounters[];
}

/** cAdvisor's ignoredDevicePrefixes (container/libcontainer/handler.go). */
const IGNORED_PREFIXES = ["lo", "veth", "docker", "nerdctl"];

/** The interfaces of a /proc/<pid>/net/dev text, less those cAdvisor ignores. */
export function parsePodNetDev(text: string): NetCounters[] {
  const out: NetCounters[] = [];
  for (const line of text.split("\n").slice(2)) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const name = m[1]!;
    if (IGNORED_PREFIXES.some((p) => name.toLowerCase().startsWith(p))) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    if (f.length < 16 || f.some((n) => !Number.isFinite(n))) continue;
    out.push({
      name,
      rxBytes: f[0]!, rxPackets: f[1]!, rxErrors: f[2]!, rxDropped: f[3]!,
      txBytes: f[8]!, txPackets: f[9]!, txErrors: f[10]!, txDropped: f[11]!,
    });
  }
  return out;
}

/** The interface upstream's Summary reports at the top of a pod's `network` (defaultNetworkInterfaceName). */
export const DEFAULT_INTERFACE = "eth0";

/** stats/v1alpha1 InterfaceStats. */
export interface InterfaceSummary { name: string; rxBytes?: number; rxErrors?: number; txBytes?: number; txErrors?: number }
/** stats/v1alpha1 NetworkStats: the default interface inline (name "" when the pod has none), and every interface. */
export type NetworkSummary = { time: string } & InterfaceSummary & { interfaces?: InterfaceSummary[] };

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, "Z");

/** A pod's Summary `network`, as upstream's cadvisorInfoToNetworkStats builds it. */
export function networkSummary(n: PodNetwork): NetworkSummary {
  const interfaces = n.interfaces.map((i): InterfaceSummary => ({ name: i.name, rxBytes: i.rxBytes, rxErrors: i.rxErrors, txBytes: i.txBytes, txErrors: i.txErrors }));
  const primary = interfaces.find((i) => i.name === DEFAULT_INTERFACE) ?? { name: "" };
  return { time: iso(n.timestampMs), ...primary, ...(interfaces.length ? { interfaces } : {}) };
}

export interface PodNetworkReaderOptions {
  /** /proc by default (tests point it at a fake tree); with `locator`, the locator's. */
  procRoot?: string;
  /** Finds the sandboxes' processes (share the cadvisor collector's); one of its own by default. */
  locator?: CgroupLocator;
  /** How long a sandbox not found waits before the next /proc scan for it (ms). */
  retryMs?: number;
  /** How long a read is reused (ms): one scrape's readers share it. */
  cacheMs?: number;
  now?: () => number;
}

/** Reads the pods' network counters; the answer has an entry per sandbox id found. */
export type PodNetworkReader = (pods: readonly RuntimePod[]) => Promise<Map<string, PodNetwork>>;

export function createPodNetworkReader(opts: PodNetworkReaderOptions = {}): PodNetworkReader {
  const now = opts.now ?? Date.now;
  const locator = opts.locator ?? createCgroupLocator({ procRoot: opts.procRoot, now });
  const proc = locator.procRoot;
  const retryMs = opts.retryMs ?? 10_000;
  const cacheMs = opts.cacheMs ?? 1_000;
  const last = new Map<string, PodNetwork>();
  const text = (path: string) => readFile(path, "utf8").catch(() => undefined);

  return async (pods) => {
    const ids = [...new Set(pods.flatMap((p) => (p.sandboxId ? [p.sandboxId] : [])))];
    const live = new Set(ids);
    for (const id of last.keys()) if (!live.has(id)) last.delete(id);
    const t = now();
    const out = new Map<string, PodNetwork>();
    for (const id of ids) {
      const prev = last.get(id);
      if (prev && t - prev.timestampMs < cacheMs) out.set(id, prev);
    }
    const devs = new Map<string, string>();
    /** /proc/<pid>/net/dev of the sandbox's process, if it is still the sandbox's (a cached pod's is not read). */
    const verify = async (id: string, at: LocatedProcess): Promise<boolean> => {
      if (out.has(id)) return true;
      const [cgroup, dev] = await Promise.all([text(`${proc}/${at.pid}/cgroup`), text(`${proc}/${at.pid}/net/dev`)]);
      if (!cgroup?.includes(id) || dev === undefined) return false;
      devs.set(id, dev);
      return true;
    };
    const located = await locator.processes(ids, { retryMs, time: t, verify });
    for (const [id, dev] of devs) {
      const n: PodNetwork = { sandboxId: id, cgroup: located.get(id)!.cgroup, timestampMs: now(), interfaces: parsePodNetDev(dev) };
      last.set(id, n);
      out.set(id, n);
    }
    return out;
  };
}
