import { expect, test } from "bun:test";
import { computePodQos } from "./pod-qos.ts";

const c = (requests?: Record<string, string>, limits?: Record<string, string>) => ({ resources: { requests, limits } });

test("QoS class as upstream ComputePodQOS: quantities compared by value, only positive cpu/memory count", () => {
  expect(computePodQos({ containers: [c()] })).toBe("BestEffort");
  expect(computePodQos({ containers: [c({ "ephemeral-storage": "1Gi" }, { "example.com/gpu": "1" })] })).toBe("BestEffort");
  expect(computePodQos({ containers: [c({ cpu: "0" }, { memory: "0" })] })).toBe("BestEffort");
  // "1" and "1000m" are the same quantity: Guaranteed (a string comparison said Burstable).
  expect(computePodQos({ containers: [c({ cpu: "1", memory: "1Gi" }, { cpu: "1000m", memory: "1024Mi" })] })).toBe("Guaranteed");
  // Limits without requests count as Guaranteed only once requests are defaulted from them (at create).
  expect(computePodQos({ containers: [c(undefined, { cpu: "500m", memory: "128Mi" })] })).toBe("Burstable");
  expect(computePodQos({ containers: [c({ cpu: "500m", memory: "128Mi" }, { cpu: "500m", memory: "128Mi" })] })).toBe("Guaranteed");
  expect(computePodQos({ containers: [c({ cpu: "100m" }, { cpu: "200m", memory: "1Gi" })] })).toBe("Burstable");
  expect(computePodQos({ containers: [c(undefined, { cpu: "1", memory: "1Gi" })], initContainers: [c({ cpu: "100m" })] })).toBe("Burstable");
  expect(computePodQos(undefined)).toBe("BestEffort");
});
