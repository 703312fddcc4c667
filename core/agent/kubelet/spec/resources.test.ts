import { describe, expect, test } from "bun:test";
import { containerResources, milliCPUToQuota, milliCPUToShares, oomScoreAdj } from "./resources.ts";
import type { Container, Pod, ResourceRequirements } from "./types.ts";

const GiB = 1024 ** 3;
const c = (name: string, resources?: ResourceRequirements, restartPolicy?: string): Container => ({ name, resources, restartPolicy });
const pod = (containers: Container[], initContainers: Container[] = [], spec: Partial<Pod["spec"]> = {}, annotations?: Record<string, string>): Pod =>
  ({ metadata: { name: "p", annotations }, spec: { containers, initContainers, ...spec } });

describe("cpu conversions (upstream MilliCPUToShares, milliCPUToQuota)", () => {
  const shares: [number, number][] = [[0, 2], [1, 2], [2, 2], [3, 3], [100, 102], [250, 256], [1000, 1024], [500_000, 262144]];
  for (const [milli, want] of shares) test(`${milli}m → ${want} shares`, () => expect(milliCPUToShares(milli)).toBe(want));
  const quotas: [number, number][] = [[0, 0], [5, 1000], [9, 1000], [10, 1000], [200, 20000], [500, 50000], [1500, 150000]];
  for (const [milli, want] of quotas) test(`${milli}m → quota ${want}`, () => expect(milliCPUToQuota(milli)).toBe(want));
});

describe("containerResources", () => {
  test("requests and limits", () => {
    const a = c("a", { requests: { cpu: "250m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } });
    expect(containerResources(pod([a]), a, 4 * GiB)).toEqual({
      cpuShares: 256, cpuPeriod: 100000, cpuQuota: 50000, memoryLimitInBytes: 134217728, oomScoreAdj: 985,
    });
  });
  test("no resources: minimal shares, no quota, no memory limit, BestEffort", () => {
    const a = c("a");
    expect(containerResources(pod([a]), a, 4 * GiB)).toEqual({ cpuShares: 2, cpuPeriod: 100000, cpuQuota: 0, oomScoreAdj: 1000 });
  });
  test("cpu limit without request: shares follow the limit", () => {
    const a = c("a", { limits: { cpu: "2" } });
    expect(containerResources(pod([a]), a, 4 * GiB)).toMatchObject({ cpuShares: 2048, cpuQuota: 200000 });
  });
  test("cpu request 0 with a limit: shares from the request (2)", () => {
    const a = c("a", { requests: { cpu: "0" }, limits: { cpu: "1" } });
    expect(containerResources(pod([a]), a, 4 * GiB).cpuShares).toBe(2);
  });
  test("numbers as quantities", () => {
    const a = c("a", { requests: { cpu: 1, memory: 1048576 }, limits: { cpu: 1, memory: 1048576 } });
    expect(containerResources(pod([a]), a, 4 * GiB)).toMatchObject({ cpuShares: 1024, cpuQuota: 100000, memoryLimitInBytes: 1048576, oomScoreAdj: -997 });
  });
});

describe("oomScoreAdj (upstream qos policy)", () => {
  test("Guaranteed -997, BestEffort 1000", () => {
    const g = c("g", { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } });
    expect(oomScoreAdj(pod([g]), g, 4 * GiB)).toBe(-997);
    const b = c("b");
    expect(oomScoreAdj(pod([b]), b, 4 * GiB)).toBe(1000);
  });
  test("Burstable: 1000 - 1000 × request / capacity, within [3, 999]", () => {
    const cases: [string | undefined, number][] = [["1Gi", 750], ["10Mi", 998], [undefined, 999], ["4Gi", 3], ["8Gi", 3], ["4092Mi", 3], ["4086Mi", 3], ["4080Mi", 4]];
    for (const [mem, want] of cases) {
      const a = c("a", { requests: { cpu: "100m", ...(mem ? { memory: mem } : {}) } });
      expect([mem, oomScoreAdj(pod([a]), a, 4 * GiB)]).toEqual([mem, want]);
    }
  });
  test("a node-critical pod is -997 whatever its QoS", () => {
    const a = c("a");
    expect(oomScoreAdj(pod([a], [], { priority: 2_000_001_000, priorityClassName: "system-node-critical" }), a, 4 * GiB)).toBe(-997);
    expect(oomScoreAdj(pod([a], [], { priority: 2_000_000_000, priorityClassName: "system-cluster-critical" }), a, 4 * GiB)).toBe(1000);
    expect(oomScoreAdj(pod([a], [], { priorityClassName: "system-node-critical" }, { "kubernetes.io/config.source": "file" }), a, 4 * GiB)).toBe(-997);
  });
  test("a sidecar scores no higher than the smallest app container", () => {
    const app1 = c("app1", { requests: { memory: "2Gi" } });
    const app2 = c("app2", { requests: { memory: "1Gi" } });
    const side = c("side", { requests: { memory: "100Mi" } }, "Always");
    const p = pod([app1, app2], [side]);
    expect(oomScoreAdj(p, app2, 4 * GiB)).toBe(750);
    expect(oomScoreAdj(p, side, 4 * GiB)).toBe(750);
    const bigSide = c("side", { requests: { memory: "3Gi" } }, "Always");
    expect(oomScoreAdj(pod([app1, app2], [bigSide]), bigSide, 4 * GiB)).toBe(250);
    const plainInit = c("side", { requests: { memory: "100Mi" } });
    expect(oomScoreAdj(pod([app1, app2], [plainInit]), plainInit, 4 * GiB)).toBe(976);
  });
});
