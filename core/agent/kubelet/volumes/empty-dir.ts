/**
 * emptyDir (upstream pkg/volume/emptydir): a 0777 directory on the node's disk, or for medium
 * Memory a tmpfs whose size is the smallest positive of the node's allocatable memory, the pod's
 * memory limit and the volume's sizeLimit (calculateEmptyDirMemorySize). Secret and projected
 * volumes sit on such a tmpfs too (upstream wraps them in a Memory emptyDir).
 * Disk sizeLimit is enforced by eviction, not here.
 */
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import type { KubeObject } from "@lite/sdk";
import { parseQuantity, quantityScaledValue } from "../../../apiserver/machinery/quantity.ts";
import { SetUpError } from "./errors.ts";
import { isMountPoint, mountTmpfs } from "./host-mounts.ts";
import { podSpec, type ContainerSpec, type Quantity } from "./types.ts";

export const EMPTY_DIR_MODE = 0o777;

/** A quantity in whole units (bytes for memory); 0 when absent or malformed. */
export function quantityBytes(q: Quantity | undefined): number {
  if (q === undefined || q === null || q === "") return 0;
  try { return Number(quantityScaledValue(parseQuantity(String(q)), 0)); } catch { return 0; }
}

/**
 * The pod's memory limit as its cgroup gets it (cm.ResourceConfigForPod): the sum of regular and
 * sidecar containers, or the largest init container if bigger, plus overhead; 0 (none) unless
 * every container has a memory limit.
 */
export function podMemoryLimit(pod: KubeObject): number {
  const spec = podSpec(pod);
  const limit = (c: ContainerSpec) => quantityBytes(c.resources?.limits?.memory);
  const inits = spec.initContainers ?? [];
  const all = [...inits, ...(spec.containers ?? [])];
  if (all.length === 0 || all.some((c) => limit(c) <= 0)) return 0;
  let sidecars = 0;
  let initPeak = 0;
  for (const c of inits) {
    if (c.restartPolicy === "Always") sidecars += limit(c);
    else initPeak = Math.max(initPeak, sidecars + limit(c));
  }
  const regular = (spec.containers ?? []).reduce((sum, c) => sum + limit(c), 0) + sidecars;
  return Math.max(regular, initPeak) + quantityBytes(spec.overhead?.memory);
}

/** calculateEmptyDirMemorySize: node allocatable, lowered by the pod limit, then by sizeLimit. */
export function memoryVolumeSize(pod: KubeObject, sizeLimit: Quantity | undefined, nodeAllocatableMemory: number): number {
  let size = nodeAllocatableMemory;
  const podLimit = podMemoryLimit(pod);
  if (podLimit > 0 && podLimit <= size) size = podLimit;
  const volumeLimit = quantityBytes(sizeLimit);
  if (volumeLimit > 0 && volumeLimit <= size) size = volumeLimit;
  return size;
}

/** upstream setupDir: mkdir, then chmod 0777 whatever the umask (only when created now). */
export function setUpDiskDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: EMPTY_DIR_MODE });
  chmodSync(dir, EMPTY_DIR_MODE);
}

/** The directory for `medium` ("" / "Memory"); a tmpfs already mounted there is kept. */
export function setUpEmptyDir(dir: string, medium: string | undefined, tmpfsBytes: () => number): void {
  const m = medium ?? "";
  if (m !== "" && m !== "Memory") throw new SetUpError(`unsupported medium "${m}": lite supports emptyDir on disk and in Memory`);
  setUpDiskDir(dir);
  if (m === "Memory" && !isMountPoint(dir)) mountTmpfs(dir, tmpfsBytes());
}
