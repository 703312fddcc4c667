/**
 * Image garbage collection (upstream `images/image_gc_manager.go`): when the image filesystem is
 * at or above the high threshold (85% used), remove images no container uses — largest first here,
 * since lite does not record last use — until usage is back under the low threshold (80%).
 * Pinned images and lite's built-in images are never removed (pods must keep running offline).
 */
import type { CriClient } from "../../cri/types.ts";

export const IMAGE_GC_HIGH_PERCENT = 85;
export const IMAGE_GC_LOW_PERCENT = 80;

export interface ImageFsUsage { capacityBytes: number; availableBytes: number }

export interface ImageGcResult { removed: string[]; freedBytes: number }

export async function collectImages(cri: CriClient, fs: ImageFsUsage, keep: ReadonlySet<string>): Promise<ImageGcResult> {
  const result: ImageGcResult = { removed: [], freedBytes: 0 };
  if (fs.capacityBytes <= 0) return result;
  const usedPercent = ((fs.capacityBytes - fs.availableBytes) * 100) / fs.capacityBytes;
  if (usedPercent < IMAGE_GC_HIGH_PERCENT) return result;
  const target = fs.capacityBytes * (1 - IMAGE_GC_LOW_PERCENT / 100) - fs.availableBytes; // bytes to free
  const inUse = new Set((await cri.listContainers()).flatMap((c) => [c.imageRef, c.image.image]));
  const candidates = (await cri.listImages())
    .filter((i) => !i.pinned && !inUse.has(i.id) && ![...i.repoTags, ...i.repoDigests].some((n) => inUse.has(n) || keep.has(n)))
    .sort((a, b) => b.size - a.size);
  for (const image of candidates) {
    if (result.freedBytes >= target) break;
    try {
      await cri.removeImage(image.id);
      result.removed.push(image.repoTags[0] ?? image.id);
      result.freedBytes += image.size;
    } catch { /* in use meanwhile: skip */ }
  }
  return result;
}
