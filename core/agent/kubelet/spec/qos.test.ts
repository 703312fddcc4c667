import { describe, expect, test } from "bun:test";
import { podQos, qosClass, type QosClass } from "./qos.ts";
import type { Container, Pod, ResourceRequirements } from "./types.ts";

const c = (name: string, resources?: ResourceRequirements, restartPolicy?: string): Container => ({ name, resources, restartPolicy });
const pod = (containers: Container[], initContainers: Container[] = []): Pod => ({ metadata: { name: "p" }, spec: { containers, initContainers } });
const guaranteed = (cpu: string, memory: string): ResourceRequirements => ({ requests: { cpu, memory }, limits: { cpu, memory } });

describe("qosClass (upstream ComputePodQOS cases)", () => {
  const cases: [string, Pod, QosClass][] = [
    ["no resources", pod([c("a"), c("b")]), "BestEffort"],
    ["only zero quantities", pod([c("a", { requests: { cpu: "0", memory: "0" }, limits: { cpu: "0m" } })]), "BestEffort"],
    ["only non-QoS resources", pod([c("a", { requests: { "ephemeral-storage": "1Gi", "nvidia.com/gpu": 1 }, limits: { "nvidia.com/gpu": 1 } })]), "BestEffort"],
    ["equal cpu and memory requests and limits", pod([c("a", guaranteed("100m", "100Mi")), c("b", guaranteed("1", "1Gi"))]), "Guaranteed"],
    ["equal values written differently", pod([c("a", { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1000m", memory: "1024Mi" } })]), "Guaranteed"],
    ["limits only (requests unset)", pod([c("a", { limits: { cpu: "1", memory: "1Gi" } })]), "Burstable"],
    ["one container BestEffort, one Guaranteed", pod([c("a"), c("b", guaranteed("1", "1Gi"))]), "Burstable"],
    ["memory limit missing", pod([c("a", { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1" } })]), "Burstable"],
    ["request below limit", pod([c("a", { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } })]), "Burstable"],
    ["requests only", pod([c("a", { requests: { cpu: "100m" } })]), "Burstable"],
    ["init container counted (Guaranteed)", pod([c("a", guaranteed("1", "1Gi"))], [c("init", guaranteed("2", "2Gi"))]), "Guaranteed"],
    ["init container without limits", pod([c("a", guaranteed("1", "1Gi"))], [c("init")]), "Burstable"],
    ["init container with resources, app without", pod([c("a")], [c("init", { requests: { memory: "10Mi" } })]), "Burstable"],
    ["sidecar counted", pod([c("a", guaranteed("1", "1Gi"))], [c("side", { requests: { cpu: "1" } }, "Always")]), "Burstable"],
  ];
  for (const [what, p, want] of cases) test(what, () => expect(qosClass(p)).toBe(want));
});

describe("podQos", () => {
  test("prefers the recorded status.qosClass", () => {
    const p = pod([c("a")]);
    expect(podQos(p)).toBe("BestEffort");
    expect(podQos({ ...p, status: { qosClass: "Guaranteed" } })).toBe("Guaranteed");
  });
});
