/**
 * Node.status as the kubelet reports it (upstream nodestatus setters: MachineInfo, NodeAddress,
 * DaemonEndpoints, VersionInfo, GoRuntime, Images), and upstream's "has it changed" test that
 * ignores heartbeat times. Pure: every fact comes in through StatusInputs.
 */
import { formatQuantity } from "../../../apiserver/machinery/quantity.ts";
import { LITE_VERSION } from "../../../version.ts";
import type { Image } from "../../cri/types.ts";
import type { FsStats } from "./eviction-signals.ts";
import { DEFAULT_KUBELET_TUNING, type Threshold } from "../../../config/kubelet-config.ts";
import { hardEvictionReservation } from "../eviction/thresholds.ts";
import type { MachineInfo } from "./machine-info.ts";
import type { ContainerImage, NodeAddress, NodeCondition, NodeStatus } from "./types.ts";

/** Upstream defaults: --max-pods, nodeStatusMaxImages, MaxNamesPerImageInNodeStatus. */
export const MAX_PODS = 110;
export const MAX_IMAGES_IN_STATUS = 50;
export const MAX_NAMES_PER_IMAGE = 5;

export interface StatusInputs {
  machine: MachineInfo;
  nodeIP?: string;
  hostname: string;
  kubeletPort: number;
  /** `<runtime name>://<version>`, e.g. `containerd://1.6.20`. */
  containerRuntimeVersion: string;
  images: readonly Image[];
  /** The data dir's filesystem: ephemeral-storage capacity. */
  nodefs?: FsStats;
  conditions: NodeCondition[];
  /** `--kubelet-arg=max-pods` (default 110). */
  maxPods?: number;
  /** The eviction thresholds; the hard memory.available and nodefs.available ones are held back from allocatable (default: upstream's). */
  evictionThresholds?: readonly Threshold[];
}

/** The fields the kubelet owns; merged over the existing status when patched. */
export function kubeletStatus(i: StatusInputs): NodeStatus {
  const capacity: Record<string, string> = {
    cpu: String(i.machine.numCores),
    memory: bytes(i.machine.memoryCapacityBytes),
    pods: String(i.maxPods ?? MAX_PODS),
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
  };
  // Upstream reserves a percentage threshold as int64(capacity * float32 percent).
  const reserved = hardEvictionReservation(i.evictionThresholds ?? DEFAULT_KUBELET_TUNING.eviction.thresholds, { memory: i.machine.memoryCapacityBytes, ephemeralStorage: i.nodefs?.capacityBytes });
  const allocatable: Record<string, string> = { ...capacity, memory: bytes(Math.max(0, i.machine.memoryCapacityBytes - reserved.memory)) };
  if (i.nodefs) {
    capacity["ephemeral-storage"] = bytes(i.nodefs.capacityBytes);
    allocatable["ephemeral-storage"] = bytes(Math.max(0, i.nodefs.capacityBytes - reserved.ephemeralStorage));
  }
  const addresses: NodeAddress[] = [
    ...(i.nodeIP ? [{ type: "InternalIP" as const, address: i.nodeIP }] : []),
    { type: "Hostname", address: i.hostname },
  ];
  return {
    capacity,
    allocatable,
    conditions: i.conditions,
    addresses,
    daemonEndpoints: { kubeletEndpoint: { Port: i.kubeletPort } },
    nodeInfo: {
      machineID: i.machine.machineID,
      systemUUID: i.machine.systemUUID,
      bootID: i.machine.bootID,
      kernelVersion: i.machine.kernelVersion,
      osImage: i.machine.osImage,
      containerRuntimeVersion: i.containerRuntimeVersion,
      kubeletVersion: LITE_VERSION,
      kubeProxyVersion: LITE_VERSION,
      operatingSystem: i.machine.operatingSystem,
      architecture: i.machine.architecture,
    },
    images: statusImages(i.images),
  };
}

/** The largest images first, at most 50, each named by up to 5 of its digests then tags. */
export function statusImages(images: readonly Image[]): ContainerImage[] {
  return [...images]
    .sort((a, b) => b.size - a.size)
    .slice(0, MAX_IMAGES_IN_STATUS)
    .map((img) => ({ names: [...(img.repoDigests ?? []), ...(img.repoTags ?? [])].slice(0, MAX_NAMES_PER_IMAGE), sizeBytes: img.size }));
}

/** Upstream nodeStatusHasChanged: conditions compared without heartbeat times, everything else exactly. */
export function nodeStatusChanged(before: NodeStatus | undefined, after: NodeStatus): boolean {
  if (!before) return true;
  const strip = (cs: readonly NodeCondition[] | undefined) =>
    [...(cs ?? [])].map(({ lastHeartbeatTime: _, ...rest }) => rest).sort((a, b) => a.type.localeCompare(b.type));
  if (!Bun.deepEquals(strip(before.conditions), strip(after.conditions))) return true;
  const { conditions: _a, ...restBefore } = before;
  const { conditions: _b, ...restAfter } = after;
  return !Bun.deepEquals(restBefore, restAfter);
}

/** A byte count as upstream serialises a BinarySI quantity: `8148060Ki`, `2Gi`, or plain/decimal-SI digits when not a multiple of 1024. */
function bytes(n: number): string {
  const v = Math.max(0, Math.trunc(n));
  return formatQuantity({ mantissa: BigInt(v), exponent: 0, format: "BinarySI", value: v });
}
