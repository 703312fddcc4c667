import { describe, expect, test } from "bun:test";
import type { Container, PodSandbox } from "../../cri/types.ts";
import { renderSorted } from "./exposition.ts";
import { kubeletFamilies, parseProcessStats, readProcessStats } from "./kubelet-metrics.ts";
import { ProbeMetrics } from "./probe-metrics.ts";

describe("kubelet metrics", () => {
  test("process stats from /proc/self texts", () => {
    // pid (comm with) spaces) state ppid ... field 14 utime=250, 15 stime=50, 22 starttime=1000, 23 vsize=4096000
    const fields = ["S", ...Array.from({ length: 10 }, (_, i) => String(i + 4)), "250", "50", ...Array.from({ length: 6 }, (_, i) => String(i + 16)), "1000", "4096000", "7"];
    const p = parseProcessStats({
      stat: `123 (lite (x) y) ${fields.join(" ")}\n`,
      procStat: "cpu  1 2 3 4\nbtime 1700000000\n",
      status: "Name:\tlite\nVmRSS:\t  2048 kB\n",
      limits: "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n",
      openFds: 12,
    });
    expect(p).toEqual({ startTimeSeconds: 1700000010, cpuSeconds: 3, residentBytes: 2048 * 1024, virtualBytes: 4096000, openFds: 12, maxFds: 1024 });
  });
  test("this process, for real", async () => {
    const p = await readProcessStats();
    expect(p.startTimeSeconds).toBeGreaterThan(Date.now() / 1000 - 3600);
    expect(p.startTimeSeconds).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect(p.residentBytes).toBeGreaterThan(1e6);
    expect(p.cpuSeconds).toBeGreaterThan(0);
    expect(p.openFds).toBeGreaterThan(2);
  });
  test("exact exposition: node name, running pods and containers by state, process", () => {
    const sb = (id: string, state: PodSandbox["state"]) => ({ id, state }) as PodSandbox;
    const ctr = (id: string, state: Container["state"]) => ({ id, state }) as Container;
    const text = renderSorted(kubeletFamilies({
      nodeName: "node-1",
      runtime: { sandboxes: [sb("a", "SANDBOX_READY"), sb("b", "SANDBOX_NOTREADY"), sb("c", "SANDBOX_READY")], containers: [ctr("1", "CONTAINER_RUNNING"), ctr("2", "CONTAINER_EXITED"), ctr("3", "CONTAINER_RUNNING")] },
      process: { startTimeSeconds: 1700000010.5, cpuSeconds: 3, residentBytes: 100, virtualBytes: 200, openFds: 12 },
    }));
    expect(text).toBe([
      "# HELP kubelet_node_name [ALPHA] The node's name. The count is always 1.",
      "# TYPE kubelet_node_name gauge",
      'kubelet_node_name{node="node-1"} 1',
      "# HELP kubelet_running_containers [ALPHA] Number of containers currently running",
      "# TYPE kubelet_running_containers gauge",
      'kubelet_running_containers{container_state="exited"} 1',
      'kubelet_running_containers{container_state="running"} 2',
      "# HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox",
      "# TYPE kubelet_running_pods gauge",
      "kubelet_running_pods 2",
      "# HELP process_cpu_seconds_total [ALPHA] Total user and system CPU time spent in seconds.",
      "# TYPE process_cpu_seconds_total counter",
      "process_cpu_seconds_total 3",
      "# HELP process_open_fds [ALPHA] Number of open file descriptors.",
      "# TYPE process_open_fds gauge",
      "process_open_fds 12",
      "# HELP process_resident_memory_bytes [ALPHA] Resident memory size in bytes.",
      "# TYPE process_resident_memory_bytes gauge",
      "process_resident_memory_bytes 100",
      "# HELP process_start_time_seconds [ALPHA] Start time of the process since unix epoch in seconds.",
      "# TYPE process_start_time_seconds gauge",
      "process_start_time_seconds 1700000010.5",
      "# HELP process_virtual_memory_bytes [ALPHA] Virtual memory size in bytes.",
      "# TYPE process_virtual_memory_bytes gauge",
      "process_virtual_memory_bytes 200",
      "",
    ].join("\n"));
  });
  test("prober_probe_total: counted per container, type and result; gone with the pod", () => {
    const m = new ProbeMetrics();
    const web = { namespace: "default", name: "web", uid: "u1" };
    m.observe(web, "app", "readiness", "success");
    m.observe(web, "app", "readiness", "success");
    m.observe(web, "app", "liveness", "failure");
    m.observe({ namespace: "default", name: "gone", uid: "u2" }, "x", "startup", "success");
    expect(renderSorted(m.families(new Set(["u1"])))).toBe([
      "# HELP prober_probe_total [BETA] Cumulative number of a liveness, readiness or startup probe for a container by result.",
      "# TYPE prober_probe_total counter",
      'prober_probe_total{container="app",namespace="default",pod="web",pod_uid="u1",probe_type="Liveness",result="failed"} 1',
      'prober_probe_total{container="app",namespace="default",pod="web",pod_uid="u1",probe_type="Readiness",result="successful"} 2',
      "",
    ].join("\n"));
    expect(renderSorted(m.families(new Set(["u1", "u2"])))).not.toContain("gone");
  });
});
