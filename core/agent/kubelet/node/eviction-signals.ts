/**
 * Eviction signals (upstream pkg/kubelet/eviction): memory.available, nodefs/imagefs available
 * bytes and free inodes, pid.available. A signal crossing a threshold is node pressure; the
 * pressure lasts for the transition period (default 5 min) after the last crossing, so the
 * condition does not flap. The thresholds are settings (core/config/kubelet-config.ts); the
 * eviction manager owns pressure on a running node, this file's thresholdsMet/tracker serve
 * node status when no manager is wired (tests).
 */
import { readFileSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import { DEFAULT_KUBELET_TUNING, DEFAULT_PRESSURE_TRANSITION_MS, type Threshold } from "../../../config/kubelet-config.ts";
import { observe, pressureOf, thresholdsMet as met } from "../eviction/thresholds.ts";
import { meminfoBytes } from "./machine-info.ts";
import type { NodePressure } from "./types.ts";

export interface FsStats { availableBytes: number; capacityBytes: number; inodesFree: number; inodes: number }

export interface EvictionSignals {
  memory: { availableBytes: number; capacityBytes: number };
  /** The filesystem of the agent's data dir (pods, logs, emptyDirs). */
  nodefs?: FsStats;
  /** The filesystem of the container runtime's root (images, writable layers). */
  imagefs?: FsStats;
  pid?: { max: number; running: number };
}

/** Upstream's evictionPressureTransitionPeriod default. */
export const PRESSURE_TRANSITION_PERIOD_MS = DEFAULT_PRESSURE_TRANSITION_MS;

export interface SignalSources {
  meminfo: string;
  pidMax: string;
  threadsMax: string;
  loadavg: string;
  nodefsPath: string;
  imagefsPath?: string;
}

export function hostSignalSources(nodefsPath: string, imagefsPath?: string): SignalSources {
  return {
    meminfo: "/proc/meminfo", pidMax: "/proc/sys/kernel/pid_max", threadsMax: "/proc/sys/kernel/threads-max",
    loadavg: "/proc/loadavg", nodefsPath, imagefsPath,
  };
}

/** Samples every signal; one that cannot be read is left out (and so never reports pressure). */
export function observeSignals(src: SignalSources): EvictionSignals {
  const meminfo = read(src.meminfo);
  const capacityBytes = meminfoBytes(meminfo, "MemTotal") ?? 0;
  const signals: EvictionSignals = { memory: { availableBytes: meminfoBytes(meminfo, "MemAvailable") ?? capacityBytes, capacityBytes } };
  signals.nodefs = fsStats(src.nodefsPath);
  if (src.imagefsPath) signals.imagefs = fsStats(src.imagefsPath);
  // /proc/loadavg's "running/total" counts kernel scheduling entities, as sysinfo(2).procs does upstream.
  const total = Number(/\s\d+\/(\d+)\s/.exec(read(src.loadavg))?.[1]);
  const limits = [Number(read(src.pidMax)), Number(read(src.threadsMax))].filter((n) => Number.isFinite(n) && n > 0);
  if (Number.isFinite(total) && limits.length) signals.pid = { max: Math.min(...limits), running: total };
  return signals;
}

/** Which pressure conditions the thresholds (default: upstream's hard defaults) imply right now, grace periods aside. */
export function thresholdsMet(s: EvictionSignals, thresholds: readonly Threshold[] = DEFAULT_KUBELET_TUNING.eviction.thresholds): NodePressure {
  return pressureOf(met(thresholds, observe(s), false));
}

/** Pressure per signal group, held for `periodMs` after the threshold was last met. */
export interface PressureTracker {
  observe(met: NodePressure, nowMs: number): NodePressure;
  current(nowMs: number): NodePressure;
}

export function createPressureTracker(periodMs = PRESSURE_TRANSITION_PERIOD_MS): PressureTracker {
  const lastMet: Record<keyof NodePressure, number | undefined> = { memory: undefined, disk: undefined, pid: undefined };
  const current = (now: number): NodePressure => {
    const held = (k: keyof NodePressure) => lastMet[k] !== undefined && now - lastMet[k]! < periodMs;
    return { memory: held("memory"), disk: held("disk"), pid: held("pid") };
  };
  return {
    observe(met, now) {
      for (const k of ["memory", "disk", "pid"] as const) if (met[k]) lastMet[k] = now;
      return current(now);
    },
    current,
  };
}

/** statfs of `path`, or of its nearest existing ancestor (the data dir may not exist yet). */
export function fsStats(path: string): FsStats | undefined {
  for (let p = path; ; p = dirname(p)) {
    try {
      const s = statfsSync(p);
      return { availableBytes: s.bavail * s.bsize, capacityBytes: s.blocks * s.bsize, inodesFree: s.ffree, inodes: s.files };
    } catch {
      if (p === dirname(p)) return undefined;
    }
  }
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
