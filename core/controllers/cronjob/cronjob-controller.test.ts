import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources } from "@lite/sdk";
import type { Job } from "../job/types.ts";
import { createFakeClock } from "../runtime/fake-clock.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { eventually } from "../testing/in-process.ts";
import { flowWithRealTime } from "../testing/kubelet-stand-in.ts";
import { cronJobController } from "./cronjob-controller.ts";
import type { CronJob } from "./types.ts";

// The fake clock starts at real time, so creationTimestamps (server time) line up with it.
const clock = createFakeClock(Date.now());
let t: ControllerTestbed;
let stopFlow = () => {};
beforeAll(async () => {
  t = await startControllerTestbed([cronJobController({ now: clock.now })], {}, { clock });
  stopFlow = flowWithRealTime(clock);
});
afterAll(async () => { stopFlow(); await t.close(); });

const { jobs: JOBS, cronJobs: CJS } = builtinResources;
const NS = "default";

function cronJob(name: string, spec: Record<string, unknown> = {}): CronJob {
  return {
    apiVersion: "batch/v1", kind: "CronJob", metadata: { name, namespace: NS },
    spec: {
      schedule: "* * * * *",
      jobTemplate: { metadata: { labels: { cj: name } }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } } },
      ...spec,
    },
  };
}
const jobsOf = async (name: string) => (await t.client.list<Job>({ ...JOBS, namespace: NS }, { labelSelector: `cj=${name}` })).items.filter((j) => !j.metadata.deletionTimestamp);
const getCj = (name: string) => t.client.get<CronJob>({ ...CJS, namespace: NS, name });
/** Moves the fake clock to just past the next minute boundary. */
const nextMinute = () => clock.advance(60_000 - (clock.now() % 60_000) + 200);
async function complete(job: Job, type: "Complete" | "Failed" = "Complete"): Promise<void> {
  const at = new Date(clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  await t.client.patch({ ...JOBS, namespace: NS, name: job.metadata.name ?? "" }, "merge", {
    status: { startTime: at, ...(type === "Complete" ? { completionTime: at } : {}), conditions: [{ type, status: "True", lastTransitionTime: at }] },
  }, { subresource: "status" });
}
async function eventsFor(name: string): Promise<string[]> {
  const list = await t.client.list({ ...builtinResources.events, namespace: NS }, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}

describe("cronjob controller", () => {
  test("[sig-apps] CronJob should schedule multiple jobs concurrently [Conformance]: `* * * * *` creates <name>-<minutes> every minute", async () => {
    await t.client.create({ ...CJS, namespace: NS }, cronJob("every"));
    await Bun.sleep(100);
    expect(await jobsOf("every")).toHaveLength(0);
    nextMinute();
    const [job] = await eventually(async () => { const j = await jobsOf("every"); return j.length === 1 ? j : undefined; }, 3000, "first job");
    const minutes = Math.floor(clock.now() / 60_000);
    expect(job!.metadata.name).toBe(`every-${minutes}`);
    expect(job!.metadata.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"]).toBe(new Date(minutes * 60_000).toISOString().replace(/\.\d+Z$/, "Z"));
    expect(job!.metadata.ownerReferences?.[0]).toMatchObject({ kind: "CronJob", name: "every", controller: true });
    const cj = await eventually(async () => { const c = await getCj("every"); return c.status?.active?.length === 1 ? c : undefined; });
    expect(cj.status?.lastScheduleTime).toBe(new Date(minutes * 60_000).toISOString().replace(/\.\d+Z$/, "Z"));
    nextMinute();
    await eventually(async () => (await jobsOf("every")).length === 2, 3000, "second, concurrent job");
    await eventually(async () => (await getCj("every")).status?.active?.length === 2);
    await eventually(async () => (await eventsFor("every")).some((e) => e.startsWith("SuccessfulCreate: Created job every-")));
    await t.client.patch({ ...CJS, namespace: NS, name: "every" }, "merge", { spec: { suspend: true } });
  });

  test("[sig-apps] CronJob should not schedule new jobs when ForbidConcurrent [Slow] [Conformance]; a finished job is seen (SawCompletedJob, lastSuccessfulTime)", async () => {
    await t.client.create({ ...CJS, namespace: NS }, cronJob("forbid", { concurrencyPolicy: "Forbid" }));
    nextMinute();
    const [first] = await eventually(async () => { const j = await jobsOf("forbid"); return j.length === 1 ? j : undefined; });
    await eventually(async () => (await getCj("forbid")).status?.active?.length === 1);
    nextMinute();
    await eventually(async () => (await eventsFor("forbid")).includes("JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid"));
    expect(await jobsOf("forbid")).toHaveLength(1);
    await complete(first!);
    // The run missed while the first job was active starts as soon as it finished (upstream does the same).
    const cj = await eventually(async () => {
      const c = await getCj("forbid");
      return c.status?.lastSuccessfulTime && c.status.active?.length === 1 && c.status.active[0]!.uid !== first!.metadata.uid ? c : undefined;
    }, 3000, "missed run started");
    expect(cj.status?.lastSuccessfulTime).toBeString();
    expect(await eventsFor("forbid")).toContain(`SawCompletedJob: Saw completed job: ${first!.metadata.name}, condition: Complete`);
    expect(await jobsOf("forbid")).toHaveLength(2);
    await t.client.patch({ ...CJS, namespace: NS, name: "forbid" }, "merge", { spec: { suspend: true } });
  });

  test("[sig-apps] CronJob should replace jobs when ReplaceConcurrent [Conformance]", async () => {
    await t.client.create({ ...CJS, namespace: NS }, cronJob("replace", { concurrencyPolicy: "Replace" }));
    nextMinute();
    const [first] = await eventually(async () => { const j = await jobsOf("replace"); return j.length === 1 ? j : undefined; });
    await eventually(async () => (await getCj("replace")).status?.active?.length === 1);
    nextMinute();
    const [second] = await eventually(async () => { const j = await jobsOf("replace"); return j.length === 1 && j[0]!.metadata.uid !== first!.metadata.uid ? j : undefined; }, 3000, "replaced");
    const cj = await eventually(async () => { const c = await getCj("replace"); return c.status?.active?.[0]?.uid === second!.metadata.uid ? c : undefined; });
    expect(cj.status?.active).toHaveLength(1);
    expect(await eventsFor("replace")).toContain(`SuccessfulDelete: Deleted job ${first!.metadata.name}`);
    await t.client.patch({ ...CJS, namespace: NS, name: "replace" }, "merge", { spec: { suspend: true } });
  });

  test("[sig-apps] CronJob should not schedule jobs when suspended [Slow] [Conformance]; startingDeadlineSeconds skips missed runs", async () => {
    await t.client.create({ ...CJS, namespace: NS }, cronJob("suspended", { suspend: true }));
    nextMinute();
    nextMinute();
    await Bun.sleep(150);
    expect(await jobsOf("suspended")).toHaveLength(0);
    // Resumed 30 s after a missed minute with a 10 s deadline: nothing runs until the next minute.
    await t.client.create({ ...CJS, namespace: NS }, cronJob("late", { suspend: true, startingDeadlineSeconds: 10 }));
    nextMinute();
    clock.advance(30_000);
    await t.client.patch({ ...CJS, namespace: NS, name: "late" }, "merge", { spec: { suspend: false } });
    await Bun.sleep(150);
    expect(await jobsOf("late")).toHaveLength(0);
    nextMinute();
    await eventually(async () => (await jobsOf("late")).length === 1, 3000, "runs at the next minute");
    await t.client.patch({ ...CJS, namespace: NS, name: "late" }, "merge", { spec: { suspend: true } });
  });

  test("history limits remove the oldest finished jobs; an unparseable schedule is reported", async () => {
    await t.client.create({ ...CJS, namespace: NS }, cronJob("hist", { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }));
    for (let i = 0; i < 3; i++) {
      nextMinute();
      // The fake clock runs ahead of the server's creationTimestamp, so a missed run may start at once too.
      const open = await eventually(async () => { const o = (await jobsOf("hist")).filter((x) => !x.status?.conditions?.length); return o.length ? o : undefined; }, 3000, `job ${i}`);
      for (const j of open) await complete(j);
    }
    await eventually(async () => (await jobsOf("hist")).length === 1, 3000, "one successful job kept");
    await t.client.patch({ ...CJS, namespace: NS, name: "hist" }, "merge", { spec: { suspend: true } });

    await t.client.create({ ...CJS, namespace: NS }, cronJob("bad", { schedule: "61 * * * *" }));
    await eventually(async () => (await eventsFor("bad")).some((e) => e.startsWith('UnparseableSchedule: unparseable schedule: "61 * * * *" : end of range (61) above maximum (59)')));
  });
});
