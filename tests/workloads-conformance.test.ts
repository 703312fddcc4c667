/**
 * Upstream workload conformance tests (test/e2e/apps: deployment.go, cronjob.go, job.go,
 * daemon_set.go; test/e2e/apimachinery/garbage_collector.go) against the compiled binary with the
 * embedded agent, so pods really run. One server serves every case; each case has its own
 * namespace and the cases run concurrently.
 *
 * Images are offline: busybox and lite.local/pause:3.10 stand in for upstream's httpd and agnhost,
 * and an image that is not on the node with imagePullPolicy Never stands in for upstream's
 * non-existent images (it fails without contacting a registry).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, type ApiClient, type KubeObject, type WatchEvent } from "@lite/sdk";
import { scratchDir, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, within } from "./harness/kube.ts";
import { adminClient, condition, isRunningReady, type Pod } from "./harness/pods.ts";

setDefaultTimeout(120_000);

const BUSYBOX = "busybox";
const PAUSE = "lite.local/pause:3.10";
const MISSING = "lite.local/does-not-exist:1"; // with imagePullPolicy Never: ErrImageNeverPull, no registry traffic

let scratch: ReturnType<typeof scratchDir>;
let server: LiteServer;
let client: ApiClient;

type Obj = KubeObject & { spec?: any; status?: any };
const R = builtinResources;

beforeAll(async () => {
  scratch = scratchDir("lite-workloads-");
  server = await startServer(["--node-ip", "127.0.0.1", "--kubelet-arg", "port=0", "--private-registry", `${scratch.dir}/registries.yaml`], {},
    { agent: true, dataDir: scratch.dir, config: "" });
  client = adminClient(server);
  await within(30_000, async () => ((await client.list<Pod>(R.nodes)).items.some((n) => condition(n, "Ready") === "True") ? true : undefined));
});

afterAll(async () => {
  await server?.stop();
  scratch?.cleanup();
});

/** A pod template: one container, a 1 s grace period, no registry pulls. */
function template(labels: Record<string, string>, image: string, extra: Record<string, any> = {}, container: Record<string, any> = {}) {
  const command = image === BUSYBOX ? { command: ["sleep", "3600"] } : {};
  const pullPolicy = image === MISSING ? "Never" : "IfNotPresent";
  return {
    metadata: { labels },
    spec: { terminationGracePeriodSeconds: 1, ...extra, containers: [{ name: "c", image, imagePullPolicy: pullPolicy, ...command, ...container }] },
  };
}

function deployment(name: string, replicas: number, labels: Record<string, string>, image: string, spec: Record<string, any> = {}, metaLabels = labels): Obj {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, labels: metaLabels }, spec: { replicas, selector: { matchLabels: labels }, template: template(labels, image), ...spec } };
}

function daemonSet(name: string, labels: Record<string, string>, image: string, spec: Record<string, any> = {}): Obj {
  return { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name, labels }, spec: { selector: { matchLabels: labels }, template: template(labels, image), ...spec } };
}

const selectorOf = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");

async function pods(ns: string, labels: Record<string, string>): Promise<Pod[]> {
  return (await client.list<Pod>({ ...R.pods, namespace: ns }, { labelSelector: selectorOf(labels) })).items;
}

/** True (for waitFor) once `ns` has `replicaSets` ReplicaSets and `podCount` pods with `labels`. */
async function replicaSetsAndPods(ns: string, labels: Record<string, string>, replicaSets: number, podCount: number): Promise<true | undefined> {
  const rs = (await client.list({ ...R.replicaSets, namespace: ns })).items.length;
  return rs === replicaSets && (await pods(ns, labels)).length === podCount ? true : undefined;
}

/** Pods that run, are ready and are not being deleted. */
async function runningPods(ns: string, labels: Record<string, string>): Promise<Pod[]> {
  return (await pods(ns, labels)).filter((p) => !p.metadata.deletionTimestamp && isRunningReady(p));
}

async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  try {
    return await within(ms, check, 200);
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  }
}

async function gone(target: { group: string; version: string; resource: string; namespace?: string; name: string }): Promise<boolean> {
  try {
    await client.get(target);
    return false;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return true;
    throw err;
  }
}

/** Deployment complete in the upstream sense: observed, updated, available, no old replicas. */
function deploymentComplete(d: Obj): boolean {
  const s = d.status ?? {};
  return s.observedGeneration >= (d.metadata.generation ?? 0) && s.updatedReplicas === d.spec.replicas && s.replicas === d.spec.replicas
    && s.availableReplicas === d.spec.replicas;
}

async function waitDeploymentComplete(ns: string, name: string, ms = 60_000): Promise<Obj> {
  return waitFor(`deployment ${ns}/${name} complete`, ms, async () => {
    const d = await client.get<Obj>({ ...R.deployments, namespace: ns, name });
    return deploymentComplete(d) ? d : undefined;
  });
}

/** Collects watch events of a collection in the background. */
function watchCollection(target: { group: string; version: string; resource: string; namespace?: string }, resourceVersion: string, labelSelector?: string) {
  const abort = new AbortController();
  const events: WatchEvent<Obj>[] = [];
  const done = (async () => {
    try {
      for await (const e of client.watch<Obj>(target, { resourceVersion, labelSelector, signal: abort.signal })) events.push(e);
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return {
    events,
    until: (what: string, pred: (e: WatchEvent<Obj>) => boolean, ms = 15_000) =>
      waitFor(`watch event: ${what}`, ms, async () => events.find(pred)),
    async stop() { abort.abort(); await done.catch(() => {}); },
  };
}

const rfc3339 = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(".000Z", "Z");

describe.concurrent("workload conformance (dist/lite with its agent)", () => {
  test("[sig-apps] Deployment should run the lifecycle of a Deployment [Conformance]: create, watch, patch, scale, status get/update/patch, deletecollection", async () => {
    const ns = await freshNamespace(server, "dlife");
    const name = "test-deployment";
    const labels = { "test-deployment-static": "true" };
    const dep = R.deployments;
    const w = watchCollection({ ...dep, namespace: ns }, (await client.list(dep, { labelSelector: selectorOf(labels) })).metadata.resourceVersion!, selectorOf(labels));
    try {
      await client.create({ ...dep, namespace: ns }, deployment(name, 1, labels, BUSYBOX));
      await w.until("ADDED", (e) => e.type === "ADDED" && e.object.metadata.name === name);
      await waitFor("1 ready replica", 60_000, async () => ((await client.get<Obj>({ ...dep, namespace: ns, name })).status?.readyReplicas === 1 ? true : undefined));

      // Patch: a new label and a new image (upstream switches httpd → pause).
      await client.patch({ ...dep, namespace: ns, name }, "strategic", {
        metadata: { labels: { "test-deployment": "patched" } },
        spec: { replicas: 1, template: { spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: PAUSE, command: null }] } } },
      });
      await w.until("MODIFIED with the patched label", (e) => e.type === "MODIFIED" && e.object.metadata.labels?.["test-deployment"] === "patched");
      const patched = await waitDeploymentComplete(ns, name);
      expect(patched.spec.template.spec.containers[0].image).toBe(PAUSE);
      expect((await runningPods(ns, labels)).map((p) => p.spec.containers[0].image)).toEqual([PAUSE]);

      // Scale through the scale subresource.
      const scale = await client.get<Obj>({ ...dep, namespace: ns, name }, { subresource: "scale" });
      expect(scale.spec.replicas).toBe(1);
      await client.patch({ ...dep, namespace: ns, name }, "merge", { spec: { replicas: 2 } }, { subresource: "scale" });
      await waitFor("2 ready replicas", 60_000, async () => ((await client.get<Obj>({ ...dep, namespace: ns, name })).status?.readyReplicas === 2 ? true : undefined));

      // Listing by label across namespaces finds it.
      const all = await client.list(dep, { labelSelector: selectorOf(labels) });
      expect(all.items.some((d) => d.metadata.namespace === ns && d.metadata.name === name)).toBe(true);

      // Status: get, update (a condition), patch (another condition).
      const st = await client.get<Obj>({ ...dep, namespace: ns, name }, { subresource: "status" });
      expect(st.metadata.uid).toBe(patched.metadata.uid);
      st.status.conditions = [...(st.status.conditions ?? []), { type: "StatusUpdate", status: "True", reason: "E2E", message: "Set from e2e test" }];
      const updated = await client.updateStatus({ ...dep, namespace: ns }, st);
      expect(updated.status.conditions.some((c: any) => c.type === "StatusUpdate")).toBe(true);
      // Upstream patches labels and counts through status: the labels are not a status field (reset), the counts are written.
      await client.patch({ ...dep, namespace: ns, name }, "strategic",
        { metadata: { labels: { "test-deployment": "patched-status" } }, status: { readyReplicas: 0, availableReplicas: 1 } }, { subresource: "status" });
      await w.until("MODIFIED after the status patch", (e) => e.type === "MODIFIED" && e.object.status?.readyReplicas === 0);
      const afterPatch = await client.get<Obj>({ ...dep, namespace: ns, name }, { subresource: "status" });
      expect(afterPatch.metadata.labels).toMatchObject({ "test-deployment-static": "true", "test-deployment": "patched" });
      expect(afterPatch.spec.template.spec.containers[0].image).toBe(PAUSE);
      // The controller puts the counts right again.
      await waitFor("2 ready replicas again", 30_000, async () => ((await client.get<Obj>({ ...dep, namespace: ns, name })).status?.readyReplicas === 2 ? true : undefined));

      // Delete through deletecollection, watched.
      await client.deleteCollection({ ...dep, namespace: ns }, { labelSelector: selectorOf(labels) });
      await w.until("DELETED", (e) => e.type === "DELETED" && e.object.metadata.name === name);
      expect(await gone({ ...dep, namespace: ns, name })).toBe(true);
    } finally {
      await w.stop();
    }
  });

  test("[sig-apps] Deployment should validate Deployment Status endpoints [Conformance]: status get, update and patch are visible to reads", async () => {
    const ns = await freshNamespace(server, "dstat");
    const name = "test-deployment-status";
    const labels = { e2e: name };
    const target = { ...R.deployments, namespace: ns, name };
    await client.create({ ...R.deployments, namespace: ns }, deployment(name, 1, labels, BUSYBOX));
    await waitDeploymentComplete(ns, name);

    const st = await client.get<Obj>(target, { subresource: "status" });
    expect(st.metadata.name).toBe(name);
    st.status.conditions = [...(st.status.conditions ?? []), { type: "StatusUpdate", status: "True", reason: "E2E", message: "Set from e2e test" }];
    await client.updateStatus({ ...R.deployments, namespace: ns }, st);
    const afterUpdate = await client.get<Obj>(target, { subresource: "status" });
    expect(afterUpdate.status.conditions.find((c: any) => c.type === "StatusUpdate")).toMatchObject({ status: "True", reason: "E2E", message: "Set from e2e test" });

    // Upstream patches the status with a merge patch replacing the conditions list.
    const conds = [...afterUpdate.status.conditions.filter((c: any) => c.type !== "StatusPatched"), { type: "StatusPatched", status: "True", reason: "E2E", message: "Patched" }];
    await client.patch(target, "merge", { status: { conditions: conds } }, { subresource: "status" });
    const afterPatch = await client.get<Obj>(target, { subresource: "status" });
    expect(afterPatch.status.conditions.find((c: any) => c.type === "StatusPatched")).toMatchObject({ status: "True" });
  });

  test("[sig-apps] Deployment deployment should support rollover [Conformance]: an adopted ReplicaSet and a stuck rollout both end scaled to 0", async () => {
    const ns = await freshNamespace(server, "rollover");
    const labels = { name: "rollover-pod" };
    // An unowned ReplicaSet with the pods (upstream: httpd).
    await client.create({ ...R.replicaSets, namespace: ns }, {
      apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "test-rollover-controller", labels },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: template({ ...labels, pod: "httpd" }, BUSYBOX) },
    } as Obj);
    await waitFor("the controller's pod running", 60_000, async () => ((await runningPods(ns, labels)).length === 1 ? true : undefined));

    // A Deployment with the same selector adopts it and rolls out an image that never starts.
    const name = "test-rollover-deployment";
    await client.create({ ...R.deployments, namespace: ns }, deployment(name, 1, labels, MISSING, {
      minReadySeconds: 5,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    }, { name: "rollover-pod" }));
    const stuckRS = await waitFor("the new ReplicaSet with its pod", 30_000, async () => {
      const list = (await client.list<Obj>({ ...R.replicaSets, namespace: ns })).items;
      const adopted = list.find((rs) => rs.metadata.name === "test-rollover-controller");
      const fresh = list.find((rs) => rs.metadata.name !== "test-rollover-controller");
      return adopted?.metadata.ownerReferences?.some((o) => o.kind === "Deployment" && o.name === name) && fresh?.status?.replicas === 1 ? fresh : undefined;
    });
    // The rollout is stuck (maxUnavailable 0): the adopted ReplicaSet keeps its replica.
    expect((await client.get<Obj>({ ...R.replicaSets, namespace: ns, name: "test-rollover-controller" })).spec.replicas).toBe(1);

    // Roll over to an image that runs before the first rollout finished.
    await client.patch({ ...R.deployments, namespace: ns, name }, "strategic", {
      spec: { template: { spec: { containers: [{ name: "c", image: PAUSE, imagePullPolicy: "IfNotPresent" }] } } },
    });
    const done = await waitDeploymentComplete(ns, name, 60_000);
    expect(done.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    const rsList = (await client.list<Obj>({ ...R.replicaSets, namespace: ns })).items;
    expect(rsList).toHaveLength(3);
    for (const rs of rsList) {
      const image = rs.spec.template.spec.containers[0].image;
      expect(rs.spec.replicas).toBe(image === PAUSE ? 1 : 0);
    }
    expect(rsList.find((rs) => rs.metadata.uid === stuckRS.metadata.uid)!.spec.replicas).toBe(0);
    await waitFor("only the new pod left", 30_000, async () => {
      const ps = await pods(ns, labels);
      return ps.length === 1 && ps[0]!.spec.containers[0].image === PAUSE && isRunningReady(ps[0]!) ? true : undefined;
    });
  });

  test("[sig-api-machinery] Garbage collector should delete RS created by deployment when not orphaning [Conformance]: background deletion removes the ReplicaSet and its pods", async () => {
    const ns = await freshNamespace(server, "gcdel");
    const labels = { app: "gc-test" };
    const name = "simpletest.deployment";
    await client.create({ ...R.deployments, namespace: ns }, deployment(name, 1, labels, BUSYBOX));
    await waitFor("a ReplicaSet and a pod", 30_000, () => replicaSetsAndPods(ns, labels, 1, 1));
    await client.delete({ ...R.deployments, namespace: ns, name }, { propagationPolicy: "Background" });
    await waitFor("ReplicaSets and pods deleted", 60_000, () => replicaSetsAndPods(ns, labels, 0, 0));
    expect(await gone({ ...R.deployments, namespace: ns, name })).toBe(true);
  });

  test("[sig-api-machinery] Garbage collector should orphan RS created by deployment when deleteOptions.PropagationPolicy is Orphan [Conformance]: the ReplicaSet and its pods stay", async () => {
    const ns = await freshNamespace(server, "gcorph");
    const labels = { app: "gc-orphan" };
    const name = "simpletest.deployment";
    await client.create({ ...R.deployments, namespace: ns }, deployment(name, 2, labels, BUSYBOX));
    await waitFor("a ReplicaSet and 2 pods", 30_000, () => replicaSetsAndPods(ns, labels, 1, 2));
    await client.delete({ ...R.deployments, namespace: ns, name }, { propagationPolicy: "Orphan" });
    await waitFor("the Deployment gone", 30_000, async () => ((await gone({ ...R.deployments, namespace: ns, name })) ? true : undefined));
    // Upstream waits 30 s for the GC to (not) act; a few seconds show the same here.
    await Bun.sleep(3000);
    const rss = (await client.list<Obj>({ ...R.replicaSets, namespace: ns })).items;
    expect(rss).toHaveLength(1);
    expect(rss[0]!.metadata.ownerReferences ?? []).toEqual([]);
    expect(rss[0]!.metadata.deletionTimestamp).toBeUndefined();
    const ps = await pods(ns, labels);
    expect(ps).toHaveLength(2);
    for (const p of ps) {
      expect(p.metadata.deletionTimestamp).toBeUndefined();
      expect(p.metadata.ownerReferences?.[0]?.uid).toBe(rss[0]!.metadata.uid);
    }
  });

  test("[sig-apps] CronJob should support CronJob API operations [Conformance]: create, get, list, watch, update, patch, status get/update/patch, delete, deletecollection", async () => {
    const ns = await freshNamespace(server, "cjapi");
    const cj = R.cronJobs;
    const labels = { special: `cj-${ns}` };
    const cronJob = (name: string): Obj => ({
      apiVersion: "batch/v1", kind: "CronJob", metadata: { name, labels },
      spec: {
        schedule: "0 0 1 1 *", concurrencyPolicy: "Allow", suspend: true,
        jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: BUSYBOX, imagePullPolicy: "IfNotPresent", command: ["true"] }] } } } },
      },
    });
    const created = await client.create<Obj>({ ...cj, namespace: ns }, cronJob("test-api"));
    await client.create<Obj>({ ...cj, namespace: ns }, cronJob("test-api2"));
    expect((await client.get<Obj>({ ...cj, namespace: ns, name: "test-api" })).metadata.uid).toBe(created.metadata.uid);
    const list = await client.list<Obj>({ ...cj, namespace: ns }, { labelSelector: selectorOf(labels) });
    expect(list.items).toHaveLength(2);
    expect((await client.list(cj, { labelSelector: selectorOf(labels) })).items).toHaveLength(2);

    const w = watchCollection({ ...cj, namespace: ns }, list.metadata.resourceVersion!, selectorOf(labels));
    try {
      const patched = await client.patch<Obj>({ ...cj, namespace: ns, name: "test-api" }, "merge", { metadata: { annotations: { patched: "true" } } });
      expect(patched.metadata.annotations?.patched).toBe("true");
      const cur = await client.get<Obj>({ ...cj, namespace: ns, name: "test-api" });
      cur.metadata.annotations = { ...cur.metadata.annotations, updated: "true" };
      expect((await client.update<Obj>({ ...cj, namespace: ns }, cur)).metadata.annotations?.updated).toBe("true");
      await w.until("MODIFIED with both annotations", (e) => e.type === "MODIFIED" && e.object.metadata.annotations?.patched === "true" && e.object.metadata.annotations?.updated === "true");

      // Status: patch, update, get.
      const t1 = rfc3339();
      const ps = await client.patch<Obj>({ ...cj, namespace: ns, name: "test-api" }, "merge",
        { metadata: { annotations: { patchedstatus: "true" } }, status: { lastScheduleTime: t1 } }, { subresource: "status" });
      expect(ps.status.lastScheduleTime).toBe(t1);
      expect(ps.metadata.annotations?.patchedstatus).toBe("true");
      const t2 = new Date(Date.parse(t1) + 60_000).toISOString().replace(".000Z", "Z");
      const st = await client.get<Obj>({ ...cj, namespace: ns, name: "test-api" }, { subresource: "status" });
      st.status.lastScheduleTime = t2;
      expect((await client.updateStatus<Obj>({ ...cj, namespace: ns }, st)).status.lastScheduleTime).toBe(t2);
      const read = await client.get<Obj>({ ...cj, namespace: ns, name: "test-api" }, { subresource: "status" });
      expect(read.metadata.uid).toBe(created.metadata.uid);
      expect(read.status.lastScheduleTime).toBe(t2);

      // Delete one, then the collection.
      await client.delete({ ...cj, namespace: ns, name: "test-api" });
      await w.until("DELETED test-api", (e) => e.type === "DELETED" && e.object.metadata.name === "test-api");
      expect((await client.list({ ...cj, namespace: ns }, { labelSelector: selectorOf(labels) })).items.map((o) => o.metadata.name)).toEqual(["test-api2"]);
      await client.deleteCollection({ ...cj, namespace: ns }, { labelSelector: selectorOf(labels) });
      expect((await client.list({ ...cj, namespace: ns }, { labelSelector: selectorOf(labels) })).items).toHaveLength(0);
    } finally {
      await w.stop();
    }
  });

  test("[sig-apps] Job should apply changes to a job status [Conformance]: status patch (with an annotation), update and get", async () => {
    const ns = await freshNamespace(server, "jstat");
    const job = R.jobs;
    const name = "suspend-false-to-true";
    const created = await client.create<Obj>({ ...job, namespace: ns }, {
      apiVersion: "batch/v1", kind: "Job", metadata: { name },
      spec: { parallelism: 1, completions: 1, backoffLimit: 6, template: template({ job: name }, BUSYBOX, { restartPolicy: "Never" }) },
    });
    await waitFor("the job's pod running", 60_000, async () => ((await runningPods(ns, { job: name })).length === 1 ? true : undefined));

    // Upstream: a custom condition, patched with an annotation, then updated.
    const custom = (c: any) => c.type === "CustomConditionType";
    const t1 = rfc3339();
    const patched = await client.patch<Obj>({ ...job, namespace: ns, name }, "merge",
      { metadata: { annotations: { patchedstatus: "true" } }, status: { conditions: [{ type: "CustomConditionType", status: "True", lastTransitionTime: t1 }] } }, { subresource: "status" });
    expect(patched.status.conditions?.find(custom)?.lastTransitionTime).toBe(t1);
    expect(patched.metadata.annotations?.patchedstatus).toBe("true");

    const t2 = new Date(Date.parse(t1) + 1000).toISOString().replace(".000Z", "Z");
    const updated = await within(10_000, async () => {
      const cur = await client.get<Obj>({ ...job, namespace: ns, name });
      const c = cur.status.conditions?.find(custom);
      if (c) c.lastTransitionTime = t2;
      try {
        return await client.updateStatus<Obj>({ ...job, namespace: ns }, cur);
      } catch (err) {
        if ((err as { code?: number }).code === 409) return undefined;
        throw err;
      }
    });
    expect(updated.status.conditions?.find(custom)?.lastTransitionTime).toBe(t2);

    const read = await client.get<Obj>({ ...job, namespace: ns, name }, { subresource: "status" });
    expect(read.metadata.uid).toBe(created.metadata.uid);
    expect(read.status.conditions?.find(custom)?.lastTransitionTime).toBe(t2);
    await client.delete({ ...job, namespace: ns, name }, { propagationPolicy: "Background" });
  });

  test("[sig-apps] Job should delete a job [Conformance]: active pods match parallelism; deleting the job removes it and its pods", async () => {
    const ns = await freshNamespace(server, "jdel");
    const name = "foo";
    const labels = { job: name };
    await client.create({ ...R.jobs, namespace: ns }, {
      apiVersion: "batch/v1", kind: "Job", metadata: { name },
      spec: { parallelism: 2, completions: 2, backoffLimit: 6, template: template(labels, BUSYBOX, { restartPolicy: "Never" }) },
    } as Obj);
    await waitFor("2 active pods", 60_000, async () => {
      const j = await client.get<Obj>({ ...R.jobs, namespace: ns, name });
      return j.status?.active === 2 && (await runningPods(ns, labels)).length === 2 ? true : undefined;
    });
    await client.delete({ ...R.jobs, namespace: ns, name }, { propagationPolicy: "Background" });
    await waitFor("job and pods gone", 60_000, async () =>
      (await gone({ ...R.jobs, namespace: ns, name })) && (await pods(ns, labels)).length === 0 ? true : undefined);
  });

  test("[sig-apps] Job should run a job to completion when tasks sometimes fail and are locally restarted [Conformance]: restartPolicy OnFailure, each task fails once", async () => {
    const ns = await freshNamespace(server, "jfail");
    const name = "fail-once-local";
    await client.create({ ...R.jobs, namespace: ns }, {
      apiVersion: "batch/v1", kind: "Job", metadata: { name },
      spec: {
        parallelism: 2, completions: 4, backoffLimit: 6,
        template: template({ job: name }, BUSYBOX, {
          restartPolicy: "OnFailure",
          volumes: [{ name: "data", emptyDir: {} }],
        }, {
          command: ["sh", "-c", "if [ -r /data/foo ]; then exit 0; else touch /data/foo; exit 1; fi"],
          volumeMounts: [{ name: "data", mountPath: "/data" }],
        }),
      },
    } as Obj);
    const done = await waitFor("the job complete", 100_000, async () => {
      const j = await client.get<Obj>({ ...R.jobs, namespace: ns, name });
      return j.status?.succeeded === 4 ? j : undefined;
    });
    expect(done.status.conditions?.find((c: any) => c.type === "Complete")?.status).toBe("True");
    // The failures were local restarts: 4 pods, each restarted once.
    const ps = await pods(ns, { "batch.kubernetes.io/job-name": name });
    expect(ps).toHaveLength(4);
    for (const p of ps) expect(p.status?.containerStatuses?.[0]?.restartCount).toBeGreaterThanOrEqual(1);
  });

  test("[sig-apps] Daemon set [Serial] should list and delete a collection of DaemonSets [Conformance]: list by label, deletecollection", async () => {
    const ns = await freshNamespace(server, "dslist");
    const labels = { "daemonset-name": "daemon-set", e2e: ns };
    await client.create({ ...R.daemonSets, namespace: ns }, daemonSet("daemon-set", labels, BUSYBOX));
    await waitFor("a daemon pod running", 60_000, async () => ((await runningPods(ns, labels)).length === 1 ? true : undefined));
    const list = await client.list(R.daemonSets, { labelSelector: selectorOf(labels) });
    expect(list.items.map((d) => `${d.metadata.namespace}/${d.metadata.name}`)).toEqual([`${ns}/daemon-set`]);
    await client.deleteCollection({ ...R.daemonSets, namespace: ns }, { labelSelector: selectorOf(labels) });
    await waitFor("DaemonSet gone", 30_000, async () => ((await client.list(R.daemonSets, { labelSelector: selectorOf(labels) })).items.length === 0 ? true : undefined));
    await waitFor("its pods gone", 60_000, async () => ((await pods(ns, labels)).length === 0 ? true : undefined));
  });

  test("[sig-apps] Daemon set [Serial] should verify changes to a daemon set status [Conformance]: status get, update and patch are visible to reads", async () => {
    const ns = await freshNamespace(server, "dsstat");
    const labels = { "daemonset-name": "daemon-set" };
    const target = { ...R.daemonSets, namespace: ns, name: "daemon-set" };
    await client.create({ ...R.daemonSets, namespace: ns }, daemonSet("daemon-set", labels, BUSYBOX));
    await waitFor("a daemon pod running", 60_000, async () => ((await runningPods(ns, labels)).length === 1 ? true : undefined));
    await waitFor("status observed", 30_000, async () => ((await client.get<Obj>(target)).status?.numberReady === 1 ? true : undefined));

    const st = await client.get<Obj>(target, { subresource: "status" });
    st.status.conditions = [...(st.status.conditions ?? []), { type: "StatusUpdate", status: "True", reason: "E2E", message: "Set from e2e test" }];
    await client.updateStatus({ ...R.daemonSets, namespace: ns }, st);
    const afterUpdate = await client.get<Obj>(target, { subresource: "status" });
    expect(afterUpdate.status.conditions?.find((c: any) => c.type === "StatusUpdate")).toMatchObject({ status: "True", reason: "E2E" });

    await client.patch(target, "merge", { status: { conditions: [{ type: "StatusPatched", status: "True" }] } }, { subresource: "status" });
    const afterPatch = await client.get<Obj>(target, { subresource: "status" });
    expect(afterPatch.status.conditions?.find((c: any) => c.type === "StatusPatched")).toMatchObject({ status: "True" });
    await client.delete(target);
  });

  test("[sig-apps] Daemon set [Serial] should rollback without unnecessary restarts [Conformance]: a bad image rolled back; the running pod returns", async () => {
    const ns = await freshNamespace(server, "dsroll");
    const labels = { "daemonset-name": "daemon-set" };
    const target = { ...R.daemonSets, namespace: ns, name: "daemon-set" };
    await client.create({ ...R.daemonSets, namespace: ns }, daemonSet("daemon-set", labels, BUSYBOX, { updateStrategy: { type: "RollingUpdate" } }));
    await waitFor("a daemon pod running", 60_000, async () => ((await runningPods(ns, labels)).length === 1 ? true : undefined));

    // Update to an image that cannot start: the node's pod is replaced by one that never runs.
    await client.patch(target, "strategic", { spec: { template: { spec: { containers: [{ name: "c", image: MISSING, imagePullPolicy: "Never" }] } } } });
    const bad = await waitFor("a pod with the bad image", 30_000, async () =>
      (await pods(ns, labels)).find((p) => !p.metadata.deletionTimestamp && p.spec.containers[0].image === MISSING));
    expect(isRunningReady(bad)).toBe(false);

    // Roll back to the original template.
    await client.patch(target, "strategic", { spec: { template: { spec: { containers: [{ name: "c", image: BUSYBOX, imagePullPolicy: "IfNotPresent" }] } } } });
    const good = await waitFor("the pod with the original image running", 60_000, async () => {
      const ps = (await pods(ns, labels)).filter((p) => !p.metadata.deletionTimestamp);
      return ps.length === 1 && ps[0]!.spec.containers[0].image === BUSYBOX && isRunningReady(ps[0]!) ? ps[0] : undefined;
    });
    // Pods that already ran the rolled-back template are not restarted: nothing changes from here on.
    await Bun.sleep(2000);
    const after = (await pods(ns, labels)).filter((p) => !p.metadata.deletionTimestamp);
    expect(after.map((p) => p.metadata.uid)).toEqual([good.metadata.uid]);
    expect(after[0]!.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    // The pod carries the first ControllerRevision's hash again.
    const revs = (await client.list({ group: "apps", version: "v1", resource: "controllerrevisions", namespace: ns })).items;
    expect(revs.map((r) => r.metadata.labels?.["controller.kubernetes.io/hash"])).toContain(good.metadata.labels?.["controller-revision-hash"]);
    await client.delete(target);
  });

  test("[sig-apps] Daemon set [Serial] should retry creating failed daemon pods [Conformance]: a daemon pod set to Failed is replaced", async () => {
    const ns = await freshNamespace(server, "dsretry");
    const labels = { "daemonset-name": "daemon-set" };
    const target = { ...R.daemonSets, namespace: ns, name: "daemon-set" };
    await client.create({ ...R.daemonSets, namespace: ns }, daemonSet("daemon-set", labels, BUSYBOX));
    const [pod] = await waitFor("a daemon pod running", 60_000, async () => {
      const ps = await runningPods(ns, labels);
      return ps.length === 1 ? ps : undefined;
    });
    // Set the pod's phase to Failed, as upstream does.
    pod!.status = { ...pod!.status, phase: "Failed" };
    await client.updateStatus({ ...R.pods, namespace: ns }, pod!);
    await waitFor("the failed pod replaced by a running one", 60_000, async () => {
      const ps = await runningPods(ns, labels);
      return ps.length === 1 && ps[0]!.metadata.uid !== pod!.metadata.uid ? true : undefined;
    });
    await waitFor("the failed pod deleted", 30_000, async () => ((await pods(ns, labels)).every((p) => p.metadata.uid !== pod!.metadata.uid) ? true : undefined));
    await client.delete(target);
  });
});
