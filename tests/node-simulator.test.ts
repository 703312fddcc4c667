/**
 * The NODE SIMULATOR (tests/sim) against the compiled binary over HTTPS: simulated nodes register
 * and show Ready in `kubectl get nodes` with the upstream columns, renew their Leases, and play the
 * kubelet's part for bound pods (Running, Job pods Succeeded, graceful deletion finished).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, ok, within as pollWithin } from "./harness/kube.ts";
import { startNodeSimulator, type NodeSimulator } from "./sim/node-simulator.ts";

setDefaultTimeout(60_000);

let server: LiteServer;
let sim: NodeSimulator;
beforeAll(async () => {
  server = await startServer();
  sim = await startNodeSimulator({ kubeconfig: server.kubeconfig, nodes: 3, heartbeatMs: 500, podStartMs: 50, jobRunMs: 300 });
});
afterAll(async () => {
  await sim?.stop();
  await server?.stop();
});

/** Polls every 50 ms (the shared helper's default is 100 ms). */
const within = <T>(ms: number, check: () => Promise<T | undefined>): Promise<T> => pollWithin(ms, check, 50);

async function podJson(ns: string, name: string): Promise<any> {
  const r = await kubectl(server, ["-n", ns, "get", "pod", name, "-o", "json"]);
  return r.code === 0 ? JSON.parse(r.stdout) : undefined;
}

function podManifest(name: string, nodeName?: string, owner?: object): string {
  return JSON.stringify({
    apiVersion: "v1", kind: "Pod",
    metadata: { name, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] },
  });
}

describe("node simulator (dist/lite, kubectl)", () => {
  test("3 simulated nodes are Ready in kubectl get nodes with the upstream columns", async () => {
    const out = ok(await kubectl(server, ["get", "nodes"]));
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    for (const name of sim.nodeNames) expect(out).toMatch(new RegExp(`${name}\\s+Ready\\s+<none>\\s+\\S+\\s+v1\\.32`));
    const wide = ok(await kubectl(server, ["get", "nodes", "-o", "wide"]));
    expect(wide).toMatch(/INTERNAL-IP/);
    expect(wide).toMatch(/127\.0\.1\.1/);
    const node = JSON.parse(ok(await kubectl(server, ["get", "node", sim.nodeNames[0]!, "-o", "json"])));
    expect(node.metadata.annotations["lite.dev/simulated"]).toBe("true");
    expect(node.metadata.labels["node.kubernetes.io/instance-type"]).toBe("lite-sim");
    expect(node.status.allocatable.cpu).toBe("32");
  });

  test("leases in kube-node-lease are renewed; stopHeartbeat stops renewing", async () => {
    const renewTime = async (n: string) => JSON.parse(ok(await kubectl(server, ["-n", "kube-node-lease", "get", "lease", n, "-o", "json"]))).spec.renewTime as string;
    const node = sim.nodeNames[1]!;
    const first = await renewTime(node);
    await within(3000, async () => ((await renewTime(node)) !== first ? true : undefined));
    sim.stopHeartbeat(node);
    await Bun.sleep(700);
    const held = await renewTime(node);
    await Bun.sleep(1200);
    expect(await renewTime(node)).toBe(held);
    sim.resumeHeartbeat(node);
    await within(3000, async () => ((await renewTime(node)) !== held ? true : undefined));
  });

  test("a pod bound to a simulated node becomes Running with a 10.42.x IP and Ready conditions", async () => {
    const ns = await freshNamespace(server, "sim");
    ok(await kubectl(server, ["-n", ns, "create", "-f", "-"], { stdin: podManifest("p", sim.nodeNames[0]) }));
    const pod = await within(5000, async () => {
      const p = await podJson(ns, "p");
      return p?.status?.phase === "Running" ? p : undefined;
    });
    expect(pod.status.podIP).toMatch(/^10\.42\./);
    expect(pod.status.hostIP).toBe("127.0.1.1");
    expect(pod.status.containerStatuses[0]).toMatchObject({ name: "c", ready: true, started: true });
    const conds = Object.fromEntries(pod.status.conditions.map((c: { type: string; status: string }) => [c.type, c.status]));
    expect(conds).toMatchObject({ PodScheduled: "True", Initialized: "True", ContainersReady: "True", Ready: "True" });
    const wide = ok(await kubectl(server, ["-n", ns, "get", "pod", "p"]));
    expect(wide).toMatch(/p\s+1\/1\s+Running\s+0/);
    // graceful deletion: the simulator finishes it (kubectl delete waits for the pod to go)
    ok(await kubectl(server, ["-n", ns, "delete", "pod", "p", "--timeout=10s"]));
    expect(await podJson(ns, "p")).toBeUndefined();
  });

  test("a pod bound by the scheduler becomes Running", async () => {
    const ns = await freshNamespace(server, "simsched");
    ok(await kubectl(server, ["-n", ns, "create", "-f", "-"], { stdin: podManifest("s") }));
    const pod = await within(10_000, async () => {
      const p = await podJson(ns, "s");
      return p?.status?.phase === "Running" ? p : undefined;
    });
    expect(sim.nodeNames).toContain(pod.spec.nodeName);
  });

  test("a Job's pod is completed (Succeeded) by the simulator", async () => {
    const ns = await freshNamespace(server, "simjob");
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] } } } };
    ok(await kubectl(server, ["-n", ns, "create", "-f", "-"], { stdin: JSON.stringify(job) }));
    const pod = await within(15_000, async () => {
      const r = await kubectl(server, ["-n", ns, "get", "pods", "-l", "job-name=j", "-o", "json"]);
      const p = r.code === 0 ? JSON.parse(r.stdout).items[0] : undefined;
      return p?.status?.phase === "Succeeded" ? p : undefined;
    });
    expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
  });
});
