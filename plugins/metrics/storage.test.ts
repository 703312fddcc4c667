import { describe, expect, test } from "bun:test";
import { formatCpu, formatMemory, goDuration, rfc3339 } from "./quantity.ts";
import { MetricsStorage, usageBetween } from "./storage.ts";
import { decodeSummary, type NodeBatch } from "./summary.ts";

const T0 = Date.parse("2025-01-01T00:00:00Z");
const p = (ts: number, cpu: number, extra: Partial<{ startTime: number; memory: number }> = {}) =>
  ({ startTime: extra.startTime ?? T0 - 3_600_000, timestamp: ts, cumulativeCpu: cpu, memory: extra.memory ?? 1024 });
const batch = (node: ReturnType<typeof p> | undefined, containers: (ReturnType<typeof p> & { name: string })[] = []): Map<string, NodeBatch> =>
  new Map([["n1", { node, pods: containers.length ? [{ namespace: "ns", name: "pod", containers }] : [] }]]);

describe("quantities as metrics-server writes them", () => {
  test("cpu in canonical decimal form of nanocores", () => {
    expect([0, 250_000_000, 1_000_000_000, 1_500_000_000, 1234567, 5000, 7].map(formatCpu)).toEqual(["0", "250m", "1", "1500m", "1234567n", "5u", "7n"]);
  });
  test("memory in canonical binary form of bytes", () => {
    expect([0, 10_485_760, 10240 * 1024, 4096, 1500, 1_500_000, 1023].map(formatMemory)).toEqual(["0", "10Mi", "10Mi", "4Ki", "1500", "1500k", "1023"]);
  });
  test("windows as Go durations, timestamps in whole seconds", () => {
    expect([15_012, 1000, 60_500, 3_600_000, 500, 0].map(goDuration)).toEqual(["15.012s", "1s", "1m0.5s", "1h0m0s", "500ms", "0s"]);
    expect(rfc3339(T0 + 1999)).toBe("2025-01-01T00:00:01Z");
  });
});

describe("usage between two points", () => {
  test("cpu is the rate of cumulative cpu over the window, memory the last working set", () => {
    expect(usageBetween(p(T0 + 15_000, 3e9, { memory: 2048 }), p(T0, 1.5e9))).toEqual({ cpu: 100_000_000, memory: 2048, timestamp: T0 + 15_000, windowMs: 15_000 });
  });
  test("counters or start times going backwards, or an empty window, give nothing", () => {
    expect(usageBetween(p(T0 + 15_000, 1e9), p(T0, 2e9))).toBeUndefined();
    expect(usageBetween(p(T0 + 15_000, 3e9, { startTime: T0 - 10 }), p(T0, 1e9, { startTime: T0 - 5 }))).toBeUndefined();
    expect(usageBetween(p(T0, 3e9), p(T0, 1e9))).toBeUndefined();
  });
});

describe("storage keeps the last two scrapes", () => {
  test("nodes and pods need two scrapes, then report the latest window", () => {
    const s = new MetricsStorage(15_000);
    s.store(batch(p(T0, 1e9), [{ name: "c", ...p(T0, 1e9) }]));
    expect(s.nodeUsage("n1")).toBeUndefined();
    expect(s.podUsage("ns", "pod")).toBeUndefined();
    s.store(batch(p(T0 + 15_000, 16e9), [{ name: "c", ...p(T0 + 15_000, 2.5e9) }]));
    expect(s.nodeUsage("n1")?.cpu).toBe(1e9);
    expect(s.podUsage("ns", "pod")).toMatchObject({ timestamp: T0 + 15_000, windowMs: 15_000, containers: [{ name: "c", cpu: 100_000_000 }] });
    // The same point again keeps the pair; a newer one moves last to prev.
    s.store(batch(p(T0 + 15_000, 16e9), [{ name: "c", ...p(T0 + 15_000, 2.5e9) }]));
    expect(s.podUsage("ns", "pod")?.windowMs).toBe(15_000);
    s.store(batch(p(T0 + 30_000, 16e9), [{ name: "c", ...p(T0 + 30_000, 2.5e9) }]));
    expect(s.podUsage("ns", "pod")?.containers[0]?.cpu).toBe(0);
    expect(s.nodeUsage("n1")?.cpu).toBe(0);
  });
  test("a restarted container starts over; a fresh one is measured from its start", () => {
    const s = new MetricsStorage(15_000);
    s.store(batch(p(T0, 1e9), [{ name: "c", ...p(T0, 5e9) }]));
    s.store(batch(p(T0 + 15_000, 2e9), [{ name: "c", ...p(T0 + 15_000, 1e8, { startTime: T0 + 5000 }) }]));
    // Started 10 s before the point: fresh, measured from its start with zero cpu then.
    expect(s.podUsage("ns", "pod")).toMatchObject({ windowMs: 10_000, containers: [{ cpu: 10_000_000 }] });
    s.store(batch(p(T0 + 30_000, 3e9), [{ name: "c", ...p(T0 + 30_000, 1e8, { startTime: T0 + 29_000 }) }]));
    expect(s.podUsage("ns", "pod")).toBeUndefined(); // restarted 1 s ago: no earlier point to compare
  });
  test("a pod disappears with its node's batch", () => {
    const s = new MetricsStorage(15_000);
    s.store(batch(p(T0, 1e9), [{ name: "c", ...p(T0, 1e9) }]));
    s.store(batch(p(T0 + 15_000, 2e9), [{ name: "c", ...p(T0 + 15_000, 2e9) }]));
    s.store(new Map());
    expect(s.podUsage("ns", "pod")).toBeUndefined();
    expect(s.size()).toEqual({ nodes: 0, pods: 0 });
  });
});

test("summary decoding skips entries without cpu or memory, and pods with such containers", () => {
  const time = "2025-01-01T00:00:15Z";
  const stats = (cpu?: number, mem?: number) => ({ startTime: "2025-01-01T00:00:00Z", ...(cpu !== undefined ? { cpu: { time, usageCoreNanoSeconds: cpu } } : {}), ...(mem !== undefined ? { memory: { time, workingSetBytes: mem } } : {}) });
  const b = decodeSummary({
    node: stats(5, 6),
    pods: [
      { podRef: { name: "a", namespace: "ns" }, containers: [{ name: "c", ...stats(1, 2) }] },
      { podRef: { name: "b", namespace: "ns" }, containers: [{ name: "c", ...stats(1, 2) }, { name: "d", ...stats(undefined, 2) }] },
      { podRef: { name: "e", namespace: "ns" }, containers: [] },
    ],
  });
  expect(b.node).toEqual({ startTime: T0, timestamp: T0 + 15_000, cumulativeCpu: 5, memory: 6 });
  expect(b.pods.map((x) => x.name)).toEqual(["a"]);
  expect(decodeSummary({ node: stats(undefined, 1) }).node).toBeUndefined();
});
