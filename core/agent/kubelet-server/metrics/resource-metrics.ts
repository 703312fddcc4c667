/**
 * `GET /metrics/resource`: upstream's resource metrics (kubelet metrics/collectors
 * resource_metrics.go), what metrics-server scrapes: node, pod and container CPU time and memory
 * working set, from the same Summary documents `/stats/summary` serves with
 * `only_cpu_and_memory=true`. CPU and memory samples carry the stats' own time (ms) as upstream's
 * collector does; container_start_time_seconds and resource_scrape_error carry none.
 *
 * Left out: container_swap_usage_bytes, container_swap_limit_bytes and pod_swap_usage_bytes (CRI
 * ListContainerStats as lite speaks it carries no swap figures), and the deprecated, hidden
 * `scrape_error`.
 */
import type { Family, Sample } from "../../../metrics/registry.ts";
import type { ContainerSummary, PodSummary, Summary } from "../stats/summary.ts";
import { sample } from "./exposition.ts";

const ms = (time: string) => Date.parse(time);

/** The resource families of one Summary; `undefined` (the summary failed) gives resource_scrape_error 1 only. */
export function resourceFamilies(summary: Summary | undefined): Family[] {
  const nodeCpu: Sample[] = [], nodeMem: Sample[] = [], nodeSwap: Sample[] = [];
  const start: Sample[] = [], cCpu: Sample[] = [], cMem: Sample[] = [], pCpu: Sample[] = [], pMem: Sample[] = [];
  if (summary) {
    const { node } = summary;
    nodeCpu.push(sample({}, node.cpu.usageCoreNanoSeconds / 1e9, ms(node.cpu.time)));
    nodeMem.push(sample({}, node.memory.workingSetBytes, ms(node.memory.time)));
    // Upstream stamps the node's swap with the memory sample's time.
    if (node.swap) nodeSwap.push(sample({}, node.swap.swapUsageBytes, ms(node.memory.time)));
    for (const pod of summary.pods) {
      for (const c of pod.containers) containerSamples(pod, c, start, cCpu, cMem);
      const labels = { pod: pod.podRef.name, namespace: pod.podRef.namespace };
      pCpu.push(sample(labels, pod.cpu.usageCoreNanoSeconds / 1e9, ms(pod.cpu.time)));
      pMem.push(sample(labels, pod.memory.workingSetBytes, ms(pod.memory.time)));
    }
  }
  return [
    { name: "node_cpu_usage_seconds_total", help: "[STABLE] Cumulative cpu time consumed by the node in core-seconds", type: "counter", samples: nodeCpu },
    { name: "node_memory_working_set_bytes", help: "[STABLE] Current working set of the node in bytes", type: "gauge", samples: nodeMem },
    { name: "node_swap_usage_bytes", help: "[ALPHA] Current swap usage of the node in bytes. Reported only on non-windows systems", type: "gauge", samples: nodeSwap },
    { name: "container_start_time_seconds", help: "[STABLE] Start time of the container since unix epoch in seconds", type: "gauge", samples: start },
    { name: "container_cpu_usage_seconds_total", help: "[STABLE] Cumulative cpu time consumed by the container in core-seconds", type: "counter", samples: cCpu },
    { name: "container_memory_working_set_bytes", help: "[STABLE] Current working set of the container in bytes", type: "gauge", samples: cMem },
    { name: "pod_cpu_usage_seconds_total", help: "[STABLE] Cumulative cpu time consumed by the pod in core-seconds", type: "counter", samples: pCpu },
    { name: "pod_memory_working_set_bytes", help: "[STABLE] Current working set of the pod in bytes", type: "gauge", samples: pMem },
    { name: "resource_scrape_error", help: "[STABLE] 1 if there was an error while getting container metrics, 0 otherwise", type: "gauge", samples: [sample({}, summary ? 0 : 1)] },
  ];
}

function containerSamples(pod: PodSummary, c: ContainerSummary, start: Sample[], cpu: Sample[], mem: Sample[]): void {
  const labels = { container: c.name, pod: pod.podRef.name, namespace: pod.podRef.namespace };
  const startedMs = ms(c.startTime);
  if (startedMs > 0) start.push(sample(labels, startedMs / 1000));
  if (c.cpu) cpu.push(sample(labels, c.cpu.usageCoreNanoSeconds / 1e9, ms(c.cpu.time)));
  if (c.memory) mem.push(sample(labels, c.memory.workingSetBytes, ms(c.memory.time)));
}
