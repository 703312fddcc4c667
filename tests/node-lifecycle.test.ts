/**
 * NODE LIFECYCLE end to end (dist/lite, real kubectl, the node simulator): a simulated node whose
 * kubelet stops renewing its Lease goes Unknown (`kubectl get nodes` shows NotReady) after the
 * node-monitor grace period, gets the `node.kubernetes.io/unreachable` NoExecute (and NoSchedule)
 * taints, and the taint manager evicts its pod that tolerates the taint for 5 s while a pod that
 * tolerates it forever stays. The grace period is shortened with LITE_TEST_NODE_MONITOR_GRACE_MS
 * (default upstream's 40 s).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, ok, within } from "./harness/kube.ts";
import { startNodeSimulator, type NodeSimulator } from "./sim/node-simulator.ts";

setDefaultTimeout(60_000);

const GRACE_MS = 2000;
let server: LiteServer;
let sim: NodeSimulator;
beforeAll(async () => {
  server = await startServer([], { LITE_TEST_NODE_MONITOR_GRACE_MS: String(GRACE_MS) });
  sim = await startNodeSimulator({ kubeconfig: server.kubeconfig, nodes: 2, namePrefix: "nl-node", heartbeatMs: 300, podStartMs: 50 });
});
afterAll(async () => {
  await sim?.stop();
  await server?.stop();
});


// biome-ignore lint: JSON documents.
async function getJson(args: string[]): Promise<any> {
  const r = await kubectl(server, [...args, "-o", "json"]);
  return r.code === 0 ? JSON.parse(r.stdout) : undefined;
}

function pod(name: string, nodeName: string, tolerationSeconds?: number): string {
  return JSON.stringify({
    apiVersion: "v1", kind: "Pod",
    metadata: { name },
    spec: {
      nodeName,
      containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }],
      tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", ...(tolerationSeconds !== undefined ? { tolerationSeconds } : {}) }],
    },
  });
}

describe("node lifecycle (dist/lite, kubectl, node simulator)", () => {
  test("[sig-node] NoExecuteTaintManager Multiple Pods [Serial] evicts pods with minTolerationSeconds [Disruptive] [Conformance] (Pod Eviction, Toleration limits): a node that stops heartbeating goes NotReady, gets the unreachable NoExecute taint, and its pods are evicted after their tolerationSeconds", async () => {
    const [dead, alive] = sim.nodeNames as [string, string];
    const ns = await freshNamespace(server, "nodelife");
    ok(await kubectl(server, ["-n", ns, "create", "-f", "-"], { stdin: pod("five-seconds", dead, 5) }));
    ok(await kubectl(server, ["-n", ns, "create", "-f", "-"], { stdin: pod("forever", dead) }));
    for (const name of ["five-seconds", "forever"]) {
      await within(10_000, async () => ((await getJson(["-n", ns, "get", "pod", name]))?.status?.phase === "Running" ? true : undefined));
    }
    expect(ok(await kubectl(server, ["get", "nodes"]))).toMatch(new RegExp(`${dead}\\s+Ready\\s`));

    // The kubelet "dies": no Lease renewals, no status.
    sim.stopHeartbeat(dead);
    const stopped = Date.now();

    // NotReady (Ready=Unknown, upstream's reason and message) after the grace period; the live node stays Ready.
    await within(GRACE_MS + 8000, async () => (new RegExp(`${dead}\\s+NotReady\\s`).test(ok(await kubectl(server, ["get", "nodes"]))) ? true : undefined));
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(GRACE_MS - 500);
    const nodes = ok(await kubectl(server, ["get", "nodes"]));
    expect(nodes).toMatch(new RegExp(`${alive}\\s+Ready\\s`));
    const node = await getJson(["get", "node", dead]);
    const ready = node.status.conditions.find((c: { type: string }) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });

    // The unreachable taints (NoExecute with timeAdded, and NoSchedule).
    const tainted = await within(5000, async () => {
      const n = await getJson(["get", "node", dead]);
      return (n?.spec?.taints ?? []).some((t: { key: string; effect: string }) => t.key === "node.kubernetes.io/unreachable" && t.effect === "NoExecute") ? n : undefined;
    });
    const noExecute = tainted.spec.taints.find((t: { key: string; effect: string }) => t.key === "node.kubernetes.io/unreachable" && t.effect === "NoExecute");
    expect(noExecute.timeAdded).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(tainted.spec.taints).toContainEqual({ key: "node.kubernetes.io/unreachable", effect: "NoSchedule" });
    expect(ok(await kubectl(server, ["describe", "node", dead]))).toMatch(/Taints:\s+node\.kubernetes\.io\/unreachable:NoExecute/);

    // The 5 s pod is evicted (deleted: Terminating, since its kubelet is gone to finish it, or gone).
    const evicted = await within(15_000, async () => {
      const p = await getJson(["-n", ns, "get", "pod", "five-seconds"]);
      if (!p) return { gone: true, at: Date.now() };
      // deletionTimestamp is the deletion time plus the pod's grace period (30 s), as upstream.
      return p.metadata.deletionTimestamp ? { gone: false, at: Date.parse(p.metadata.deletionTimestamp) - 1000 * (p.metadata.deletionGracePeriodSeconds ?? 0) } : undefined;
    });
    // ~5 s after the taint was added (timeAdded has second precision; allow for poll and requeue slack).
    const sinceTaint = evicted.at - Date.parse(noExecute.timeAdded);
    expect(sinceTaint).toBeGreaterThanOrEqual(4000);
    expect(sinceTaint).toBeLessThan(9000);
    const events = ok(await kubectl(server, ["-n", ns, "get", "events", "--field-selector", "involvedObject.name=five-seconds"]));
    expect(events).toMatch(/TaintManagerEviction\s+.*Marking for deletion Pod/);

    // The pod that tolerates the taint forever stays (not deleted) well past the other's eviction.
    await Bun.sleep(2000);
    const forever = await getJson(["-n", ns, "get", "pod", "forever"]);
    expect(forever).toBeDefined();
    expect(forever.metadata.deletionTimestamp).toBeUndefined();
    expect(forever.spec.nodeName).toBe(dead);
    // ...and its Ready condition was set False by the node lifecycle controller.
    expect(forever.status.conditions.find((c: { type: string }) => c.type === "Ready").status).toBe("False");
  });
});
