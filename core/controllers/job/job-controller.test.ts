import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { createFakeClock } from "../runtime/fake-clock.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { eventually } from "../testing/in-process.ts";
import { bindPod, flowWithRealTime, setPodStatus } from "../testing/kubelet-stand-in.ts";
import type { Pod } from "../workload-pods/types.ts";
import { jobController } from "./job-controller.ts";
import type { Job } from "./types.ts";

const clock = createFakeClock(Date.parse("2026-01-01T00:00:00Z"));
let t: ControllerTestbed;
let stopFlow = () => {};
beforeAll(async () => {
  t = await startControllerTestbed([jobController({ now: clock.now })], {}, { clock });
  stopFlow = flowWithRealTime(clock);
});
afterAll(async () => { stopFlow(); await t.close(); });

const PODS = builtinResources.pods;
const JOBS = builtinResources.jobs;
const NS = "default";

function job(name: string, spec: Record<string, unknown> = {}): Job {
  return {
    apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: NS },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } }, ...spec },
  };
}
const getJob = (name: string) => t.client.get<Job>({ ...JOBS, namespace: NS, name });
async function podsOf(name: string, all = false): Promise<Pod[]> {
  const list = await t.client.list<Pod>({ ...PODS, namespace: NS }, { labelSelector: `batch.kubernetes.io/job-name=${name}` });
  return list.items.filter((p) => all || (!p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed"));
}
const cond = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === "True");
const finish = (p: KubeObject, phase: "Succeeded" | "Failed", exitCode?: number) => setPodStatus(t.client, p, { phase, exitCode, nowMs: clock.now() });
async function eventsFor(name: string): Promise<string[]> {
  const list = await t.client.list({ ...builtinResources.events, namespace: NS }, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}

describe("job controller", () => {
  test("[sig-apps] Job should run a job to completion when tasks succeed: completions=5, parallelism=2", async () => {
    await t.client.create({ ...JOBS, namespace: NS }, job("five", { completions: 5, parallelism: 2 }));
    for (let done = 0; done < 5; ) {
      const active = await eventually(async () => { const p = await podsOf("five"); return p.length === Math.min(2, 5 - done) ? p : undefined; }, 3000, `active pods after ${done}`);
      expect(active[0]!.metadata.finalizers).toContain("batch.kubernetes.io/job-tracking");
      expect(active[0]!.metadata.generateName).toBe("five-");
      await finish(active[0]!, "Succeeded");
      done++;
      await eventually(async () => (await getJob("five")).status?.succeeded === done, 3000, `succeeded=${done}`);
    }
    const j = await eventually(async () => { const j = await getJob("five"); return cond(j, "Complete") ? j : undefined; });
    expect(cond(j, "SuccessCriteriaMet")).toMatchObject({ reason: "CompletionsReached", message: "Reached expected number of succeeded pods" });
    expect(cond(j, "Complete")).toMatchObject({ reason: "CompletionsReached" });
    expect(j.status).toMatchObject({ succeeded: 5, failed: 0, active: 0, ready: 0, terminating: 0 });
    expect(j.status?.completionTime).toBeDefined();
    expect(j.status?.startTime).toBeDefined();
    for (const p of await podsOf("five", true)) expect(p.metadata.finalizers ?? []).not.toContain("batch.kubernetes.io/job-tracking");
    const events = await eventually(async () => { const e = await eventsFor("five"); return e.includes("Completed: Job completed") ? e : undefined; });
    expect(events.some((e) => e.startsWith("SuccessfulCreate: Created pod: five-"))).toBe(true);
  });

  test("backoffLimit: a failed pod is replaced after 10 s, then 20 s; exceeding the limit fails the job (BackoffLimitExceeded)", async () => {
    await t.client.create({ ...JOBS, namespace: NS }, job("flaky", { backoffLimit: 2 }));
    let pod = (await eventually(async () => { const p = await podsOf("flaky"); return p.length === 1 ? p : undefined; }))[0]!;
    for (const delay of [10_000, 20_000]) {
      await finish(pod, "Failed");
      await eventually(async () => (await getJob("flaky")).status?.failed !== undefined && (await podsOf("flaky")).length === 0, 3000, "failure counted");
      await Bun.sleep(100);
      expect(await podsOf("flaky")).toHaveLength(0);
      clock.advance(delay - 500);
      await Bun.sleep(50);
      expect(await podsOf("flaky")).toHaveLength(0);
      clock.advance(600);
      pod = (await eventually(async () => { const p = await podsOf("flaky"); return p.length === 1 ? p : undefined; }, 3000, `replacement after ${delay}`))[0]!;
    }
    await finish(pod, "Failed");
    const j = await eventually(async () => { const j = await getJob("flaky"); return cond(j, "Failed") ? j : undefined; });
    expect(cond(j, "FailureTarget")).toMatchObject({ reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    expect(cond(j, "Failed")).toMatchObject({ reason: "BackoffLimitExceeded" });
    expect(j.status).toMatchObject({ failed: 3, active: 0 });
    expect(j.status?.completionTime).toBeUndefined();
    await eventually(async () => (await eventsFor("flaky")).includes("BackoffLimitExceeded: Job has reached the specified backoff limit"));
  });

  test("[sig-apps] Job should fail when exceeds active deadline: activeDeadlineSeconds deletes active pods (DeadlineExceeded)", async () => {
    await t.client.create({ ...JOBS, namespace: NS }, job("slow", { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 }));
    await eventually(async () => (await podsOf("slow")).length === 2);
    clock.advance(31_000);
    const j = await eventually(async () => { const j = await getJob("slow"); return cond(j, "Failed") ? j : undefined; }, 3000, "deadline");
    expect(cond(j, "Failed")).toMatchObject({ reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" });
    expect(await podsOf("slow")).toHaveLength(0);
  });

  test("[sig-apps] Job should create pods for an Indexed job with completion indexes and specified hostname [Conformance]", async () => {
    await t.client.create({ ...JOBS, namespace: NS }, job("idx", { completions: 3, parallelism: 3, completionMode: "Indexed" }));
    const pods = await eventually(async () => { const p = await podsOf("idx"); return p.length === 3 ? p : undefined; });
    const byIndex = new Map(pods.map((p) => [p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"], p]));
    expect([...byIndex.keys()].sort()).toEqual(["0", "1", "2"]);
    const p1 = byIndex.get("1")!;
    expect(p1.metadata.labels?.["batch.kubernetes.io/job-completion-index"]).toBe("1");
    expect(p1.metadata.generateName).toBe("idx-1-");
    expect(p1.spec?.hostname).toBe("idx-1");
    expect(p1.spec?.containers[0].env).toContainEqual({ name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']", apiVersion: "v1" } } });
    await finish(p1, "Succeeded");
    await eventually(async () => (await getJob("idx")).status?.completedIndexes === "1");
    await finish(byIndex.get("0")!, "Succeeded");
    await finish(byIndex.get("2")!, "Succeeded");
    const j = await eventually(async () => { const j = await getJob("idx"); return cond(j, "Complete") ? j : undefined; });
    expect(j.status).toMatchObject({ completedIndexes: "0-2", succeeded: 3 });
  });

  test("[sig-apps] Job should allow to use the pod failure policy on exit code to fail the job early [Conformance]; Ignore rules do not count", async () => {
    const podFailurePolicy = { rules: [
      { action: "FailJob", onExitCodes: { operator: "In", values: [42] } },
      { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] },
    ] };
    await t.client.create({ ...JOBS, namespace: NS }, job("policy", { backoffLimit: 0, podFailurePolicy }));
    const first = (await eventually(async () => { const p = await podsOf("policy"); return p.length === 1 ? p : undefined; }))[0]!;
    await setPodStatus(t.client, first, { phase: "Failed", exitCode: 137, conditions: [{ type: "DisruptionTarget", status: "True" }] });
    const second = (await eventually(async () => { const p = await podsOf("policy"); return p.length === 1 && p[0]!.metadata.uid !== first.metadata.uid ? p : undefined; }, 3000, "replacement of ignored failure"))[0]!;
    expect((await getJob("policy")).status?.failed ?? 0).toBe(0);
    await finish(second, "Failed", 42);
    const j = await eventually(async () => { const j = await getJob("policy"); return cond(j, "Failed") ? j : undefined; });
    expect(cond(j, "Failed")).toMatchObject({ reason: "PodFailurePolicy", message: `Container c for pod default/${second.metadata.name} failed with exit code 42 matching FailJob rule at index 0` });
  });

  test("[sig-apps] Job should allow to use a pod failure policy to ignore failure matching on DisruptionTarget condition [Conformance]: a pod evicted through the Eviction API fails without counting", async () => {
    const podFailurePolicy = { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }, { action: "FailJob", onExitCodes: { operator: "NotIn", values: [0] } }] };
    await t.client.create({ ...JOBS, namespace: NS }, job("evictme", { backoffLimit: 0, parallelism: 2, completions: 2, podFailurePolicy }));
    const pods = await eventually(async () => { const p = await podsOf("evictme"); return p.length === 2 ? p : undefined; });
    for (const p of pods) {
      await bindPod(t.client, p, "n1");
      await setPodStatus(t.client, p, { phase: "Running", nowMs: clock.now() });
    }
    const victim = pods[0]!;
    const evicted = await t.harness.call("POST", `/api/v1/namespaces/${NS}/pods/${victim.metadata.name}/eviction`, { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: victim.metadata.name, namespace: NS } });
    expect(evicted.status).toBe(201);
    // The kubelet stops the container (SIGTERM: 143) and reports Failed; the eviction's condition stays.
    const stored = await t.client.get<Pod>({ ...PODS, namespace: NS, name: victim.metadata.name! });
    const disruption = (stored.status?.conditions ?? []).find((c) => c.type === "DisruptionTarget");
    expect(disruption).toMatchObject({ status: "True", reason: "EvictionByEvictionAPI" });
    await setPodStatus(t.client, stored, { phase: "Failed", exitCode: 143, conditions: [disruption!], nowMs: clock.now() });
    const replacement = await eventually(async () => (await podsOf("evictme")).find((p) => !pods.some((q) => q.metadata.uid === p.metadata.uid)), 3000, "a replacement pod");
    for (const p of [pods[1]!, replacement]) await finish(p, "Succeeded");
    const j = await eventually(async () => { const j = await getJob("evictme"); return cond(j, "Complete") ? j : undefined; }, 5000, "job complete");
    expect(j.status?.failed ?? 0).toBe(0);
    expect(j.status?.succeeded).toBe(2);
  });

  test("[sig-apps] Job should manage the lifecycle of a job [Conformance]: suspend and resume", async () => {
    await t.client.create({ ...JOBS, namespace: NS }, job("susp", { suspend: true, parallelism: 2, completions: 2 }));
    const j = await eventually(async () => { const j = await getJob("susp"); return cond(j, "Suspended") ? j : undefined; });
    expect(cond(j, "Suspended")).toMatchObject({ reason: "JobSuspended", message: "Job suspended" });
    expect(await podsOf("susp")).toHaveLength(0);
    await t.client.patch({ ...JOBS, namespace: NS, name: "susp" }, "merge", { spec: { suspend: false } });
    await eventually(async () => (await podsOf("susp")).length === 2);
    const resumed = await eventually(async () => { const j = await getJob("susp"); return j.status?.conditions?.find((c) => c.type === "Suspended" && c.status === "False") ? j : undefined; });
    expect(resumed.status?.conditions?.find((c) => c.type === "Suspended")).toMatchObject({ reason: "JobResumed", message: "Job resumed" });
    await t.client.patch({ ...JOBS, namespace: NS, name: "susp" }, "merge", { spec: { suspend: true } });
    await eventually(async () => (await podsOf("susp")).length === 0, 3000, "suspended pods deleted");
    expect(await eventsFor("susp")).toContain("Resumed: Job resumed");
  });

  test("[sig-apps] Job should adopt matching orphans and release non-matching pods [Conformance]", async () => {
    await t.client.create({ ...JOBS, namespace: NS }, job("adopt", { parallelism: 2, completions: 4 }));
    const pods = await eventually(async () => { const p = await podsOf("adopt"); return p.length === 2 ? p : undefined; });
    const victim = pods[0]!;
    await t.client.patch({ ...PODS, namespace: NS, name: victim.metadata.name ?? "" }, "merge", { metadata: { ownerReferences: null } });
    await eventually(async () => (await t.client.get<Pod>({ ...PODS, namespace: NS, name: victim.metadata.name ?? "" })).metadata.ownerReferences?.[0]?.name === "adopt", 3000, "re-adopted");
    await t.client.patch({ ...PODS, namespace: NS, name: victim.metadata.name ?? "" }, "json", [{ op: "remove", path: "/metadata/labels/batch.kubernetes.io~1job-name" }, { op: "remove", path: "/metadata/labels/batch.kubernetes.io~1controller-uid" }]);
    await eventually(async () => !(await t.client.get<Pod>({ ...PODS, namespace: NS, name: victim.metadata.name ?? "" })).metadata.ownerReferences?.length, 3000, "released");
  });
});
