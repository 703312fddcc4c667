import { describe, expect, test } from "bun:test";
import type { Summary } from "../stats/summary.ts";
import { renderSorted } from "./exposition.ts";
import { resourceFamilies } from "./resource-metrics.ts";

const T = "2024-05-01T10:00:00.250Z"; // 1714557600250
const cpu = (ns: number) => ({ time: T, usageNanoCores: 1, usageCoreNanoSeconds: ns });
const mem = (ws: number) => ({ time: T, usageBytes: ws * 2, workingSetBytes: ws, rssBytes: 1 });

const summary: Summary = {
  node: { nodeName: "n1", cpu: cpu(12_500_000_000), memory: mem(1024), swap: { time: "2024-05-01T10:00:01Z", swapAvailableBytes: 10, swapUsageBytes: 20 } },
  pods: [{
    podRef: { name: "web", namespace: "default", uid: "u1" },
    startTime: "2024-05-01T09:00:00Z",
    containers: [
      { name: "app", startTime: "2024-05-01T09:00:05Z", cpu: cpu(1_500_000_000), memory: mem(4096) },
      { name: "side", startTime: "2024-05-01T09:00:06Z", memory: mem(100) },
    ],
    cpu: cpu(1_500_000_000),
    memory: mem(4196),
  }],
};

describe("resource metrics", () => {
  test("exact exposition of a Summary", () => {
    expect(renderSorted(resourceFamilies(summary))).toBe([
      "# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds",
      "# TYPE container_cpu_usage_seconds_total counter",
      'container_cpu_usage_seconds_total{container="app",namespace="default",pod="web"} 1.5 1714557600250',
      "# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes",
      "# TYPE container_memory_working_set_bytes gauge",
      'container_memory_working_set_bytes{container="app",namespace="default",pod="web"} 4096 1714557600250',
      'container_memory_working_set_bytes{container="side",namespace="default",pod="web"} 100 1714557600250',
      "# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds",
      "# TYPE container_start_time_seconds gauge",
      'container_start_time_seconds{container="app",namespace="default",pod="web"} 1714554005',
      'container_start_time_seconds{container="side",namespace="default",pod="web"} 1714554006',
      "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds",
      "# TYPE node_cpu_usage_seconds_total counter",
      "node_cpu_usage_seconds_total 12.5 1714557600250",
      "# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes",
      "# TYPE node_memory_working_set_bytes gauge",
      "node_memory_working_set_bytes 1024 1714557600250",
      "# HELP node_swap_usage_bytes [ALPHA] Current swap usage of the node in bytes. Reported only on non-windows systems",
      "# TYPE node_swap_usage_bytes gauge",
      "node_swap_usage_bytes 20 1714557600250",
      "# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds",
      "# TYPE pod_cpu_usage_seconds_total counter",
      'pod_cpu_usage_seconds_total{namespace="default",pod="web"} 1.5 1714557600250',
      "# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes",
      "# TYPE pod_memory_working_set_bytes gauge",
      'pod_memory_working_set_bytes{namespace="default",pod="web"} 4196 1714557600250',
      "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise",
      "# TYPE resource_scrape_error gauge",
      "resource_scrape_error 0",
      "",
    ].join("\n"));
  });
  test("a failed summary: resource_scrape_error 1 and nothing else", () => {
    expect(renderSorted(resourceFamilies(undefined))).toBe(
      "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE resource_scrape_error gauge\nresource_scrape_error 1\n",
    );
  });
});
