/**
 * Local storage limit evictions (upstream eviction_manager.go localStorageEviction, with the
 * LocalStorageCapacityIsolation feature on, as by default). Every eviction round, for each active
 * pod, the first rule it breaks evicts it (grace 1 s):
 * 1. emptyDirLimitEviction: an emptyDir on disk whose use exceeds its `sizeLimit`
 *    ("Usage of EmptyDir volume %q exceeds the limit %q. "). A Memory emptyDir is a tmpfs of at
 *    most `sizeLimit` (empty-dir.ts), so it cannot exceed it and is not measured;
 * 2. podEphemeralStorageLimitEviction: the pod's ephemeral storage (upstream calcEphemeralStorage:
 *    every container's writable layer and log directory, the local ephemeral volumes — emptyDir
 *    not in Memory, configMap — and etc-hosts; lite writes no loose files in the pod's log
 *    directory, which upstream would add) exceeds
 *    upstream's PodLimits for ephemeral-storage: there is a pod limit as soon as one container has
 *    a limit; it is the sum over app and sidecar containers, or the largest init container if
 *    bigger, plus the pod overhead ("Pod ephemeral local storage usage exceeds the total limit of
 *    containers %s. ");
 * 3. containerEphemeralStorageLimitEviction: an app container's log directory plus its writable
 *    layer (the layer only when the image filesystem is not a separate device, as upstream) exceeds
 *    its own non-zero ephemeral-storage limit ("Container %s exceeded its local ephemeral storage
 *    limit %q. ").
 * Only what a rule needs is measured: pods without sizeLimit or limits cost nothing. Directories
 * are walked as `du -x -s` does (lstat, symlinks not followed, other filesystems not entered, hard
 * links counted once), at most a fixed number of entries per round, each path once per round.
 */
import { lstatSync, readdirSync, statSync, type Stats } from "node:fs";
import { compareQuantities, parseQuantity, serializeQuantity, type Quantity } from "../../../apiserver/machinery/quantity.ts";
import type { ContainerStats } from "../../cri/types.ts";
import { podLogDirectory, type AgentPaths } from "../../paths.ts";
import type { ContainerSpec, Pod } from "../pod-types.ts";
import { PLUGINS, podDir, volumeDir } from "../volumes/layout.ts";

/** What a directory (or file) holds on disk; `partial` when the walk ran out of its budget (a lower bound). */
export interface DiskUsage { bytes: number; inodes: number; partial?: boolean }
/** Measures one path; undefined when it does not exist. */
export type UsageFn = (path: string) => Promise<DiskUsage | undefined>;

/** The most entries the walker lstat()s in one eviction round. */
export const DEFAULT_MAX_ENTRIES_PER_ROUND = 100_000;
const YIELD_EVERY = 1024;

export const emptyDirMessage = (volume: string, limit: string) => `Usage of EmptyDir volume ${JSON.stringify(volume)} exceeds the limit ${JSON.stringify(limit)}. `;
export const podEphemeralStorageMessage = (limit: string) => `Pod ephemeral local storage usage exceeds the total limit of containers ${limit}. `;
export const containerEphemeralStorageMessage = (container: string, limit: string) => `Container ${container} exceeded its local ephemeral storage limit ${JSON.stringify(limit)}. `;

/**
 * A `du -x -s` walker sharing one budget of `maxEntries` lstat calls over its life (one eviction
 * round). Synchronous lstat in batches, yielding to the event loop every 1024 entries.
 */
export function createDiskWalker(maxEntries = DEFAULT_MAX_ENTRIES_PER_ROUND): UsageFn {
  let left = maxEntries;
  return async (path) => {
    let root: Stats;
    try { root = lstatSync(path); } catch { return undefined; }
    left--;
    const seen = new Set<string>();
    const usage: DiskUsage = { bytes: 0, inodes: 0 };
    const count = (st: Stats) => {
      if (st.nlink > 1 && !st.isDirectory()) {
        const key = `${st.ino}`;
        if (seen.has(key)) return;
        seen.add(key);
      }
      usage.bytes += st.blocks * 512;
      usage.inodes++;
    };
    count(root);
    if (!root.isDirectory()) return usage;
    const stack = [path];
    let sinceYield = 0;
    while (stack.length) {
      const dir = stack.pop()!;
      let names: string[];
      try { names = readdirSync(dir); } catch { continue; }
      for (const name of names) {
        if (left <= 0) return { ...usage, partial: true };
        left--;
        if (++sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          await new Promise((r) => setImmediate(r));
        }
        let st: Stats;
        try { st = lstatSync(`${dir}/${name}`); } catch { continue; }
        if (st.dev !== root.dev) continue; // another filesystem (a mount inside): not entered, as du -x
        count(st);
        if (st.isDirectory()) stack.push(`${dir}/${name}`);
      }
    }
    return usage;
  };
}

/** Whether two paths sit on different devices (a dedicated image filesystem); false when either cannot be read. */
export function separateDevices(a: string, b: string): boolean {
  try { return statSync(a).dev !== statSync(b).dev; } catch { return false; }
}

/** `fn` with each path measured at most once (one round's cache). */
export function oncePerPath(fn: UsageFn): UsageFn {
  const cache = new Map<string, Promise<DiskUsage | undefined>>();
  return (path) => {
    let p = cache.get(path);
    if (!p) {
      p = fn(path).catch(() => undefined);
      cache.set(path, p);
    }
    return p;
  };
}

interface VolumeShape { name?: string; emptyDir?: { medium?: string; sizeLimit?: string }; configMap?: unknown; gitRepo?: unknown }
const volumesOf = (pod: Pod) => (pod.spec.volumes ?? []) as VolumeShape[];
const limitText = (c: ContainerSpec) => (c.resources as { limits?: Record<string, string> } | undefined)?.limits?.["ephemeral-storage"];

function parse(text: string | undefined): Quantity | undefined {
  if (text === undefined || text === null || text === "") return undefined;
  try { return parseQuantity(String(text)); } catch { return undefined; }
}

/** Quantity.Add: the exact sum, in the receiver's format, no longer cached. */
function add(a: Quantity, b: Quantity): Quantity {
  const e = Math.min(a.exponent, b.exponent);
  const mantissa = a.mantissa * 10n ** BigInt(a.exponent - e) + b.mantissa * 10n ** BigInt(b.exponent - e);
  return { mantissa, exponent: e, format: a.format, value: a.value + b.value };
}
const addTo = (sum: Quantity | undefined, q: Quantity | undefined) => (q === undefined ? sum : sum === undefined ? q : add(sum, q));
const maxOf = (a: Quantity | undefined, b: Quantity | undefined) => (b === undefined ? a : a === undefined || compareQuantities(b, a) > 0 ? b : a);

const bytesOf = (q: Quantity) => Number(q.mantissa) * 10 ** q.exponent;

/**
 * upstream PodLimits(pod)[ephemeral-storage]: present when any container has the limit; app and
 * sidecar containers summed, the largest init container (plus the sidecars started before it) if
 * bigger, plus the overhead when not zero.
 */
export function podEphemeralStorageLimit(pod: Pod): Quantity | undefined {
  let limits: Quantity | undefined;
  for (const c of pod.spec.containers) limits = addTo(limits, parse(limitText(c)));
  let sidecars: Quantity | undefined;
  let initMax: Quantity | undefined;
  for (const c of pod.spec.initContainers ?? []) {
    const own = parse(limitText(c));
    let effective: Quantity | undefined;
    if (c.restartPolicy === "Always") {
      limits = addTo(limits, own);
      sidecars = addTo(sidecars, own);
      effective = sidecars;
    } else {
      effective = addTo(own, sidecars);
    }
    initMax = maxOf(initMax, effective);
  }
  limits = maxOf(limits, initMax);
  const overhead = parse((pod.spec.overhead as Record<string, string> | undefined)?.["ephemeral-storage"]);
  if (limits && overhead && limits.mantissa !== 0n) limits = add(limits, overhead);
  return limits;
}

/** App containers' non-zero ephemeral-storage limits (upstream thresholdsMap). */
export function containerLimits(pod: Pod): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const c of pod.spec.containers) {
    const q = parse(limitText(c));
    if (q && q.mantissa !== 0n) out.set(c.name, q);
  }
  return out;
}

/** emptyDirs on disk with a positive sizeLimit: the only ones rule 1 measures. */
export function limitedEmptyDirs(pod: Pod): { name: string; limit: Quantity }[] {
  const out: { name: string; limit: Quantity }[] = [];
  for (const v of volumesOf(pod)) {
    if (!v.name || !v.emptyDir || v.emptyDir.medium === "Memory") continue;
    const limit = parse(v.emptyDir.sizeLimit);
    if (limit && limit.mantissa > 0n) out.push({ name: v.name, limit });
  }
  return out;
}

/** Whether any of the three rules applies to the pod (otherwise nothing of it is measured). */
export const hasLocalStorageLimit = (pod: Pod) => limitedEmptyDirs(pod).length > 0 || podEphemeralStorageLimit(pod) !== undefined;

/** Paths of a pod's local storage (upstream localVolumeNames' local ephemeral volumes, logs, etc-hosts). */
export function podStoragePaths(paths: AgentPaths, pod: Pod) {
  const uid = pod.metadata.uid ?? "";
  const logDir = podLogDirectory(paths, pod.metadata.namespace ?? "", pod.metadata.name ?? "", uid);
  const localVolumes: string[] = [];
  for (const v of volumesOf(pod)) {
    if (!v.name) continue;
    if (v.emptyDir && v.emptyDir.medium !== "Memory") localVolumes.push(volumeDir(paths, uid, PLUGINS.emptyDir, v.name));
    else if (v.configMap) localVolumes.push(volumeDir(paths, uid, PLUGINS.configMap, v.name));
  }
  return {
    emptyDir: (name: string) => volumeDir(paths, uid, PLUGINS.emptyDir, name),
    containerLogs: (container: string) => `${logDir}/${container}`,
    localVolumes,
    etcHosts: `${podDir(paths, uid)}/etc-hosts`,
  };
}

/** Per container name, the stats of its latest attempt. */
export function latestStats(stats: readonly ContainerStats[]): Map<string, ContainerStats> {
  const out = new Map<string, ContainerStats>();
  for (const s of stats) {
    const prev = out.get(s.attributes.metadata.name);
    if (!prev || s.attributes.metadata.attempt > prev.attributes.metadata.attempt) out.set(s.attributes.metadata.name, s);
  }
  return out;
}

const sum = (...us: (DiskUsage | undefined)[]): DiskUsage => {
  const out: DiskUsage = { bytes: 0, inodes: 0 };
  for (const u of us) if (u) { out.bytes += u.bytes; out.inodes += u.inodes; }
  return out;
};

/** Which parts of a pod's disk use count (upstream fsStatsType: root, logs, local volumes). */
export interface DiskParts { root: boolean; logs: boolean; volumes: boolean }

/**
 * A pod's local disk use as upstream's podDiskUsage ranks it under disk pressure: its containers'
 * writable layers (`root`) and log directories (`logs`), and its local ephemeral volumes.
 * Per container, writable layer plus logs (what evictionMessage reports).
 */
export async function podDiskUsage(paths: AgentPaths, pod: Pod, stats: readonly ContainerStats[], measure: UsageFn, parts: DiskParts): Promise<{ total: DiskUsage; containers: Map<string, DiskUsage> }> {
  const p = podStoragePaths(paths, pod);
  const containers = new Map<string, DiskUsage>();
  for (const [name, s] of latestStats(stats)) {
    const root = parts.root && s.writableLayer ? { bytes: s.writableLayer.usedBytes?.value ?? 0, inodes: s.writableLayer.inodesUsed?.value ?? 0 } : undefined;
    containers.set(name, sum(root, parts.logs ? await measure(p.containerLogs(name)) : undefined));
  }
  const volumes = parts.volumes ? await Promise.all(p.localVolumes.map((v) => measure(v))) : [];
  return { total: sum(...containers.values(), ...volumes), containers };
}

export interface LimitCheckContext {
  paths: AgentPaths;
  measure: UsageFn;
  /** The pod's container stats from the runtime (all attempts). */
  stats: readonly ContainerStats[];
  /** The image filesystem is a separate device: container rule counts logs only (upstream). */
  dedicatedImageFs: boolean;
}

/** The first local-storage rule the pod breaks, as upstream's eviction message; undefined if none. */
export async function localStorageViolation(pod: Pod, ctx: LimitCheckContext): Promise<string | undefined> {
  const p = podStoragePaths(ctx.paths, pod);
  // 1. emptyDir sizeLimit.
  for (const { name, limit } of limitedEmptyDirs(pod)) {
    const used = await ctx.measure(p.emptyDir(name));
    if (used && used.bytes > bytesOf(limit)) return emptyDirMessage(name, serializeQuantity(limit));
  }
  const podLimit = podEphemeralStorageLimit(pod);
  if (podLimit === undefined) return undefined; // no container limit either
  const latest = latestStats(ctx.stats);
  const rootOf = (name: string) => latest.get(name)?.writableLayer?.usedBytes?.value ?? 0;
  // 2. the pod's ephemeral storage against the containers' total limit (calcEphemeralStorage).
  const logsOf = async (name: string) => (await ctx.measure(p.containerLogs(name)))?.bytes ?? 0;
  let total = 0;
  for (const [name, s] of latest) {
    if (!s.writableLayer) continue; // upstream adds a container's logs only with its rootfs
    total += rootOf(name) + await logsOf(name);
  }
  for (const v of p.localVolumes) total += (await ctx.measure(v))?.bytes ?? 0;
  total += (await ctx.measure(p.etcHosts))?.bytes ?? 0;
  if (total > bytesOf(podLimit)) return podEphemeralStorageMessage(serializeQuantity(podLimit));
  // 3. each app container against its own limit.
  const limits = containerLimits(pod);
  for (const name of latest.keys()) {
    const limit = limits.get(name);
    if (!limit) continue;
    const used = await logsOf(name) + (ctx.dedicatedImageFs ? 0 : rootOf(name));
    if (used > bytesOf(limit)) return containerEphemeralStorageMessage(name, serializeQuantity(limit));
  }
  return undefined;
}
