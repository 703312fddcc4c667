/**
 * The scheduler in-process: a real API server (memory store), the scheduler as
 * system:kube-scheduler (RBAC), the node simulator over the in-process client.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, type KubeObject, type Pod } from "@lite/sdk";
import { eventually, quietLog, startTestCluster, type TestCluster } from "../core/controllers/testing/in-process.ts";
import { startNodeSimulator, type NodeSimulator } from "./sim/node-simulator.ts";
import { startScheduler, type SchedulerHandleRunning } from "../core/scheduler/start.ts";

setDefaultTimeout(30_000);

let cluster: TestCluster;
let sched: SchedulerHandleRunning;
let sim: NodeSimulator;
const pods = builtinResources.pods;

beforeAll(async () => {
  cluster = await startTestCluster();
  sim = await startNodeSimulator({
    client: cluster.client,
    nodes: [
      { name: "n1", labels: { "topology.kubernetes.io/zone": "a", disk: "ssd" }, capacity: { cpu: "2", memory: "4Gi", pods: "10" } },
      { name: "n2", labels: { "topology.kubernetes.io/zone": "b" }, capacity: { cpu: "2", memory: "4Gi", pods: "10" } },
      { name: "n3", labels: { "topology.kubernetes.io/zone": "c" }, capacity: { cpu: "2", memory: "4Gi", pods: "10" }, taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] },
    ],
    heartbeatMs: 60_000,
  });
  sched = startScheduler({ api: cluster.harness.server, log: quietLog, identity: "test", leaderElection: false });
});
afterAll(async () => {
  await sched?.stop();
  await sim?.stop();
  await cluster?.close();
});

function pod(name: string, spec: Partial<Pod["spec"]> = {}, labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels },
    spec: { containers: [{ name: "c", image: "pause", resources: { requests: { cpu: "100m", memory: "64Mi" } } }], ...spec },
  } as Pod;
}
const get = (name: string) => cluster.client.get<Pod>({ ...pods, namespace: "default", name });
const nodeOf = (name: string) => eventually(async () => (await get(name)).spec.nodeName, 5000, `${name} bound`);

describe("scheduler (in-process)", () => {
  test("binds a pod, records Scheduled, and the simulator runs it", async () => {
    await cluster.client.create(pods, pod("plain"));
    const node = await nodeOf("plain");
    expect(["n1", "n2"]).toContain(node);
    await eventually(async () => (await get("plain")).status?.phase === "Running", 5000, "Running");
    const events = await eventually(async () => {
      const l = await cluster.client.list<KubeObject & { reason?: string; message?: string }>({ ...builtinResources.events, namespace: "default" });
      return l.items.find((e) => e.reason === "Scheduled" && (e.involvedObject as { name: string }).name === "plain");
    });
    expect(events.message).toBe(`Successfully assigned default/plain to ${node}`);
  });

  test("nodeSelector and tolerations decide the node", async () => {
    await cluster.client.create(pods, pod("ssd", { nodeSelector: { disk: "ssd" } }));
    expect(await nodeOf("ssd")).toBe("n1");
    await cluster.client.create(pods, pod("gpu", {
      tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["c"] }] }] } } },
    }));
    expect(await nodeOf("gpu")).toBe("n3");
  });

  test("unschedulable pod: PodScheduled False/Unschedulable with the upstream message", async () => {
    await cluster.client.create(pods, pod("huge", { containers: [{ name: "c", image: "pause", resources: { requests: { cpu: "3" } } }] }));
    const cond = await eventually(async () => (await get("huge")).status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False"), 5000, "condition");
    expect(cond.reason).toBe("Unschedulable");
    expect(cond.message).toBe("0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..");
    await cluster.client.delete({ ...pods, namespace: "default", name: "huge" });
  });

  test("required anti-affinity spreads pods one per zone, the fourth is unschedulable", async () => {
    const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "anti" } }, topologyKey: "topology.kubernetes.io/zone" }] } };
    const tol = [{ key: "dedicated", operator: "Exists" as const }];
    for (const n of ["a1", "a2", "a3"]) await cluster.client.create(pods, pod(n, { affinity: anti, tolerations: tol }, { app: "anti" }));
    const nodes = await Promise.all(["a1", "a2", "a3"].map(nodeOf));
    expect(new Set(nodes).size).toBe(3);
    await cluster.client.create(pods, pod("a4", { affinity: anti, tolerations: tol }, { app: "anti" }));
    const cond = await eventually(async () => (await get("a4")).status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False"), 5000);
    // upstream checks existing pods' anti-affinity first (it is symmetric here)
    expect(cond.message).toStartWith("0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules.");
  });

  test("hard topology spread keeps skew <= 1 across zones a/b", async () => {
    const spread = [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" as const, nodeTaintsPolicy: "Honor" as const, labelSelector: { matchLabels: { app: "spread" } } }];
    for (let i = 0; i < 4; i++) await cluster.client.create(pods, pod(`s${i}`, { topologySpreadConstraints: spread }, { app: "spread" }));
    const nodes = await Promise.all([0, 1, 2, 3].map((i) => nodeOf(`s${i}`)));
    expect(nodes.filter((n) => n === "n1").length).toBe(2);
    expect(nodes.filter((n) => n === "n2").length).toBe(2);
  });

  test("pods for another scheduler are left alone", async () => {
    await cluster.client.create(pods, pod("other", { schedulerName: "my-scheduler" }));
    await Bun.sleep(300);
    expect((await get("other")).spec.nodeName).toBeUndefined();
  });

  test("preemption: a high-priority pod evicts a low-priority one on a full node", async () => {
    await cluster.client.create({ group: "scheduling.k8s.io", version: "v1", resource: "priorityclasses" }, { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "high" }, value: 1000 } as KubeObject);
    const big = (cpu: string) => [{ name: "c", image: "pause", resources: { requests: { cpu } } }];
    // fill n1 and n2 with low-priority pods (n3 is tainted)
    await cluster.client.create(pods, pod("low1", { containers: big("1500m") }));
    await cluster.client.create(pods, pod("low2", { containers: big("1500m") }));
    await nodeOf("low1"); await nodeOf("low2");
    await cluster.client.create(pods, pod("high", { containers: big("1500m"), priorityClassName: "high" }));
    const node = await eventually(async () => (await get("high")).spec.nodeName, 10_000, "high bound").catch(async (e) => { console.log(JSON.stringify((await get("high")).status)); throw e; });
    expect(["n1", "n2"]).toContain(node);
    const lows = await Promise.all(["low1", "low2"].map((n) => get(n).then(() => true, () => false)));
    expect(lows.filter((x) => !x).length).toBe(1);
  });
});
