/**
 * Node-pressure eviction (upstream `eviction/eviction_manager.go` synchronize), every 10 s:
 * 1. observe the signals; the thresholds met now, plus those met last round whose minimum reclaim
 *    is not yet satisfied, are "met" (grace periods aside);
 * 2. the pressure conditions are those of met thresholds, held for the pressure-transition period
 *    after they were last observed (MemoryPressure, DiskPressure, PIDPressure on the Node);
 * 3. a threshold acts once it has been met for its grace period (0 for hard thresholds);
 * 4. memory first, the starved resource is announced (Node event EvictionThresholdMet "Attempting
 *    to reclaim <resource>"); disk pressure first deletes unused images, and evicts nothing when that
 *    brings every threshold back past its minimum reclaim;
 * 5. otherwise one pod per round, the first of the ranking that is not critical, is evicted with
 *    upstream's message, reason Evicted and DisruptionTarget condition, its containers stopped
 *    with a grace period of 1 s (hard threshold) or min(its own, eviction-max-pod-grace-period)
 *    (soft; at least 1 s, as upstream's pod workers).
 * Before the thresholds act (and even without thresholds), local storage limits are enforced
 * (local-storage.ts: emptyDir sizeLimit, pod and container ephemeral-storage limits): every pod
 * breaking one is evicted (grace 1 s, no DisruptionTarget condition, as upstream), and the round
 * ends there. Under disk pressure a pod's disk use counts its writable layers, container logs and
 * local ephemeral volumes, as upstream's ranking does.
 * Image garbage collection (image-gc.ts) runs every 5 minutes beside it.
 */
import { readdir, readFile } from "node:fs/promises";
import type { Logger } from "@lite/sdk";
import { parseQuantity, quantityScaledValue, serializeQuantity } from "../../../apiserver/machinery/quantity.ts";
import { DEFAULT_KUBELET_TUNING, type EvictionSettings } from "../../../config/kubelet-config.ts";
import type { ContainerStats, CriClient } from "../../cri/types.ts";
import type { AgentPaths } from "../../paths.ts";
import type { EvictionSignals } from "../node/eviction-signals.ts";
import type { NodePressure } from "../node/types.ts";
import type { Pod } from "../pod-types.ts";
import { POD_UID_LABEL } from "../runtime-labels.ts";
import { isCritical, rankForEviction } from "./eviction-ranking.ts";
import { IMAGE_GC_PERIOD_MS, type ImageGcManager } from "./image-gc.ts";
import {
  createDiskWalker, DEFAULT_MAX_ENTRIES_PER_ROUND, hasLocalStorageLimit, localStorageViolation, oncePerPath, podDiskUsage, podEphemeralStorageLimit,
  type DiskParts, type UsageFn,
} from "./local-storage.ts";
import {
  isHard, observe, pressureOf, quantityText, SIGNAL_RESOURCE, thresholdQuantityText, thresholdsMet,
  type Observations, type ReclaimResource, type Threshold,
} from "./thresholds.ts";

/** upstream immediateEvictionGracePeriodSeconds (and pod workers never use less than 1 s). */
export const IMMEDIATE_EVICTION_GRACE_SECONDS = 1;

export interface EvictionManagerDeps {
  cri: CriClient;
  log: Logger;
  /** Thresholds, transition period, max pod grace period (default: upstream's defaults). */
  settings?: EvictionSettings;
  /** Pods running on the node (not terminal, not being deleted). */
  pods(): Pod[];
  /**
   * Fails the pod (reason Evicted, `message`) and stops its containers within `gracePeriodSeconds`;
   * `disruptionTarget: false` leaves out the DisruptionTarget condition (local storage evictions).
   */
  evict(pod: Pod, message: string, gracePeriodSeconds: number, options?: { disruptionTarget?: boolean }): Promise<void>;
  imageGc: ImageGcManager;
  /** The eviction signals now. */
  signals(): EvictionSignals;
  now(): number;
  /** Events on the Node (EvictionThresholdMet). */
  recordNodeEvent?(type: "Warning" | "Normal", reason: string, message: string): void;
  /** Processes per pod uid, for PID pressure (default: counted from /proc). */
  podProcesses?(): Promise<Map<string, number>>;
  /** Local storage capacity isolation (limit evictions, disk use with logs and volumes); off without it. */
  localStorage?: LocalStorageOptions;
}

export interface LocalStorageOptions {
  /** Where pods' volumes, logs and etc-hosts live. */
  paths: AgentPaths;
  /** Measures a path (default: a du -x -s walker, at most `maxEntriesPerRound` entries a round). Called once per path per round. */
  usage?: UsageFn;
  maxEntriesPerRound?: number;
  /** The image filesystem (writable layers) is a separate device from the node filesystem. */
  dedicatedImageFs?: boolean;
}

export interface SyncResult {
  /** The resource being reclaimed this round, if any threshold acted. */
  resource?: ReclaimResource;
  imagesRemoved: string[];
  /** namespace/name of the evicted pod (the first, when local storage limits evicted several). */
  evicted?: string;
  /** namespace/name of every pod evicted for breaking a local storage limit this round. */
  limitEvicted?: string[];
  gracePeriodSeconds?: number;
}

export interface EvictionManager {
  synchronize(): Promise<SyncResult>;
  /** The pressure conditions (for the Node's MemoryPressure/DiskPressure/PIDPressure). */
  pressure(): NodePressure;
  /** Runs synchronize every `intervalMs` and image GC every 5 minutes. */
  start(intervalMs?: number): { stop(): void };
}

export function createEvictionManager(deps: EvictionManagerDeps): EvictionManager {
  const settings = deps.settings ?? DEFAULT_KUBELET_TUNING.eviction;
  let lastMet: Threshold[] = [];
  let firstObservedAt = new Map<Threshold, number>();
  const conditionLastObservedAt: Record<keyof NodePressure, number | undefined> = { memory: undefined, disk: undefined, pid: undefined };
  let conditions: NodePressure = { memory: false, disk: false, pid: false };
  const local = deps.localStorage;
  /** Pods this manager evicted for a local storage limit, until they leave the active pods. */
  const limitEvictedUids = new Set<string>();

  const synchronize = async (): Promise<SyncResult> => {
    const out: SyncResult = { imagesRemoved: [] };
    const now = deps.now();
    await deps.imageGc.detect(now).catch(() => undefined); // keeps images' last-used times current
    const thresholds = settings.thresholds;
    if (thresholds.length === 0 && !local) return out;
    // One measurement per path per round, within one round's budget.
    const measure = local ? oncePerPath(local.usage ?? createDiskWalker(local.maxEntriesPerRound ?? DEFAULT_MAX_ENTRIES_PER_ROUND)) : undefined;
    const acting = thresholds.length ? updateThresholds(now) : { acting: [], observations: {} };
    if (local && measure) {
      const evicted = await localStorageEviction(local, measure);
      if (evicted.length) {
        out.evicted = evicted[0];
        out.limitEvicted = evicted;
        out.gracePeriodSeconds = IMMEDIATE_EVICTION_GRACE_SECONDS;
        return out;
      }
    }
    if (acting.acting.length === 0) return out;
    return reclaim(out, now, acting.acting, acting.observations, measure);
  };

  /** Steps 1-3: the thresholds met, the pressure conditions, and those acting now. */
  const updateThresholds = (now: number): { acting: Threshold[]; observations: Observations } => {
    const thresholds = settings.thresholds;
    const observations = observe(deps.signals());

    let met = thresholdsMet(thresholds, observations, false);
    if (lastMet.length) {
      const unresolved = thresholdsMet(lastMet, observations, true);
      met = [...met, ...unresolved.filter((t) => !met.includes(t))];
    }
    firstObservedAt = new Map(met.map((t) => [t, firstObservedAt.get(t) ?? now]));
    const observedNow = pressureOf(met);
    for (const k of ["memory", "disk", "pid"] as const) if (observedNow[k]) conditionLastObservedAt[k] = now;
    const held = (k: keyof NodePressure) => conditionLastObservedAt[k] !== undefined && now - conditionLastObservedAt[k]! < settings.pressureTransitionPeriodMs;
    conditions = { memory: held("memory"), disk: held("disk"), pid: held("pid") };

    const acting = met.filter((t) => now - firstObservedAt.get(t)! >= t.gracePeriodMs);
    lastMet = acting;
    return { acting, observations };
  };

  /** upstream localStorageEviction: every active pod breaking a local storage limit is evicted. */
  const localStorageEviction = async (opts: LocalStorageOptions, measure: UsageFn): Promise<string[]> => {
    const pods = deps.pods();
    const active = new Set(pods.map((p) => p.metadata.uid ?? ""));
    for (const uid of limitEvictedUids) if (!active.has(uid)) limitEvictedUids.delete(uid);
    const candidates = pods.filter((p) => !limitEvictedUids.has(p.metadata.uid ?? "") && hasLocalStorageLimit(p));
    if (candidates.length === 0) return [];
    // Writable layers only when some pod has an ephemeral-storage limit (a pod or container rule).
    const needStats = candidates.some((p) => podEphemeralStorageLimit(p) !== undefined);
    const stats = statsByPod(needStats ? await deps.cri.listContainerStats().catch((): ContainerStats[] => []) : []);
    const evicted: string[] = [];
    for (const pod of candidates) {
      const uid = pod.metadata.uid ?? "";
      const message = await localStorageViolation(pod, {
        paths: opts.paths, measure, dedicatedImageFs: !!opts.dedicatedImageFs,
        stats: stats.get(uid) ?? [],
      });
      if (!message) continue;
      const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (isCritical(pod)) {
        deps.log.warn("eviction manager: cannot evict a critical pod", { pod: name });
        continue;
      }
      deps.log.warn("evicting a pod over a local storage limit", { pod: name, message });
      limitEvictedUids.add(uid);
      await deps.evict(pod, message, IMMEDIATE_EVICTION_GRACE_SECONDS, { disruptionTarget: false });
      evicted.push(name);
    }
    return evicted;
  };

  /** Steps 4-5: reclaim the starved resource, evicting at most one pod. */
  const reclaim = async (out: SyncResult, now: number, acting: Threshold[], observations: Observations, measure: UsageFn | undefined): Promise<SyncResult> => {
    const thresholds = settings.thresholds;

    // Memory first (upstream byEvictionPriority); the rest keep their order.
    const ranked = [...acting.filter((t) => t.signal === "memory.available"), ...acting.filter((t) => t.signal !== "memory.available")];
    const toReclaim = ranked[0]!;
    const resource = SIGNAL_RESOURCE[toReclaim.signal];
    out.resource = resource;
    deps.log.info("eviction manager: attempting to reclaim", { resource });
    deps.recordNodeEvent?.("Warning", "EvictionThresholdMet", `Attempting to reclaim ${resource}`);

    if (resource === "ephemeral-storage" || resource === "inodes") {
      // lite's image filesystem (containerd's root) lives under the data dir: images reclaim both.
      const gc = await deps.imageGc.deleteUnusedImages(now).catch(() => ({ removed: [], freedBytes: 0 }));
      out.imagesRemoved = gc.removed;
      if (gc.removed.length) deps.log.info("image garbage collection under disk pressure", { removed: gc.removed.join(","), freedBytes: gc.freedBytes });
      if (thresholdsMet(thresholds, observe(deps.signals()), true).length === 0) {
        deps.log.info("eviction manager: able to reduce resource pressure without evicting pods", { resource });
        return out;
      }
    }

    const pods = deps.pods();
    if (pods.length === 0) {
      deps.log.warn("eviction manager: eviction thresholds have been met, but no pods are active to evict");
      return out;
    }
    const stats = await podStats(resource, toReclaim.signal, pods, measure);
    const order = rankForEviction(pods, resource, (uid) => stats.get(uid)?.total);
    for (const pod of order) {
      if (isCritical(pod)) {
        deps.log.warn("eviction manager: cannot evict a critical pod", { pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
        continue;
      }
      const own = (pod.spec.terminationGracePeriodSeconds as number | undefined) ?? 30;
      const grace = isHard(toReclaim) ? IMMEDIATE_EVICTION_GRACE_SECONDS : Math.max(IMMEDIATE_EVICTION_GRACE_SECONDS, Math.min(own, settings.maxPodGracePeriodSeconds));
      const message = evictionMessage(resource, pod, stats.get(pod.metadata.uid ?? ""), ranked, observations);
      deps.log.warn("evicting a pod under node pressure", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, resource, gracePeriodSeconds: grace });
      await deps.evict(pod, message, grace);
      out.evicted = `${pod.metadata.namespace}/${pod.metadata.name}`;
      out.gracePeriodSeconds = grace;
      return out;
    }
    deps.log.warn("eviction manager: unable to evict any pods from the node");
    return out;
  };

  /** Per pod: its use of `resource` in total and per container (undefined: no stats). */
  const podStats = async (resource: ReclaimResource, signal: Threshold["signal"], pods: Pod[], measure: UsageFn | undefined): Promise<Map<string, PodUsage>> => {
    const out = new Map<string, PodUsage>();
    if (resource === "pids") {
      const counts = await (deps.podProcesses ?? (() => countPodProcesses(deps.cri)))().catch(() => new Map<string, number>());
      for (const [uid, n] of counts) out.set(uid, { total: n, containers: [] });
      return out;
    }
    const all: ContainerStats[] = await deps.cri.listContainerStats().catch(() => []);
    if (local && measure && (resource === "ephemeral-storage" || resource === "inodes")) {
      // upstream podDiskUsage: writable layers, container logs and local ephemeral volumes (with a
      // separate image filesystem, nodefs signals count logs and volumes, imagefs ones the layers).
      const imagefs = signal.startsWith("imagefs.");
      const parts: DiskParts = local.dedicatedImageFs ? { root: imagefs, logs: !imagefs, volumes: !imagefs } : { root: true, logs: true, volumes: true };
      const field = resource === "ephemeral-storage" ? "bytes" : "inodes";
      const byPod = statsByPod(all);
      for (const pod of pods) {
        const uid = pod.metadata.uid ?? "";
        const own = byPod.get(uid) ?? [];
        const disk = await podDiskUsage(local.paths, pod, own, measure, parts);
        if (own.length === 0 && disk.total[field] === 0) continue; // no stats at all, as before
        out.set(uid, {
          total: disk.total[field],
          containers: [...disk.containers].map(([name, u]) => ({ name, used: u[field] })),
        });
      }
      return out;
    }
    const wanted = new Set(pods.map((p) => p.metadata.uid));
    for (const s of all) {
      const uid = s.attributes.labels[POD_UID_LABEL];
      if (!uid || !wanted.has(uid)) continue;
      const used = resource === "memory" ? s.memory?.workingSetBytes?.value
        : resource === "ephemeral-storage" ? s.writableLayer?.usedBytes?.value
          : s.writableLayer?.inodesUsed?.value;
      const entry = out.get(uid) ?? { total: 0, containers: [] };
      entry.total += used ?? 0;
      entry.containers.push({ name: s.attributes.metadata.name, used });
      out.set(uid, entry);
    }
    return out;
  };

  return {
    synchronize,
    pressure: () => ({ ...conditions }),
    start(intervalMs = 10_000) {
      let running = false;
      const timer = setInterval(async () => {
        if (running) return;
        running = true;
        try {
          await synchronize();
        } catch (err) {
          deps.log.debug("eviction round failed", { error: err instanceof Error ? err.message : String(err) });
        } finally {
          running = false;
        }
      }, intervalMs);
      let collecting = false;
      const gcTimer = setInterval(async () => {
        if (collecting) return;
        collecting = true;
        try {
          const r = await deps.imageGc.garbageCollect(deps.signals().imagefs, deps.now());
          if (r.removed.length) deps.log.info("image garbage collection", { removed: r.removed.join(","), freedBytes: r.freedBytes });
        } catch (err) {
          deps.log.debug("image garbage collection failed", { error: err instanceof Error ? err.message : String(err) });
        } finally {
          collecting = false;
        }
      }, IMAGE_GC_PERIOD_MS);
      return { stop: () => { clearInterval(timer); clearInterval(gcTimer); } };
    },
  };
}

interface PodUsage { total: number; containers: { name: string; used: number | undefined }[] }

/**
 * upstream evictionMessage: "The node was low on resource: memory. Threshold quantity: 100Mi,
 * available: 51200Ki. Container c was using 209715Ki, request is 0, has larger consumption of
 * memory. " (each sentence ends with a space, as upstream's).
 */
export function evictionMessage(resource: ReclaimResource, pod: Pod, usage: PodUsage | undefined, thresholds: readonly Threshold[], obs: Observations): string {
  let message = `The node was low on resource: ${resource}. `;
  const t = thresholds.find((x) => SIGNAL_RESOURCE[x.signal] === resource && obs[x.signal]);
  if (t) {
    const o = obs[t.signal]!;
    const format = resource === "inodes" || resource === "pids" ? "DecimalSI" : "BinarySI";
    message += `Threshold quantity: ${thresholdQuantityText(t, o.capacity)}, available: ${quantityText(o.available, format)}. `;
  }
  if (!usage || (resource !== "memory" && resource !== "ephemeral-storage")) return message;
  const specs = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  for (const c of usage.containers) {
    const spec = specs.find((s) => s.name === c.name);
    if (!spec || c.used === undefined) continue;
    const requestText = (spec.resources as { requests?: Record<string, string> } | undefined)?.requests?.[resource];
    let request = 0;
    let requestShown = "0";
    if (requestText) {
      try {
        const q = parseQuantity(requestText);
        request = Number(quantityScaledValue(q, 0));
        requestShown = serializeQuantity(q);
      } catch { /* validated by the API server */ }
    }
    if (c.used > request) message += `Container ${c.name} was using ${quantityText(c.used)}, request is ${requestShown}, has larger consumption of ${resource}. `;
  }
  return message;
}

/** Processes per pod: /proc entries whose cgroup names one of the pod's running containers. */
export async function countPodProcesses(cri: CriClient, procRoot = "/proc"): Promise<Map<string, number>> {
  const owner = new Map<string, string>();
  for (const c of await cri.listContainers({ state: { state: "CONTAINER_RUNNING" } })) {
    const uid = c.labels[POD_UID_LABEL];
    if (uid) owner.set(c.id, uid);
  }
  const counts = new Map<string, number>();
  if (owner.size === 0) return counts;
  const pids = (await readdir(procRoot).catch(() => [] as string[])).filter((e) => /^\d+$/.test(e));
  for (const pid of pids) {
    const text = await readFile(`${procRoot}/${pid}/cgroup`, "utf8").catch(() => "");
    if (!text) continue;
    for (const [id, uid] of owner) {
      if (text.includes(id)) {
        counts.set(uid, (counts.get(uid) ?? 0) + 1);
        break;
      }
    }
  }
  return counts;
}

/** Container stats grouped by their pod's UID label (stats without one are left out). */
function statsByPod(stats: readonly ContainerStats[]): Map<string, ContainerStats[]> {
  const out = new Map<string, ContainerStats[]>();
  for (const s of stats) {
    const uid = s.attributes.labels[POD_UID_LABEL];
    if (uid) (out.get(uid) ?? out.set(uid, []).get(uid)!).push(s);
  }
  return out;
}
