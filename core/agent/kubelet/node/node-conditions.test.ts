import { describe, expect, test } from "bun:test";
import { nodeConditions } from "./node-conditions.ts";
import { aggregateMessage, conditionText, createRuntimeState } from "./runtime-state.ts";
import type { RuntimeCondition } from "../../cri/types.ts";

const T0 = Date.parse("2025-01-01T00:00:00Z");
const NO_PRESSURE = { memory: false, disk: false, pid: false };

describe("node conditions", () => {
  test("transition times move only when a status changes; heartbeats always; other writers' conditions are kept", () => {
    const first = nodeConditions(undefined, { pressure: NO_PRESSURE, notReadyErrors: [], nowMs: T0 });
    const withOther = [{ type: "NetworkUnavailable", status: "False" as const, reason: "FlannelIsUp", message: "Flannel is running on this node" }, ...first];
    const second = nodeConditions(withOther, { pressure: { ...NO_PRESSURE, disk: true }, notReadyErrors: [], nowMs: T0 + 10_000 });
    expect(second.map((c) => c.type)).toEqual(["NetworkUnavailable", "MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]);
    expect(second[0]).toEqual(withOther[0]!);
    const disk = second.find((c) => c.type === "DiskPressure")!;
    expect(disk).toEqual({
      type: "DiskPressure", status: "True", reason: "KubeletHasDiskPressure", message: "kubelet has disk pressure",
      lastHeartbeatTime: "2025-01-01T00:00:10Z", lastTransitionTime: "2025-01-01T00:00:10Z",
    });
    const memory = second.find((c) => c.type === "MemoryPressure")!;
    expect(memory.lastHeartbeatTime).toBe("2025-01-01T00:00:10Z");
    expect(memory.lastTransitionTime).toBe("2025-01-01T00:00:00Z");
  });

  test("pressure reasons and messages are upstream's", () => {
    const all = nodeConditions(undefined, { pressure: { memory: true, disk: true, pid: true }, notReadyErrors: [], nowMs: T0 });
    expect(all.slice(0, 3).map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ["MemoryPressure", "True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"],
      ["DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure"],
      ["PIDPressure", "True", "KubeletHasInsufficientPID", "kubelet has insufficient PID available"],
    ]);
  });

  test("NotReady carries one error as is, several de-duplicated in brackets", () => {
    const one = nodeConditions(undefined, { pressure: NO_PRESSURE, notReadyErrors: ["container runtime is down"], nowMs: T0 }).at(-1)!;
    expect(one).toMatchObject({ type: "Ready", status: "False", reason: "KubeletNotReady", message: "container runtime is down" });
    expect(aggregateMessage(["a", "b", "a"])).toBe("[a, b]");
    expect(aggregateMessage([])).toBeUndefined();
  });
});

describe("runtime state", () => {
  const status = (conditions: RuntimeCondition[]) => ({ status: async () => ({ conditions }) });

  test("before the first check, and messages built from the runtime's conditions", async () => {
    const state = createRuntimeState(status([
      { type: "RuntimeReady", status: true, reason: "", message: "" },
      { type: "NetworkReady", status: false, reason: "NetworkPluginNotReady", message: "Network plugin returns error: cni plugin not initialized" },
    ]));
    expect(state.errors(T0)).toEqual(["container runtime status check may not have completed yet"]);
    await state.check(T0);
    expect(state.errors(T0)).toEqual(["container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"]);
  });

  test("a runtime that is not ready, or reports no conditions", async () => {
    const notReady = createRuntimeState(status([{ type: "RuntimeReady", status: false, reason: "Starting", message: "still starting" }, { type: "NetworkReady", status: true, reason: "", message: "" }]));
    await notReady.check(T0);
    expect(notReady.errors(T0)).toEqual(["container runtime status check may not have completed yet", "container runtime not ready: RuntimeReady=false reason:Starting message:still starting"]);
    const empty = createRuntimeState(status([]));
    await empty.check(T0);
    expect(empty.errors(T0).slice(1)).toEqual(["container runtime not ready: <nil>", "container runtime network not ready: <nil>"]);
    expect(conditionText(undefined)).toBe("<nil>");
  });

  test("a failing status check ages into 'container runtime is down' after 30 s", async () => {
    let fail = false;
    const failures: unknown[] = [];
    const state = createRuntimeState({
      status: async () => {
        if (fail) throw new Error("unavailable");
        return { conditions: [{ type: "RuntimeReady", status: true, reason: "", message: "" }, { type: "NetworkReady", status: true, reason: "", message: "" }] };
      },
    }, (err) => failures.push(err));
    await state.check(T0);
    expect(state.errors(T0)).toEqual([]);
    fail = true;
    await state.check(T0 + 29_000);
    expect(state.errors(T0 + 29_000)).toEqual([]);
    expect(state.errors(T0 + 30_000)).toEqual(["container runtime is down"]);
    expect(failures.length).toBe(1);
  });
});
