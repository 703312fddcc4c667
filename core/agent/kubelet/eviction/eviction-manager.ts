/**
 * Node-pressure eviction (upstream `eviction/eviction_manager.go`): every 10 s the hard thresholds
 * (memory.available<100Mi, nodefs/imagefs low, see node/eviction-signals.ts) are checked. Disk
 * pressure first reclaims node-level resources (unused images); then, while a threshold is still
 * crossed, one pod per round is evicted — the first of the ranking — with upstream's status
 * (phase Failed, reason Evicted, a DisruptionTarget condition) and no grace period.
 */
import type { Logger } from "@lite/sdk";
import type { CriClient } from "../../cri/types.ts";
import type { AgentPaths } from "../../paths.ts";
import { hostSignalSources, observeSignals, thresholdsMet, type EvictionSignals } from "../node/eviction-signals.ts";
import type { Pod } from "../pod-types.ts";
import { POD_UID_LABEL } from "../runtime-labels.ts";
import { rankForEviction, type Resource } from "./eviction-ranking.ts";
import { collectImages } from "./image-gc.ts";

export interface EvictionManagerDeps {
  cri: CriClient;
  paths: AgentPaths;
  log: Logger;
  /** Pods running on the node (not terminal, not being deleted). */
  pods(): Pod[];
  evict(pod: Pod, message: string): Promise<void>;
  /** Images never garbage-collected (the built-ins). */
  keepImages: ReadonlySet<string>;
  /** Test seam: the eviction signals (default: this machine). */
  signals?: () => EvictionSignals;
}

const Ki = (bytes: number) => `${Math.floor(bytes / 1024)}Ki`;

/** One round; returns what it did (for logs and tests). */
export async function evictionRound(deps: EvictionManagerDeps): Promise<{ imagesRemoved: string[]; evicted?: string }> {
  const observe = deps.signals ?? (() => observeSignals(hostSignalSources(deps.paths.root, deps.paths.containerdRoot)));
  let signals = observe();
  let met = thresholdsMet(signals);
  const out: { imagesRemoved: string[]; evicted?: string } = { imagesRemoved: [] };
  if (signals.imagefs) {
    const gc = await collectImages(deps.cri, signals.imagefs, deps.keepImages).catch(() => ({ removed: [], freedBytes: 0 }));
    out.imagesRemoved = gc.removed;
    if (gc.removed.length) {
      deps.log.info("image garbage collection", { removed: gc.removed.join(","), freedBytes: gc.freedBytes });
      signals = observe();
      met = thresholdsMet(signals);
    }
  }
  if (!met.memory && !met.disk) return out;
  const resource: Resource = met.memory ? "memory" : "ephemeral-storage";
  const stats = await deps.cri.listContainerStats().catch(() => []);
  const usage = new Map<string, number>();
  for (const s of stats) {
    const uid = s.attributes.labels[POD_UID_LABEL];
    if (!uid) continue;
    const bytes = resource === "memory" ? s.memory?.workingSetBytes?.value ?? 0 : s.writableLayer?.usedBytes?.value ?? 0;
    usage.set(uid, (usage.get(uid) ?? 0) + bytes);
  }
  const victim = rankForEviction(deps.pods(), resource, (uid) => usage.get(uid) ?? 0)[0];
  if (!victim) return out;
  const used = usage.get(victim.metadata.uid ?? "") ?? 0;
  const message = resource === "memory"
    ? `The node was low on resource: memory. Threshold quantity: 100Mi, available: ${Ki(signals.memory.availableBytes)}. Pod was using ${Ki(used)}.`
    : `The node was low on resource: ephemeral-storage. Pod was using ${Ki(used)}.`;
  deps.log.warn("evicting a pod under node pressure", { pod: `${victim.metadata.namespace}/${victim.metadata.name}`, resource });
  await deps.evict(victim, message);
  out.evicted = `${victim.metadata.namespace}/${victim.metadata.name}`;
  return out;
}

export function startEvictionManager(deps: EvictionManagerDeps, intervalMs = 10_000): { stop(): void } {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await evictionRound(deps);
    } catch (err) {
      deps.log.debug("eviction round failed", { error: err instanceof Error ? err.message : String(err) });
    } finally {
      running = false;
    }
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
