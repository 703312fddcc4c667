import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolveKubeletTuning } from "../../../config/kubelet-config.ts";
import { createPressureTracker, fsStats, observeSignals, thresholdsMet, type EvictionSignals } from "./eviction-signals.ts";

const GiB = 1024 ** 3;
const dir = mkdtempSync(`${tmpdir()}/lite-eviction-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ok: EvictionSignals = {
  memory: { availableBytes: 2 * GiB, capacityBytes: 8 * GiB },
  nodefs: { availableBytes: 11 * GiB, capacityBytes: 100 * GiB, inodesFree: 60, inodes: 1000 },
  imagefs: { availableBytes: 16 * GiB, capacityBytes: 100 * GiB, inodesFree: 60, inodes: 1000 },
  pid: { max: 1000, running: 899 },
};

describe("eviction signals", () => {
  test("upstream's default hard thresholds: memory.available<100Mi, nodefs.available<10%, nodefs.inodesFree<5%, imagefs.available<15%", () => {
    expect(thresholdsMet(ok)).toEqual({ memory: false, disk: false, pid: false });
    expect(thresholdsMet({ ...ok, memory: { availableBytes: 99 * 1024 * 1024, capacityBytes: 8 * GiB } }).memory).toBe(true);
    expect(thresholdsMet({ ...ok, nodefs: { ...ok.nodefs!, availableBytes: 9 * GiB } }).disk).toBe(true);
    expect(thresholdsMet({ ...ok, nodefs: { ...ok.nodefs!, inodesFree: 49 } }).disk).toBe(true);
    expect(thresholdsMet({ ...ok, imagefs: { ...ok.imagefs!, availableBytes: 14 * GiB } }).disk).toBe(true);
    // Not defaults upstream (kubelet v1.32): imagefs.inodesFree and pid.available.
    expect(thresholdsMet({ ...ok, imagefs: { ...ok.imagefs!, inodesFree: 10 } }).disk).toBe(false);
    expect(thresholdsMet({ ...ok, pid: { max: 1000, running: 999 } }).pid).toBe(false);
    expect(thresholdsMet({ memory: { availableBytes: 0, capacityBytes: 0 } })).toEqual({ memory: false, disk: false, pid: false });
  });

  test("configured thresholds: pid.available and imagefs.inodesFree when set", () => {
    const t = resolveKubeletTuning(["eviction-hard=pid.available<10%,imagefs.inodesFree<5%"]).eviction.thresholds;
    expect(thresholdsMet({ ...ok, pid: { max: 1000, running: 901 } }, t).pid).toBe(true);
    expect(thresholdsMet({ ...ok, imagefs: { ...ok.imagefs!, inodesFree: 49 } }, t).disk).toBe(true);
    expect(thresholdsMet({ ...ok, memory: { availableBytes: 1, capacityBytes: 8 * GiB } }, t).memory).toBe(false);
  });

  test("pressure holds for the transition period after the threshold was last met", () => {
    const t = createPressureTracker(300_000);
    expect(t.observe({ memory: true, disk: false, pid: false }, 0).memory).toBe(true);
    expect(t.observe({ memory: false, disk: false, pid: false }, 299_999).memory).toBe(true);
    expect(t.current(300_000).memory).toBe(false);
  });

  test("observeSignals reads meminfo, pid limits, loadavg and statfs", () => {
    const f = (name: string, text: string) => { writeFileSync(`${dir}/${name}`, text); return `${dir}/${name}`; };
    const s = observeSignals({
      meminfo: f("meminfo", "MemTotal:        8148060 kB\nMemFree:  100 kB\nMemAvailable:    5000000 kB\n"),
      pidMax: f("pid_max", "32768\n"), threadsMax: f("threads-max", "192729\n"), loadavg: f("loadavg", "4.01 2.40 2.63 1/121 16408\n"),
      nodefsPath: `${dir}/not/yet/created`, imagefsPath: dir,
    });
    expect(s.memory).toEqual({ availableBytes: 5000000 * 1024, capacityBytes: 8148060 * 1024 });
    expect(s.pid).toEqual({ max: 32768, running: 121 });
    expect(s.nodefs!.capacityBytes).toBeGreaterThan(0);
    expect(s.nodefs).toEqual(fsStats(dir)!);
    expect(s.imagefs!.capacityBytes).toBe(s.nodefs!.capacityBytes);
  });

  test("this machine's signals read", () => {
    const s = observeSignals({ meminfo: "/proc/meminfo", pidMax: "/proc/sys/kernel/pid_max", threadsMax: "/proc/sys/kernel/threads-max", loadavg: "/proc/loadavg", nodefsPath: dir });
    expect(s.memory.capacityBytes).toBeGreaterThan(s.memory.availableBytes);
    expect(s.pid!.running).toBeGreaterThan(0);
    expect(s.nodefs!.availableBytes).toBeLessThanOrEqual(s.nodefs!.capacityBytes);
  });
});
