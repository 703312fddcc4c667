import { describe, expect, test } from "bun:test";
import { parseLogLine, summarize } from "./lib.ts";
import { newTimeline, observe, phases } from "./pod-timeline.ts";

const spec = { nodeName: "", containers: [{ name: "c" }] };

describe("pod timeline", () => {
  test("records the first receive time of each milestone and the phases between them", () => {
    const t = newTimeline("p", 1000);
    observe(t, { spec, status: { phase: "Pending" } }, 1010);
    const bound = { spec: { ...spec, nodeName: "n" }, status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }] } };
    observe(t, bound, 1100, JSON.stringify({ phase: "Pending" }));
    const sandbox = { ...bound, status: { phase: "Pending", hostIP: "127.0.0.1", conditions: [{ type: "PodReadyToStartContainers", status: "True" }], containerStatuses: [{ state: { waiting: {} } }] } };
    observe(t, sandbox, 1300, JSON.stringify(bound.status));
    const running = { ...bound, status: { phase: "Running", hostIP: "127.0.0.1", conditions: sandbox.status.conditions, containerStatuses: [{ state: { running: {} } }] } };
    observe(t, running, 1450, JSON.stringify(sandbox.status));
    observe(t, { ...running, status: { ...running.status, podIP: "x" } }, 1600, JSON.stringify(running.status));
    expect(t).toMatchObject({ bound: 1100, sandboxSeen: 1300, runningSeen: 1450, phaseRunning: 1450, statusWrites: 2 });
    t.runtime = { sandboxStart: 1120, sandboxEnd: 1300, createStart: 1310, createEnd: 1340, startStart: 1345, startEnd: 1400 };
    expect(phases(t)).toEqual({
      total: 450, scheduling: 100, sandboxSeen: 200, containerSeen: 150, statusSeen: 0,
      kubeletToSandbox: 20, runPodSandbox: 180, kubeletToCreate: 10, createContainer: 30, kubeletToStart: 5, startContainer: 55, statusReport: 50,
    });
  });

  test("a pod is running only when every container runs", () => {
    const t = newTimeline("p", 0);
    observe(t, { spec: { nodeName: "n", containers: [{}, {}] }, status: { containerStatuses: [{ state: { running: {} } }] } }, 5);
    expect(t.runningSeen).toBeUndefined();
    expect(phases(t).total).toBeUndefined();
  });
});

describe("helpers", () => {
  test("nearest-rank quantiles", () => {
    const s = summarize(Array.from({ length: 50 }, (_, i) => 50 - i));
    expect(s).toMatchObject({ n: 50, p50: 25, p90: 45, p99: 50, min: 1, max: 50 });
    expect(summarize([]).p50).toBeNaN();
  });

  test("log lines keep the server's own time stamp", () => {
    expect(parseLogLine("2026-11-28T01:13:24.382Z INFO  lite server starting", 5).atMs).toBe(Date.parse("2026-11-28T01:13:24.382Z"));
    expect(parseLogLine("plain text", 5).atMs).toBe(5);
  });
});
