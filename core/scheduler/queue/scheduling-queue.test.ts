import { describe, expect, test } from "bun:test";
import type { Pod } from "@lite/sdk";
import { createFakeClock } from "../../controllers/runtime/fake-clock.ts";
import { SchedulingQueue } from "./scheduling-queue.ts";

const pod = (name: string, priority = 0): Pod => ({ metadata: { name, namespace: "d" }, spec: { containers: [], priority } }) as Pod;

describe("scheduling queue", () => {
  test("priority first, then FIFO; unschedulable pods return on a relevant event; back-off 1 s doubling to 10 s", async () => {
    const clock = createFakeClock();
    const q = new SchedulingQueue({ clock, priorityOf: (p) => p.spec.priority ?? 0, pluginEvents: () => [{ resource: "Node", actions: ["Add"] }] });
    q.add(pod("low")); q.add(pod("high", 10));
    const first = (await q.pop())!;
    expect(first.key).toBe("d/high");
    first.unschedulablePlugins = new Set(["X"]);
    q.requeueFailed(first, q.schedulingCycle(), true);
    expect(q.counts().unschedulable).toBe(1);
    q.moveOnEvent("Pod", "Delete"); // X does not care
    expect(q.counts().unschedulable).toBe(1);
    q.moveOnEvent("Node", "Add");
    expect(q.counts().backoff).toBe(1); // still backing off (1 s)
    clock.advance(1000);
    q.flushBackoff();
    expect((await q.pop())!.key).toBe("d/high");
    expect((await q.pop())!.key).toBe("d/low");
  });
});
