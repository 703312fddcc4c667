/**
 * Image garbage collection (upstream `images/image_gc_manager.go`). The manager keeps a record per
 * image: when it was first detected and when it was last used (set to "now" at every detection while
 * any container, running or exited, uses it; detection runs at each eviction round, every 10 s, and
 * at every collection). Collection (every 5 minutes, and by eviction under disk pressure):
 * - images unused for longer than imageMaximumGCAge are removed (when set, and once the kubelet has
 *   run that long);
 * - when the image filesystem is at or above the high threshold (default 85% used), unused images
 *   are removed least recently used first (ties: first detected first) until usage is back under
 *   the low threshold (80%); images detected less than imageMinimumGCAge ago (2m) are kept.
 * Images in use, pinned images and lite's built-in images (pods must keep running offline) are
 * never removed. Falling short records upstream's FreeDiskSpaceFailed event.
 */
import type { ImageGcPolicy } from "../../../config/kubelet-config.ts";
import { DEFAULT_IMAGE_GC } from "../../../config/kubelet-config.ts";
import type { CriClient, Image } from "../../cri/types.ts";

export const IMAGE_GC_PERIOD_MS = 5 * 60_000;

export interface ImageFsUsage { capacityBytes: number; availableBytes: number }

export interface ImageGcResult { removed: string[]; freedBytes: number }

interface ImageRecord { firstDetected: number; lastUsed: number; size: number; pinned: boolean; names: string[] }

export interface ImageGcManager {
  /** Lists images and containers, refreshing first-detected / last-used times; returns the image ids in use. */
  detect(now: number): Promise<Set<string>>;
  /** One collection (upstream GarbageCollect): images past the maximum age, then down to the low threshold. */
  garbageCollect(fs: ImageFsUsage | undefined, now: number): Promise<ImageGcResult>;
  /** Every unused image old enough (upstream DeleteUnusedImages, for eviction under disk pressure). */
  deleteUnusedImages(now: number): Promise<ImageGcResult>;
  /** The record of an image (tests, logs). */
  record(id: string): { firstDetected: number; lastUsed: number } | undefined;
}

export interface ImageGcOptions {
  cri: CriClient;
  policy?: ImageGcPolicy;
  /** Image names never removed (the built-ins). */
  keep: ReadonlySet<string>;
  /** When the kubelet started (maximum-age removal waits that long). */
  startedAt: number;
  /** Warning events on the Node (FreeDiskSpaceFailed). */
  recordEvent?(type: "Warning", reason: string, message: string): void;
}

export function createImageGcManager(o: ImageGcOptions): ImageGcManager {
  const policy = o.policy ?? DEFAULT_IMAGE_GC;
  const records = new Map<string, ImageRecord>();

  const detect = async (now: number): Promise<Set<string>> => {
    const [images, containers] = await Promise.all([o.cri.listImages(), o.cri.listContainers()]);
    const byName = new Map<string, Image>();
    for (const i of images) for (const n of [i.id, ...i.repoTags, ...i.repoDigests]) byName.set(n, i);
    const inUse = new Set<string>();
    for (const c of containers) {
      for (const ref of [c.imageRef, c.image?.image]) {
        const image = ref ? byName.get(ref) : undefined;
        if (image) inUse.add(image.id);
      }
    }
    const present = new Set<string>();
    for (const i of images) {
      present.add(i.id);
      let r = records.get(i.id);
      if (!r) records.set(i.id, r = { firstDetected: now, lastUsed: 0, size: i.size, pinned: !!i.pinned, names: [] });
      if (inUse.has(i.id)) r.lastUsed = now;
      r.size = i.size;
      r.pinned = !!i.pinned;
      r.names = [...i.repoTags, ...i.repoDigests];
    }
    for (const id of records.keys()) if (!present.has(id)) records.delete(id);
    return inUse;
  };

  /** Unused, unpinned, not built-in images, least recently used first (upstream imagesInEvictionOrder). */
  const evictionOrder = async (now: number) => {
    const inUse = await detect(now);
    return [...records.entries()]
      .filter(([id, r]) => !inUse.has(id) && !r.pinned && !r.names.some((n) => o.keep.has(n)))
      .map(([id, r]) => ({ id, ...r }))
      .sort((a, b) => (a.lastUsed !== b.lastUsed ? a.lastUsed - b.lastUsed : a.firstDetected - b.firstDetected));
  };

  const remove = async (image: { id: string; names: string[]; size: number }, result: ImageGcResult): Promise<boolean> => {
    try {
      await o.cri.removeImage(image.id);
    } catch {
      return false; // in use meanwhile, or already gone: upstream carries on with the next
    }
    records.delete(image.id);
    result.removed.push(image.names[0] ?? image.id);
    result.freedBytes += image.size;
    return true;
  };

  /** upstream freeSpace: remove eligible images in order until `bytesToFree` are freed. */
  const freeSpace = async (images: Awaited<ReturnType<typeof evictionOrder>>, bytesToFree: number, now: number, result: ImageGcResult) => {
    let freed = 0;
    for (const image of images) {
      if (image.lastUsed >= now) continue; // used at this very detection
      if (now - image.firstDetected < policy.minAgeMs) continue; // maybe just pulled, about to be used
      if (await remove(image, result)) freed += image.size;
      if (freed >= bytesToFree) break;
    }
    return freed;
  };

  return {
    detect,
    record: (id) => {
      const r = records.get(id);
      return r && { firstDetected: r.firstDetected, lastUsed: r.lastUsed };
    },
    async garbageCollect(fs, now) {
      const result: ImageGcResult = { removed: [], freedBytes: 0 };
      let images = await evictionOrder(now);
      if (policy.maxAgeMs > 0 && now - o.startedAt > policy.maxAgeMs) {
        const old = images.filter((i) => now - i.lastUsed > policy.maxAgeMs);
        for (const image of old) await remove(image, result);
        images = images.filter((i) => records.has(i.id)); // removed ones lost their record
      }
      if (!fs || fs.capacityBytes <= 0) return result;
      const available = Math.min(fs.availableBytes, fs.capacityBytes);
      const usagePercent = 100 - Math.trunc((available * 100) / fs.capacityBytes);
      if (usagePercent < policy.highThresholdPercent) return result;
      const amountToFree = Math.trunc((fs.capacityBytes * (100 - policy.lowThresholdPercent)) / 100) - available;
      const freed = await freeSpace(images, amountToFree, now, result);
      if (freed < amountToFree) {
        o.recordEvent?.("Warning", "FreeDiskSpaceFailed", `Failed to garbage collect required amount of images. Attempted to free ${amountToFree} bytes, but only found ${freed} bytes eligible to free.`);
      }
      return result;
    },
    async deleteUnusedImages(now) {
      const result: ImageGcResult = { removed: [], freedBytes: 0 };
      await freeSpace(await evictionOrder(now), Number.MAX_SAFE_INTEGER, now, result);
      return result;
    },
  };
}
