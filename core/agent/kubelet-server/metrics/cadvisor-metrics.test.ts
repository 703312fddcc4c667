import { describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { podObject } from "../test-fixtures.ts";
import { cadvisorFamilies } from "./cadvisor-metrics.ts";
import { cgroupPathOf, createCgroupLocator } from "./cgroup-paths.ts";
import { renderSorted } from "./exposition.ts";
import { parsePodNetDev } from "../stats/pod-network.ts";

const T0 = Date.UTC(2024, 4, 1, 10); // 1714557600000
const NOW = T0 + 5000;

describe("cAdvisor metrics", () => {
  test("exact exposition: root cgroup, a running container with stats and limits, machine", () => {
    const pod = podObject("default", "web", ["app", "side"]);
    (pod.spec as any).containers[0].resources = { requests: { cpu: "250m" }, limits: { cpu: "500m", memory: "64Mi" } };
    (pod.status as any).containerStatuses = [{ name: "app", image: "docker.io/library/busybox:latest", state: { running: { startedAt: "2024-05-01T09:59:00Z" } } }];
    const text = renderSorted(cadvisorFamilies({
      nowMs: NOW,
      pods: [{ pod, sandboxId: "sb", containers: [{ name: "app", containerId: "c-app", state: "running" }, { name: "side", containerId: "c-side", state: "terminated" }] }],
      stats: [
        {
          attributes: { id: "c-app", metadata: { name: "app", attempt: 0 }, labels: {}, annotations: {} },
          cpu: { timestamp: T0 * 1e6, usageCoreNanoSeconds: { value: 5e9 } },
          memory: { timestamp: (T0 + 1) * 1e6, workingSetBytes: { value: 4096 }, usageBytes: { value: 8192 }, rssBytes: { value: 2048 } },
        },
        { attributes: { id: "c-side", metadata: { name: "side", attempt: 0 }, labels: {}, annotations: {} }, cpu: { timestamp: T0 * 1e6, usageCoreNanoSeconds: { value: 1 } } },
      ],
      cgroups: new Map([["c-app", "/k8s.io/c-app"]]),
      root: { usageCoreNanoSeconds: 100e9, memory: { usageBytes: 3000, workingSetBytes: 2000, rssBytes: 1000, availableBytes: 0 }, bootTimeSeconds: 1714500000, timestampMs: NOW },
      machine: { bootId: "b", machineId: "m", systemUuid: "s", cores: 4, memoryBytes: 8e9, timestampMs: T0 },
    }));
    const app = 'container="app",id="/k8s.io/c-app",image="docker.io/library/busybox:latest",name="c-app",namespace="default",pod="web"';
    const root = 'container="",id="/",image="",name="",namespace="",pod=""';
    expect(text).toBe([
      "# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.",
      "# TYPE container_cpu_usage_seconds_total counter",
      `container_cpu_usage_seconds_total{container="",cpu="total",id="/",image="",name="",namespace="",pod=""} 100 ${NOW}`,
      `container_cpu_usage_seconds_total{container="app",cpu="total",id="/k8s.io/c-app",image="docker.io/library/busybox:latest",name="c-app",namespace="default",pod="web"} 5 ${T0}`,
      "# HELP container_last_seen Last time a container was seen by the exporter",
      "# TYPE container_last_seen gauge",
      `container_last_seen{${root}} 1714557605 ${NOW}`,
      `container_last_seen{${app}} 1714557605 ${NOW}`,
      "# HELP container_memory_rss Size of RSS in bytes.",
      "# TYPE container_memory_rss gauge",
      `container_memory_rss{${root}} 1000 ${NOW}`,
      `container_memory_rss{${app}} 2048 ${T0 + 1}`,
      "# HELP container_memory_usage_bytes Current memory usage in bytes, including all memory regardless of when it was accessed",
      "# TYPE container_memory_usage_bytes gauge",
      `container_memory_usage_bytes{${root}} 3000 ${NOW}`,
      `container_memory_usage_bytes{${app}} 8192 ${T0 + 1}`,
      "# HELP container_memory_working_set_bytes Current working set in bytes.",
      "# TYPE container_memory_working_set_bytes gauge",
      `container_memory_working_set_bytes{${root}} 2000 ${NOW}`,
      `container_memory_working_set_bytes{${app}} 4096 ${T0 + 1}`,
      "# HELP container_scrape_error 1 if there was an error while getting container metrics, 0 otherwise",
      "# TYPE container_scrape_error gauge",
      "container_scrape_error 0",
      "# HELP container_spec_cpu_period CPU period of the container.",
      "# TYPE container_spec_cpu_period gauge",
      `container_spec_cpu_period{${app}} 100000`,
      "# HELP container_spec_cpu_quota CPU quota of the container.",
      "# TYPE container_spec_cpu_quota gauge",
      `container_spec_cpu_quota{${app}} 50000`,
      "# HELP container_spec_cpu_shares CPU share of the container.",
      "# TYPE container_spec_cpu_shares gauge",
      `container_spec_cpu_shares{${app}} 256`,
      "# HELP container_spec_memory_limit_bytes Memory limit for the container.",
      "# TYPE container_spec_memory_limit_bytes gauge",
      `container_spec_memory_limit_bytes{${app}} 67108864`,
      "# HELP container_start_time_seconds Start time of the container since unix epoch in seconds.",
      "# TYPE container_start_time_seconds gauge",
      `container_start_time_seconds{${root}} 1714500000`,
      `container_start_time_seconds{${app}} 1714557540`,
      "# HELP machine_cpu_cores Number of logical CPU cores.",
      "# TYPE machine_cpu_cores gauge",
      `machine_cpu_cores{boot_id="b",machine_id="m",system_uuid="s"} 4 ${T0}`,
      "# HELP machine_memory_bytes Amount of memory installed on the machine.",
      "# TYPE machine_memory_bytes gauge",
      `machine_memory_bytes{boot_id="b",machine_id="m",system_uuid="s"} 8000000000 ${T0}`,
      "",
    ].join("\n"));
  });

  test("exact exposition: pod network counters on the sandbox's identity, per interface", () => {
    const pod = podObject("default", "web", ["app"]);
    const dev = [
      "Inter-|   Receive                                                |  Transmit",
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
      "    lo:  500  5 0 0 0 0 0 0  500 5 0 0 0 0 0 0",
      "  eth0: 1000 10 1 2 0 0 0 0 2000 20 3 4 0 0 0 0",
    ].join("\n");
    const text = renderSorted(cadvisorFamilies({
      nowMs: NOW,
      pods: [
        { pod, sandboxId: "sb-web", containers: [{ name: "app", containerId: "c-app", state: "running" }] },
        { pod: podObject("default", "lost", ["app"]), sandboxId: "sb-lost", containers: [] },
      ],
      stats: [],
      cgroups: new Map(),
      network: new Map([["sb-web", { sandboxId: "sb-web", cgroup: "/k8s.io/sb-web", timestampMs: T0, interfaces: parsePodNetDev(dev) }]]),
    }));
    const l = 'container="",id="/k8s.io/sb-web",image="lite.local/pause:3.10",interface="eth0",name="sb-web",namespace="default",pod="web"';
    expect(text).toBe([
      "# HELP container_network_receive_bytes_total Cumulative count of bytes received",
      "# TYPE container_network_receive_bytes_total counter",
      `container_network_receive_bytes_total{${l}} 1000 ${T0}`,
      "# HELP container_network_receive_errors_total Cumulative count of errors encountered while receiving",
      "# TYPE container_network_receive_errors_total counter",
      `container_network_receive_errors_total{${l}} 1 ${T0}`,
      "# HELP container_network_receive_packets_dropped_total Cumulative count of packets dropped while receiving",
      "# TYPE container_network_receive_packets_dropped_total counter",
      `container_network_receive_packets_dropped_total{${l}} 2 ${T0}`,
      "# HELP container_network_receive_packets_total Cumulative count of packets received",
      "# TYPE container_network_receive_packets_total counter",
      `container_network_receive_packets_total{${l}} 10 ${T0}`,
      "# HELP container_network_transmit_bytes_total Cumulative count of bytes transmitted",
      "# TYPE container_network_transmit_bytes_total counter",
      `container_network_transmit_bytes_total{${l}} 2000 ${T0}`,
      "# HELP container_network_transmit_errors_total Cumulative count of errors encountered while transmitting",
      "# TYPE container_network_transmit_errors_total counter",
      `container_network_transmit_errors_total{${l}} 3 ${T0}`,
      "# HELP container_network_transmit_packets_dropped_total Cumulative count of packets dropped while transmitting",
      "# TYPE container_network_transmit_packets_dropped_total counter",
      `container_network_transmit_packets_dropped_total{${l}} 4 ${T0}`,
      "# HELP container_network_transmit_packets_total Cumulative count of packets transmitted",
      "# TYPE container_network_transmit_packets_total counter",
      `container_network_transmit_packets_total{${l}} 20 ${T0}`,
      "# HELP container_scrape_error 1 if there was an error while getting container metrics, 0 otherwise",
      "# TYPE container_scrape_error gauge",
      "container_scrape_error 0",
      "",
    ].join("\n"));
  });

  test("the runtime's stats unreadable: container_scrape_error 1, no container samples", () => {
    const pod = podObject("default", "web", ["app"]);
    const text = renderSorted(cadvisorFamilies({ nowMs: NOW, pods: [{ pod, containers: [{ name: "app", containerId: "c-app", state: "running" }] }], stats: undefined, cgroups: new Map() }));
    expect(text).toBe("# HELP container_scrape_error 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE container_scrape_error gauge\ncontainer_scrape_error 1\n");
  });
});

describe("container cgroups", () => {
  const ID = "0123abcd";
  test("the path named after the container: unified first, then cpu, then memory", () => {
    const v1 = `12:memory:/process_api/x/${ID}\n4:cpu,cpuacct:/${ID}\n1:name=systemd:/\n`;
    expect(cgroupPathOf(v1, ID)).toBe(`/${ID}`);
    expect(cgroupPathOf(`0::/kubepods/pod1/cri-containerd-${ID}.scope\n`, ID)).toBe(`/kubepods/pod1/cri-containerd-${ID}.scope`);
    expect(cgroupPathOf(`0::/system.slice/containerd.service\n`, ID)).toBeUndefined();
  });
  test("one /proc scan, cached; misses retried after the retry interval", async () => {
    const proc = await mkdtemp(join(tmpdir(), "lite-fake-proc-"));
    try {
      await mkdir(join(proc, "42"));
      await writeFile(join(proc, "42", "cgroup"), `0::/k8s.io/${ID}\n`);
      await mkdir(join(proc, "self"));
      let t = 0;
      const locate = createCgroupLocator({ procRoot: proc, retryMs: 1000, now: () => t });
      expect(await locate([ID, "other"])).toEqual(new Map([[ID, `/k8s.io/${ID}`]]));
      await mkdir(join(proc, "43"));
      await writeFile(join(proc, "43", "cgroup"), "0::/k8s.io/other\n");
      expect((await locate([ID, "other"])).has("other")).toBe(false); // not retried yet
      t = 2000;
      expect(await locate([ID, "other"])).toEqual(new Map([[ID, `/k8s.io/${ID}`], ["other", "/k8s.io/other"]]));
    } finally {
      await rm(proc, { recursive: true, force: true });
    }
  });
});
