/**
 * Jobs and CronJobs through the in-process API server: writes through /status also change
 * labels and annotations (upstream's Job and CronJob status strategies reset only spec), as the
 * upstream conformance tests "Job should apply changes to a job status" and "CronJob should
 * support CronJob API operations" expect; Deployments keep their stored labels.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const MERGE = { "content-type": "application/merge-patch+json" };
const podTemplate = { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } };

test("a merge patch of Job /status writes the status and the annotations, not the spec", async () => {
  const created = await h.call("POST", "/apis/batch/v1/namespaces/default/jobs", { metadata: { name: "j" }, spec: { template: podTemplate } });
  expect(created.status).toBe(201);
  const condition = { type: "CustomConditionType", status: "True", lastTransitionTime: "2025-01-01T00:00:00Z" };
  const patched = await h.call("PATCH", "/apis/batch/v1/namespaces/default/jobs/j/status",
    { metadata: { annotations: { patchedstatus: "true" }, labels: { l: "v" } }, spec: { parallelism: 5 }, status: { conditions: [condition] } }, MERGE);
  expect(patched.status).toBe(200);
  expect(patched.body.metadata.annotations).toEqual({ patchedstatus: "true" });
  expect(patched.body.metadata.labels).toEqual({ l: "v" });
  expect(patched.body.metadata.uid).toBe(created.body.metadata.uid);
  expect(patched.body.metadata.generation).toBe(1);
  expect(patched.body.spec.parallelism).toBe(1);
  expect(patched.body.status.conditions).toEqual([condition]);
});

test("a PUT of CronJob /status writes the status and the annotations", async () => {
  const created = await h.call("POST", "/apis/batch/v1/namespaces/default/cronjobs",
    { metadata: { name: "cj" }, spec: { schedule: "0 0 1 1 *", jobTemplate: { spec: { template: podTemplate } } } });
  expect(created.status).toBe(201);
  const put = await h.call("PUT", "/apis/batch/v1/namespaces/default/cronjobs/cj/status",
    { ...created.body, metadata: { ...created.body.metadata, annotations: { updated: "true" } }, spec: { ...created.body.spec, suspend: true }, status: { lastScheduleTime: "2025-01-01T00:00:00Z" } });
  expect(put.status).toBe(200);
  expect(put.body.metadata.annotations).toEqual({ updated: "true" });
  expect(put.body.spec.suspend).toBe(false);
  expect(put.body.status.lastScheduleTime).toBe("2025-01-01T00:00:00Z");
});

test("Deployment /status writes keep the stored labels (upstream deploymentStatusStrategy)", async () => {
  const labels = { app: "d" };
  const created = await h.call("POST", "/apis/apps/v1/namespaces/default/deployments",
    { metadata: { name: "d", labels }, spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "busybox" }] } } } });
  expect(created.status).toBe(201);
  const patched = await h.call("PATCH", "/apis/apps/v1/namespaces/default/deployments/d/status",
    { metadata: { labels: { other: "x" } }, status: { readyReplicas: 0 } }, MERGE);
  expect(patched.status).toBe(200);
  expect(patched.body.metadata.labels).toEqual(labels);
});
