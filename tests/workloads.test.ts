/**
 * StatefulSets, DaemonSets, Jobs and CronJobs end to end through the compiled binary and real
 * kubectl, with SIMULATED nodes (tests/sim: Nodes registered, bound pods reported Running/Ready,
 * Job pods Succeeded; no containers).
 *
 * STAND-IN: `lite server` does not run the scheduler yet, so `bindPendingPods` below binds pending
 * pods through the Binding subresource (a scheduler's last step): a DaemonSet pod to the node of
 * its `metadata.name In [node]` affinity, any other pod round-robin. When the scheduler lands it
 * binds first and the stand-in finds nothing to do.
 *
 * The CronJob runs on the real clock: it is created before the other tests and checked last, so
 * its wait (up to a minute) overlaps theirs.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, type ApiClient, type KubeObject } from "@lite/sdk";
import { createApiClient, httpsTransport, kubeconfigTransportOptions, type Transport } from "../core/client/index.ts";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, ok } from "./harness/kube.ts";
import { startNodeSimulator, type NodeSimulator } from "./sim/node-simulator.ts";

setDefaultTimeout(120_000);

type Pod = KubeObject & { spec?: { nodeName?: string; affinity?: any }; status?: { phase?: string; conditions?: { type: string; status: string }[] } };

let server: LiteServer;
const sims: NodeSimulator[] = [];
let transport: Transport;
let client: ApiClient;
let ns: string;
let cronStarted = 0;
const binder = new AbortController();
const nodeNames: string[] = [];

/** The node a DaemonSet pod is pinned to by its required node affinity. */
function affinityNode(p: Pod): string | undefined {
  const terms = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) for (const f of t.matchFields ?? []) if (f.key === "metadata.name" && f.operator === "In" && f.values?.length === 1) return f.values[0];
  return undefined;
}

/** Stand-in scheduler (see the file comment). */
async function bindPendingPods(signal: AbortSignal): Promise<void> {
  let next = 0;
  while (!signal.aborted) {
    try {
      const pods = (await client.list<Pod>(builtinResources.pods, { fieldSelector: "spec.nodeName=" })).items;
      for (const p of pods) {
        if (p.metadata.deletionTimestamp || !nodeNames.length) continue;
        const { namespace, name } = p.metadata;
        const node = affinityNode(p) ?? nodeNames[next++ % nodeNames.length];
        const body = { apiVersion: "v1", kind: "Binding", metadata: { name, namespace }, target: { apiVersion: "v1", kind: "Node", name: node } };
        await transport.send(new Request(`${transport.baseUrl}/api/v1/namespaces/${namespace}/pods/${name}/binding`, {
          method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
        })).then((r) => r.body?.cancel());
      }
    } catch { /* server busy or stopping: try again */ }
    await Bun.sleep(30);
  }
}

async function addNodes(prefix: string, count: number): Promise<string[]> {
  const sim = await startNodeSimulator({ kubeconfig: server.kubeconfig, nodes: count, namePrefix: prefix, heartbeatMs: 1000, podStartMs: 20, jobRunMs: 300 });
  sims.push(sim);
  nodeNames.push(...sim.nodeNames);
  return [...sim.nodeNames];
}

const k = (...args: string[]) => kubectl(server, ["-n", ns, ...args], { timeoutMs: 90_000 });
const apply = (manifest: string) => kubectl(server, ["-n", ns, "apply", "-f", "-"], { stdin: manifest });
const podsWith = async (selector: string) => (await client.list<Pod>({ ...builtinResources.pods, namespace: ns }, { labelSelector: selector })).items.filter((p) => !p.metadata.deletionTimestamp);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

async function within<T>(ms: number, what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

beforeAll(async () => {
  server = await startServer();
  transport = httpsTransport(kubeconfigTransportOptions(server.kubeconfig));
  client = createApiClient({ transport, fieldManager: "workloads-e2e-binder" });
  await addNodes("sim-node", 2);
  void bindPendingPods(binder.signal);
  ns = await freshNamespace(server, "workloads");
  ok(await apply(`apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox}]
`));
  cronStarted = Date.now();
});
afterAll(async () => {
  binder.abort();
  for (const s of sims) await s.stop();
  await server?.stop();
});

describe("workload controllers on simulated nodes (dist/lite + kubectl)", () => {
  test("[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] Scaling should happen in predictable order and halt if any stateful pod is unhealthy [Slow] [Conformance]: web-0 before web-1 up, reverse order down", async () => {
    ok(await apply(`apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx:1.25}]}
`));
    const appeared: string[] = [];
    let violation = "";
    await within(60_000, "3 ready pods", async () => {
      const pods = await podsWith("app=web");
      for (const p of pods.sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))) {
        if (!appeared.includes(p.metadata.name ?? "")) appeared.push(p.metadata.name ?? "");
      }
      // OrderedReady: web-<n> exists only once web-<n-1> is Ready.
      for (let i = 1; i < 3; i++) {
        const prev = pods.find((p) => p.metadata.name === `web-${i - 1}`);
        if (pods.some((p) => p.metadata.name === `web-${i}`) && !(prev && isReady(prev))) violation ||= `web-${i} without a ready web-${i - 1}`;
      }
      return pods.length === 3 && pods.every(isReady);
    });
    expect(violation).toBe("");
    expect(appeared).toEqual(["web-0", "web-1", "web-2"]);
    expect(ok(await k("rollout", "status", "statefulset/web", "--timeout=60s"))).toContain("partitioned roll out complete: 3 new pods have been updated...");
    expect(ok(await k("get", "sts", "web", "-o", "jsonpath={.status.readyReplicas}/{.status.replicas}"))).toBe("3/3");

    ok(await k("scale", "statefulset/web", "--replicas=1"));
    const gone: string[] = [];
    await within(60_000, "scale down to web-0", async () => {
      const names = (await podsWith("app=web")).map((p) => p.metadata.name ?? "");
      for (const n of ["web-2", "web-1"]) if (!names.includes(n) && !gone.includes(n)) gone.push(n);
      return names.join() === "web-0";
    });
    expect(gone).toEqual(["web-2", "web-1"]);
    const describe = ok(await k("describe", "sts", "web"));
    expect(describe).toContain("create Pod web-1 in StatefulSet web successful");
    expect(describe).toContain("delete Pod web-2 in StatefulSet web successful");
  });

  test("[sig-apps] Daemon set [Serial] should run and stop simple daemon [Conformance]: one pod per node, follows a new node and a tainted node", async () => {
    ok(await apply(`apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: busybox}]}
`));
    const onNodes = async () => (await podsWith("app=agent")).filter(isReady).map((p) => p.spec?.nodeName ?? "").sort().join();
    await within(30_000, "a ready pod per node", async () => (await onNodes()) === "sim-node-0,sim-node-1");
    expect(ok(await k("rollout", "status", "daemonset/agent", "--timeout=60s"))).toContain(`daemon set "agent" successfully rolled out`);

    const [extra] = await addNodes("extra-node", 1);
    await within(30_000, "a pod on the new node", async () => (await onNodes()) === `extra-node-0,sim-node-0,sim-node-1`);
    expect(ok(await k("get", "ds", "agent", "-o", "jsonpath={.status.desiredNumberScheduled}/{.status.numberReady}"))).toBe("3/3");

    ok(await kubectl(server, ["taint", "nodes", extra!, "dedicated=infra:NoExecute"]));
    await within(30_000, "the pod leaves the tainted node", async () => (await onNodes()) === "sim-node-0,sim-node-1");
    await within(10_000, "status follows", async () => ok(await k("get", "ds", "agent", "-o", "jsonpath={.status.desiredNumberScheduled}")) === "2");
  });

  test("[sig-apps] Job should run a job to completion when tasks succeed: completions=5, parallelism=2, kubectl wait --for=condition=complete", async () => {
    ok(await apply(`apiVersion: batch/v1
kind: Job
metadata: {name: five}
spec:
  completions: 5
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
`));
    let maxActive = 0;
    const watching = (async () => {
      for (let i = 0; i < 400; i++) {
        const active = (await podsWith("batch.kubernetes.io/job-name=five")).filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed").length;
        maxActive = Math.max(maxActive, active);
        if (ok(await k("get", "job", "five", "-o", "jsonpath={.status.succeeded}")) === "5") return;
        await Bun.sleep(50);
      }
    })();
    const wait = await k("wait", "--for=condition=complete", "job/five", "--timeout=60s");
    expect(wait.stdout.trim()).toBe("job.batch/five condition met");
    await watching;
    expect(maxActive).toBeLessThanOrEqual(2);
    const job = JSON.parse(ok(await k("get", "job", "five", "-o", "json")));
    expect(job.status).toMatchObject({ succeeded: 5, failed: 0 });
    expect(job.status.conditions.map((c: { type: string }) => c.type)).toEqual(["SuccessCriteriaMet", "Complete"]);
    expect(ok(await k("get", "job", "five"))).toMatch(/five\s+Complete\s+5\/5/);
    expect(ok(await k("describe", "job", "five"))).toContain("Completed");
  });

  test("[sig-apps] CronJob should schedule multiple jobs concurrently [Conformance]: `* * * * *` fires on the real clock", async () => {
    const job = await within(Math.max(1000, 75_000 - (Date.now() - cronStarted)), "a job from the cronjob", async () => {
      const jobs = JSON.parse(ok(await k("get", "jobs", "-o", "json"))).items.filter((j: KubeObject) => j.metadata.ownerReferences?.some((r) => r.kind === "CronJob" && r.name === "tick"));
      return jobs[0] as KubeObject | undefined;
    });
    expect(job.metadata.name).toMatch(/^tick-\d+$/);
    const minutes = Number(job.metadata.name!.slice("tick-".length));
    expect(job.metadata.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"]).toBe(new Date(minutes * 60_000).toISOString().replace(/\.\d+Z$/, "Z"));
    await within(15_000, "lastScheduleTime", async () => ok(await k("get", "cronjob", "tick", "-o", "jsonpath={.status.lastScheduleTime}")) || undefined);
    expect(ok(await k("describe", "cronjob", "tick"))).toContain(`Created job ${job.metadata.name}`);
  });
});
