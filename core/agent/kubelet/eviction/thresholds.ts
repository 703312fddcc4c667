/**
 * Eviction thresholds against observed signals (upstream pkg/kubelet/eviction/helpers.go):
 * observations per signal, which thresholds are met (optionally counting the minimum reclaim),
 * the node conditions they imply, and the hard-eviction reservation that node allocatable
 * subtracts. Pure functions; the manager keeps the clocks.
 */
import type { Quantity } from "../../../apiserver/machinery/quantity.ts";
import { formatQuantity } from "../../../apiserver/machinery/quantity.ts";
import type { Signal, Threshold, ThresholdValue } from "../../../config/kubelet-config.ts";
import type { EvictionSignals } from "../node/eviction-signals.ts";
import type { NodePressure } from "../node/types.ts";

export type { Signal, Threshold, ThresholdValue };

/** What a signal measures now: the amount available and the capacity it is a share of. */
export interface Observation { available: number; capacity: number }
export type Observations = Partial<Record<Signal, Observation>>;

/** The resource a signal's pressure reclaims (upstream signalToResource). */
export type ReclaimResource = "memory" | "ephemeral-storage" | "inodes" | "pids";
export const SIGNAL_RESOURCE: Record<Signal, ReclaimResource> = {
  "memory.available": "memory",
  "nodefs.available": "ephemeral-storage", "imagefs.available": "ephemeral-storage",
  "nodefs.inodesFree": "inodes", "imagefs.inodesFree": "inodes",
  "pid.available": "pids",
};
/** The node condition a signal's threshold raises (upstream signalToNodeCondition). */
export const SIGNAL_CONDITION: Record<Signal, keyof NodePressure> = {
  "memory.available": "memory",
  "nodefs.available": "disk", "imagefs.available": "disk", "nodefs.inodesFree": "disk", "imagefs.inodesFree": "disk",
  "pid.available": "pid",
};

/** upstream makeSignalObservations over lite's samples; a signal that could not be read is absent. */
export function observe(s: EvictionSignals): Observations {
  const out: Observations = {};
  if (s.memory.capacityBytes > 0) out["memory.available"] = { available: s.memory.availableBytes, capacity: s.memory.capacityBytes };
  for (const [fs, name] of [[s.nodefs, "nodefs"], [s.imagefs, "imagefs"]] as const) {
    if (!fs) continue;
    if (fs.capacityBytes > 0) out[`${name}.available`] = { available: fs.availableBytes, capacity: fs.capacityBytes };
    if (fs.inodes > 0) out[`${name}.inodesFree`] = { available: fs.inodesFree, capacity: fs.inodes };
  }
  if (s.pid) out["pid.available"] = { available: s.pid.max - s.pid.running, capacity: s.pid.max };
  return out;
}

/** upstream GetThresholdQuantity: the quantity, or int64(capacity × float32 percentage). */
export function thresholdQuantity(value: ThresholdValue, capacity: number): number {
  return value.quantity ? value.quantity.value : Math.trunc(capacity * (value.percentage ?? 0));
}

/** upstream thresholdsMet: a threshold is met while available < its quantity (+ its minimum reclaim when `enforceMinReclaim`). */
export function thresholdsMet(thresholds: readonly Threshold[], obs: Observations, enforceMinReclaim: boolean): Threshold[] {
  return thresholds.filter((t) => {
    const o = obs[t.signal];
    if (!o) return false;
    let quantity = thresholdQuantity(t.value, o.capacity);
    if (enforceMinReclaim && t.minReclaim) quantity += thresholdQuantity(t.minReclaim, o.capacity);
    return quantity > o.available;
  });
}

/** The pressure conditions a set of thresholds implies (upstream nodeConditions). */
export function pressureOf(thresholds: readonly Threshold[]): NodePressure {
  const p: NodePressure = { memory: false, disk: false, pid: false };
  for (const t of thresholds) p[SIGNAL_CONDITION[t.signal]] = true;
  return p;
}

export const isHard = (t: Threshold) => t.gracePeriodMs === 0;

/**
 * upstream hardEvictionReservation: what node allocatable holds back for the hard memory.available
 * and nodefs.available thresholds (bytes; percentages resolved against capacity).
 */
export function hardEvictionReservation(thresholds: readonly Threshold[], capacity: { memory: number; ephemeralStorage?: number }): { memory: number; ephemeralStorage: number } {
  const out = { memory: 0, ephemeralStorage: 0 };
  for (const t of thresholds) {
    if (!isHard(t)) continue;
    if (t.signal === "memory.available") out.memory = thresholdQuantity(t.value, capacity.memory);
    if (t.signal === "nodefs.available" && capacity.ephemeralStorage !== undefined) out.ephemeralStorage = thresholdQuantity(t.value, capacity.ephemeralStorage);
  }
  return out;
}

/** resource.NewQuantity(n, BinarySI|DecimalSI).String(): "100Mi", "51200Ki", "1023", "1k". */
export function quantityText(n: number, format: "BinarySI" | "DecimalSI" = "BinarySI"): string {
  const q: Quantity = { mantissa: BigInt(Math.trunc(n)), exponent: 0, format, value: n };
  return formatQuantity(q);
}

/** A threshold's quantity as upstream prints it in messages (the flag's text, or bytes of a percentage). */
export function thresholdQuantityText(t: Threshold, capacity: number): string {
  return t.value.quantity ? t.value.quantity.text : quantityText(thresholdQuantity(t.value, capacity));
}
