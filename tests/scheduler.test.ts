/**
 * The scheduler end to end: dist/lite with the NODE SIMULATOR (tests/sim) and real kubectl.
 * Titles cite the upstream conformance tests they follow.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, ok, within } from "./harness/kube.ts";
import { startNodeSimulator, type NodeSimulator } from "./sim/node-simulator.ts";

setDefaultTimeout(90_000);

let server: LiteServer;
let sim: NodeSimulator;
beforeAll(async () => {
  server = await startServer();
  sim = await startNodeSimulator({
    kubeconfig: server.kubeconfig, namePrefix: "sched", heartbeatMs: 2000,
    nodes: [
      { name: "sched-a", labels: { "topology.kubernetes.io/zone": "a", disk: "ssd" } },
      { name: "sched-b", labels: { "topology.kubernetes.io/zone": "b" } },
      { name: "sched-c", labels: { "topology.kubernetes.io/zone": "c" }, taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] },
    ],
    capacity: { cpu: "2", memory: "4Gi", pods: "20" },
  });
});
afterAll(async () => {
  await sim?.stop();
  await server?.stop();
});


const podJson = async (ns: string, name: string) => JSON.parse(ok(await kubectl(server, ["-n", ns, "get", "pod", name, "-o", "json"])));
const nodeOf = (ns: string, name: string) => within(10_000, async () => (await podJson(ns, name)).spec.nodeName as string | undefined);

function podYaml(name: string, extra: { cpu?: string; spec?: object; labels?: Record<string, string> } = {}): string {
  return JSON.stringify({
    apiVersion: "v1", kind: "Pod", metadata: { name, labels: extra.labels ?? {} },
    spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: extra.cpu ?? "100m" } } }], ...extra.spec },
  });
}
const create = async (ns: string, manifest: string) => ok(await kubectl(server, ["-n", ns, "create", "-f", "-"], { stdin: manifest }));

describe("scheduler (dist/lite + node simulator + kubectl)", () => {
  test("pods with a soft hostname spread constraint spread over the untainted nodes and run", async () => {
    const ns = await freshNamespace(server, "spread");
    const spread = [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "web" } } }];
    for (let i = 0; i < 6; i++) await create(ns, podYaml(`web-${i}`, { labels: { app: "web" }, spec: { topologySpreadConstraints: spread } }));
    const nodes = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => nodeOf(ns, `web-${i}`)));
    expect(nodes.filter((n) => n === "sched-a").length).toBe(3);
    expect(nodes.filter((n) => n === "sched-b").length).toBe(3);
    await within(10_000, async () => (ok(await kubectl(server, ["-n", ns, "get", "pods"])).match(/Running/g)?.length === 6 ? true : undefined));
  });

  test("[sig-scheduling] SchedulerPredicates validates that NodeSelector is respected if matching [Conformance]", async () => {
    const ns = await freshNamespace(server, "nodesel");
    await create(ns, podYaml("ssd", { spec: { nodeSelector: { disk: "ssd" } } }));
    expect(await nodeOf(ns, "ssd")).toBe("sched-a");
    await create(ns, podYaml("gpu", { spec: { tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoSchedule" }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["c"] }] }] } } } } }));
    expect(await nodeOf(ns, "gpu")).toBe("sched-c");
  });

  test("[sig-scheduling] SchedulerPredicates validates resource limits of pods that are allowed to run [Conformance]: kubectl describe shows the upstream FailedScheduling message", async () => {
    const ns = await freshNamespace(server, "toobig");
    await create(ns, podYaml("toobig", { cpu: "3" }));
    const expected = "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..";
    const described = await within(10_000, async () => {
      const out = ok(await kubectl(server, ["-n", ns, "describe", "pod", "toobig"]));
      return out.includes("FailedScheduling") ? out : undefined;
    });
    expect(described).toMatch(/Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+/);
    expect(described).toContain(expected);
    expect(described).toMatch(/PodScheduled\s+False/);
    const cond = (await podJson(ns, "toobig")).status.conditions.find((c: { type: string }) => c.type === "PodScheduled");
    expect(cond).toMatchObject({ status: "False", reason: "Unschedulable", message: expected });
  });

  test("[sig-scheduling] SchedulerPreemption validates basic preemption works [Conformance]", async () => {
    const ns = await freshNamespace(server, "preempt");
    ok(await kubectl(server, ["create", "priorityclass", `high-${ns}`, "--value=1000"]));
    // leave ~no room on sched-a and sched-b with low-priority pods
    for (const n of ["sched-a", "sched-b"]) {
      await create(ns, podYaml(`low-${n}`, { cpu: "1400m", spec: { nodeSelector: { "kubernetes.io/hostname": n } } }));
    }
    await nodeOf(ns, "low-sched-a"); await nodeOf(ns, "low-sched-b");
    await create(ns, podYaml("high", { cpu: "1400m", spec: { priorityClassName: `high-${ns}` } }));
    const node = await within(20_000, async () => (await podJson(ns, "high")).spec.nodeName as string | undefined);
    expect(["sched-a", "sched-b"]).toContain(node);
    const left = ok(await kubectl(server, ["-n", ns, "get", "pods", "-o", "name"]));
    expect(left).not.toContain(`low-${node}`);
    const events = ok(await kubectl(server, ["-n", ns, "get", "events", "--field-selector", "reason=Preempted", "-o", "json"]));
    expect(JSON.parse(events).items[0]?.message).toMatch(new RegExp(`^Preempted by pod .+ on node ${node}$`));
  });

  test("pods naming another scheduler stay Pending", async () => {
    const ns = await freshNamespace(server, "other");
    await create(ns, podYaml("mine", { spec: { schedulerName: "my-scheduler" } }));
    await Bun.sleep(1000);
    expect((await podJson(ns, "mine")).spec.nodeName).toBeUndefined();
  });
});

describe("--disable-scheduler", () => {
  test("pods stay Pending for an external scheduler", async () => {
    const s = await startServer(["--disable-scheduler"]);
    const s2sim = await startNodeSimulator({ kubeconfig: s.kubeconfig, nodes: 1, namePrefix: "nosched" });
    try {
      ok(await kubectl(s, ["create", "-f", "-"], { stdin: podYaml("waits") }));
      await Bun.sleep(1500);
      const pod = JSON.parse(ok(await kubectl(s, ["get", "pod", "waits", "-o", "json"])));
      expect(pod.spec.nodeName).toBeUndefined();
      expect(pod.status.phase).toBe("Pending");
    } finally {
      await s2sim.stop();
      await s.stop();
    }
  });
});
