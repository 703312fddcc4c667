import { describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { createCpuSampler, defaultRouteInterface, filesystemStats, memoryFromMeminfo, parseKeyValues, parseNetDev, parseProcStat, processStats } from "./node-stats.ts";

describe("kernel stat parsers", () => {
  test("/proc/stat: busy time in ns and boot time", () => {
    const text = "cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\nbtime 1700000000\n";
    expect(parseProcStat(text)).toEqual({ usageCoreNanoSeconds: (100 + 5 + 50 + 3 + 2 + 1) * 10_000_000, bootTime: 1700000000 });
  });
  test("/proc/meminfo: usage with cache, working set without inactive file pages", () => {
    const mem = parseKeyValues("MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    600 kB\nInactive(file):  300 kB\nAnonPages:       150 kB\n");
    const vm = parseKeyValues("pgfault 42\npgmajfault 7\n");
    expect(memoryFromMeminfo(mem, vm)).toEqual({
      usageBytes: 800 * 1024, workingSetBytes: 500 * 1024, availableBytes: 500 * 1024, rssBytes: 150 * 1024, pageFaults: 42, majorPageFaults: 7,
    });
  });
  test("/proc/net/dev without loopback; default route interface", () => {
    const dev = [
      "Inter-|   Receive                                                |  Transmit",
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
      "    lo:  500  5 0 0 0 0 0 0  500 5 0 0 0 0 0 0",
      "  eth0: 1000 10 1 0 0 0 0 0 2000 20 2 0 0 0 0 0",
    ].join("\n");
    expect(parseNetDev(dev)).toEqual([{ name: "eth0", rxBytes: 1000, rxErrors: 1, txBytes: 2000, txErrors: 2 }]);
    const route = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
      "eth1\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\neth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n";
    expect(defaultRouteInterface(route)).toBe("eth0");
    expect(defaultRouteInterface("Iface\tDestination\n")).toBeUndefined();
  });
  test("statfs and processes of this machine", async () => {
    const fs = await filesystemStats(tmpdir());
    expect(fs.capacityBytes).toBeGreaterThan(0);
    expect(fs.usedBytes + fs.availableBytes).toBeLessThanOrEqual(fs.capacityBytes);
    const p = await processStats();
    expect(p.curproc).toBeGreaterThan(0);
    expect(p.maxpid).toBeGreaterThan(p.curproc);
  });
  test("CPU sampler: rate between samples", async () => {
    let busy = 0;
    const sample = createCpuSampler({ windowMs: 50, readStat: async () => `cpu  ${busy} 0 0 0 0 0 0 0\n` });
    const first = sample();
    busy = 10; // 10 ticks = 100 ms of CPU during the window
    const r = await first;
    expect(r.usageCoreNanoSeconds).toBe(100_000_000);
    // 100 ms of CPU over a window of about 50 ms (timers are not exact): about 2 cores.
    expect(r.usageNanoCores).toBeGreaterThan(1e9);
    expect(r.usageNanoCores).toBeLessThan(2.5e9);
  });
});
