import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, isNotFound } from "@lite/sdk";
import { createFakeClock } from "../runtime/fake-clock.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { eventually } from "../testing/in-process.ts";
import { flowWithRealTime } from "../testing/kubelet-stand-in.ts";
import { ttlAfterFinishedController } from "./ttl-after-finished-controller.ts";

const clock = createFakeClock(Date.now());
let t: ControllerTestbed;
let stopFlow = () => {};
beforeAll(async () => {
  t = await startControllerTestbed([ttlAfterFinishedController({ now: clock.now })], {}, { clock });
  stopFlow = flowWithRealTime(clock);
});
afterAll(async () => { stopFlow(); await t.close(); });

const JOBS = builtinResources.jobs;
const job = (name: string, ttl?: number) => ({
  apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: "default" },
  spec: { ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}), template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } },
});
const exists = (name: string) => t.client.get({ ...JOBS, namespace: "default", name }).then((j) => !j.metadata.deletionTimestamp, (e) => (isNotFound(e) ? false : Promise.reject(e)));
async function finish(name: string, type: "Complete" | "Failed"): Promise<void> {
  const at = new Date(clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  await t.client.patch({ ...JOBS, namespace: "default", name }, "merge", {
    status: { startTime: at, ...(type === "Complete" ? { completionTime: at } : {}), conditions: [{ type, status: "True", lastTransitionTime: at }] },
  }, { subresource: "status" });
}

describe("ttl-after-finished controller", () => {
  test("a finished job is deleted ttlSecondsAfterFinished after it finished; unfinished and TTL-less jobs stay", async () => {
    for (const [name, ttl] of [["done", 30], ["failed", 0], ["running", 1], ["keep", undefined]] as const) await t.client.create({ ...JOBS, namespace: "default" }, job(name, ttl));
    await finish("done", "Complete");
    await finish("failed", "Failed");
    await finish("keep", "Complete");
    await eventually(async () => !(await exists("failed")), 3000, "ttl 0 deletes at once");
    await Bun.sleep(100);
    expect(await exists("done")).toBe(true);
    clock.advance(31_000);
    await eventually(async () => !(await exists("done")), 3000, "deleted after 30 s");
    expect(await exists("running")).toBe(true);
    expect(await exists("keep")).toBe(true);
  });
});
