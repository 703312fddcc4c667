/** Unit tests of the in-tree filter/score plugins against hand-built NodeInfos. */
import { describe, expect, test } from "bun:test";
import { createCycleState, type Node, type Pod, type SchedulerHandle } from "@lite/sdk";
import { NodeInfoImpl } from "../cache/node-info.ts";
import { createQuantityCache } from "../helpers/quantities.ts";
import { computePodInfo } from "../helpers/pod-resources.ts";
import { fitErrorMessage } from "../framework/fit-error.ts";
import { nodeAffinityPlugin } from "./node-affinity.ts";
import { nodePortsPlugin } from "./node-ports.ts";
import { nodeResourcesFitPlugin } from "./node-resources-fit.ts";
import { nodeUnschedulablePlugin } from "./node-unschedulable.ts";
import { taintTolerationPlugin } from "./taint-toleration.ts";

const q = createQuantityCache();
const handle = { podInfo: (p: Pod) => computePodInfo(p, q) } as unknown as SchedulerHandle;
const node = (name: string, extra: Partial<Node> = {}, labels: Record<string, string> = {}): NodeInfoImpl =>
  new NodeInfoImpl({ metadata: { name, labels }, status: { allocatable: { cpu: "1", memory: "1Gi", pods: "2" } }, ...extra } as Node, q);
const pod = (spec: Partial<Pod["spec"]> = {}, cpu = "100m"): Pod =>
  ({ metadata: { name: "p", namespace: "d", uid: Math.random().toString() }, spec: { containers: [{ name: "c", resources: { requests: { cpu } }, ports: [] }], ...spec } }) as Pod;

describe("NodeResourcesFit", () => {
  const plugin = nodeResourcesFitPlugin.create(handle, undefined);
  test("Insufficient cpu / Too many pods", () => {
    const ni = node("n");
    expect(plugin.filter!(createCycleState(), pod({}, "2"), ni).reasons).toEqual(["Insufficient cpu"]);
    ni.addPod(computePodInfo(pod(), q)); ni.addPod(computePodInfo(pod(), q));
    expect(plugin.filter!(createCycleState(), pod(), ni).reasons).toEqual(["Too many pods"]);
  });
  test("LeastAllocated prefers the emptier node", () => {
    const empty = node("a"), busy = node("b");
    busy.addPod(computePodInfo(pod({}, "500m"), q));
    expect(plugin.score!(createCycleState(), pod(), empty)).toBeGreaterThan(plugin.score!(createCycleState(), pod(), busy));
  });
});

describe("TaintToleration / NodeUnschedulable / NodeAffinity / NodePorts", () => {
  test("untolerated taint message names the taint", () => {
    const p = taintTolerationPlugin.create(handle, undefined);
    const ni = node("n", { spec: { taints: [{ key: "k", value: "v", effect: "NoSchedule" }] } });
    expect(p.filter!(createCycleState(), pod(), ni)).toMatchObject({ code: "UnschedulableAndUnresolvable", reasons: ["node(s) had untolerated taint {k: v}"] });
    expect(p.filter!(createCycleState(), pod({ tolerations: [{ key: "k", operator: "Exists" }] }), ni).code).toBe("Success");
  });
  test("cordoned node", () => {
    const p = nodeUnschedulablePlugin.create(handle, undefined);
    expect(p.filter!(createCycleState(), pod(), node("n", { spec: { unschedulable: true } })).reasons).toEqual(["node(s) were unschedulable"]);
  });
  test("nodeSelector and required terms", () => {
    const p = nodeAffinityPlugin.create(handle, undefined);
    const ni = node("n", {}, { disk: "ssd" });
    expect(p.filter!(createCycleState(), pod({ nodeSelector: { disk: "hdd" } }), ni).reasons).toEqual(["node(s) didn't match Pod's node affinity/selector"]);
    expect(p.filter!(createCycleState(), pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] }] } } } }), ni).code).toBe("Success");
  });
  test("hostPort conflicts with 0.0.0.0 (SchedulerPredicates hostPort conformance case)", () => {
    const p = nodePortsPlugin.create(handle, undefined);
    const ni = node("n");
    const withPort = (ip: string) => pod({ containers: [{ name: "c", ports: [{ containerPort: 80, hostPort: 54322, hostIP: ip, protocol: "TCP" }] }] });
    ni.addPod(computePodInfo(withPort("0.0.0.0"), q));
    expect(p.filter!(createCycleState(), withPort("127.0.0.1"), ni).reasons).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
  });
});

describe("FitError message", () => {
  test("histogram sorted as strings, preemption appended", () => {
    const m = new Map([
      ["a", { code: "Unschedulable" as const, reasons: ["Insufficient cpu"] }],
      ["b", { code: "Unschedulable" as const, reasons: ["Insufficient cpu"] }],
      ["c", { code: "UnschedulableAndUnresolvable" as const, reasons: ["node(s) had untolerated taint {k: v}"] }],
    ]);
    expect(fitErrorMessage(3, { nodeToStatus: m, unschedulablePlugins: new Set(), postFilterMsg: "preemption: 0/3 nodes are available: 3 x." }))
      .toBe("0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 x..");
  });
});
