/**
 * Deployments end to end through the compiled binary and real kubectl, with SIMULATED nodes
 * (tests/sim: Nodes registered, bound pods reported Running/Ready, no containers): rollout status,
 * set image, rollout history/undo/pause/resume/restart, scale, and describe's upstream events.
 *
 * STAND-IN: `lite server` does not run the scheduler yet, so `bindPendingPods` below binds pending
 * pods to simulated nodes round-robin through the Binding subresource (a scheduler's last step).
 * When the scheduler lands it binds first and the stand-in finds nothing to do.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, type ApiClient, type KubeObject } from "@lite/sdk";
import { createApiClient, httpsTransport, kubeconfigTransportOptions, type Transport } from "../core/client/index.ts";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { deploymentYaml, freshNamespace, ok } from "./harness/kube.ts";
import { startNodeSimulator, type NodeSimulator } from "./sim/node-simulator.ts";

setDefaultTimeout(120_000);

let server: LiteServer;
let sim: NodeSimulator;
let transport: Transport;
let client: ApiClient;
const binder = new AbortController();

/** Stand-in scheduler (see the file comment): binds unbound pods to simulated nodes, round-robin. */
async function bindPendingPods(signal: AbortSignal, nodes: readonly string[]): Promise<void> {
  let next = 0;
  while (!signal.aborted) {
    try {
      const pods = (await client.list(builtinResources.pods, { fieldSelector: "spec.nodeName=" })).items;
      for (const p of pods) {
        if (p.metadata.deletionTimestamp) continue;
        const { namespace, name } = p.metadata;
        const body = { apiVersion: "v1", kind: "Binding", metadata: { name, namespace }, target: { apiVersion: "v1", kind: "Node", name: nodes[next++ % nodes.length] } };
        await transport.send(new Request(`${transport.baseUrl}/api/v1/namespaces/${namespace}/pods/${name}/binding`, {
          method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
        })).then((r) => r.body?.cancel());
      }
    } catch { /* server busy or stopping: try again */ }
    await Bun.sleep(50);
  }
}

beforeAll(async () => {
  server = await startServer();
  transport = httpsTransport(kubeconfigTransportOptions(server.kubeconfig));
  client = createApiClient({ transport, fieldManager: "deployment-e2e-binder" });
  sim = await startNodeSimulator({ kubeconfig: server.kubeconfig, nodes: 2, heartbeatMs: 1000, podStartMs: 20 });
  void bindPendingPods(binder.signal, sim.nodeNames);
});
afterAll(async () => {
  binder.abort();
  await sim?.stop();
  await server?.stop();
});

const k = (ns: string, ...args: string[]) => kubectl(server, ["-n", ns, ...args], { timeoutMs: 90_000 });
const rolloutStatus = async (ns: string, name: string) => ok(await k(ns, "rollout", "status", `deployment/${name}`, "--timeout=60s"));
const imageOf = async (ns: string, name: string) => ok(await k(ns, "get", `deployment/${name}`, "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
const readyPods = async (ns: string, app: string) => (await client.list<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>({ ...builtinResources.pods, namespace: ns }, { labelSelector: `app=${app}` })).items
  .filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));

const apply = (ns: string, manifest: string) => kubectl(server, ["-n", ns, "apply", "-f", "-"], { stdin: manifest });

describe("kubectl against Deployments on simulated nodes", () => {
  test("[sig-apps] Deployment RollingUpdateDeployment should delete old pods and create new ones [Conformance]: rollout status, set image, rollout history, rollout undo", async () => {
    const ns = await freshNamespace(server, "deploy");
    ok(await apply(ns, deploymentYaml("web", 3, "nginx:1.25")));
    expect(await rolloutStatus(ns, "web")).toContain(`deployment "web" successfully rolled out`);
    expect(await readyPods(ns, "web")).toHaveLength(3);

    ok(await k(ns, "set", "image", "deployment/web", "c=nginx:1.26"));
    expect(await rolloutStatus(ns, "web")).toContain(`deployment "web" successfully rolled out`);
    const rs = ok(await k(ns, "get", "rs", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision}={.spec.replicas} {end}")).trim().split(" ").sort();
    expect(rs).toEqual(["1=0", "2=3"]);

    const history = ok(await k(ns, "rollout", "history", "deployment/web"));
    expect(history).toContain(`deployment.apps/web`);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(ok(await k(ns, "rollout", "history", "deployment/web", "--revision=1"))).toContain("nginx:1.25");

    expect(ok(await k(ns, "rollout", "undo", "deployment/web"))).toContain("deployment.apps/web rolled back");
    await rolloutStatus(ns, "web");
    expect(await imageOf(ns, "web")).toBe("nginx:1.25");
    expect(ok(await k(ns, "rollout", "history", "deployment/web"))).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
    expect(ok(await k(ns, "get", "deployment/web", "-o", "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}"))).toBe("3");
  });

  test("[sig-apps] Deployment Deployment should have a working scale subresource [Conformance]: kubectl scale", async () => {
    const ns = await freshNamespace(server, "scale");
    ok(await apply(ns, deploymentYaml("sc", 1)));
    await rolloutStatus(ns, "sc");
    expect(ok(await k(ns, "scale", "deployment/sc", "--replicas=4"))).toContain("deployment.apps/sc scaled");
    await rolloutStatus(ns, "sc");
    expect(await readyPods(ns, "sc")).toHaveLength(4);
    const cols = ok(await k(ns, "get", "deployment/sc", "--no-headers")).trim().split(/\s+/);
    expect(cols.slice(0, 4)).toEqual(["sc", "4/4", "4", "4"]);
    ok(await k(ns, "scale", "deployment/sc", "--replicas=2"));
    await rolloutStatus(ns, "sc");
    for (let i = 0; i < 100 && (await readyPods(ns, "sc")).length !== 2; i++) await Bun.sleep(100);
    expect(await readyPods(ns, "sc")).toHaveLength(2);
  });

  test("rollout pause/resume/restart and describe shows upstream-style events and conditions", async () => {
    const ns = await freshNamespace(server, "pause");
    ok(await apply(ns, deploymentYaml("pz", 2)));
    await rolloutStatus(ns, "pz");
    expect(ok(await k(ns, "rollout", "pause", "deployment/pz"))).toContain("deployment.apps/pz paused");
    ok(await k(ns, "set", "image", "deployment/pz", "c=nginx:2"));
    await Bun.sleep(500);
    expect(ok(await k(ns, "get", "rs", "-l", "app=pz", "-o", "name")).trim().split("\n")).toHaveLength(1);
    expect(ok(await k(ns, "rollout", "resume", "deployment/pz"))).toContain("deployment.apps/pz resumed");
    await rolloutStatus(ns, "pz");
    expect(await imageOf(ns, "pz")).toBe("nginx:2");
    expect(ok(await k(ns, "rollout", "restart", "deployment/pz"))).toContain("deployment.apps/pz restarted");
    await rolloutStatus(ns, "pz");
    expect(ok(await k(ns, "get", "rs", "-l", "app=pz", "-o", "name")).trim().split("\n")).toHaveLength(3);

    const describe = ok(await k(ns, "describe", "deployment/pz"));
    expect(describe).toMatch(/Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable/);
    expect(describe).toMatch(/Available\s+True\s+MinimumReplicasAvailable/);
    expect(describe).toMatch(/Progressing\s+True\s+NewReplicaSetAvailable/);
    expect(describe).toMatch(/NewReplicaSet:\s+pz-\w+ \(2\/2 replicas created\)/);
    expect(describe).toMatch(/Normal\s+ScalingReplicaSet\s+.*deployment-controller\s+Scaled up replica set pz-\w+ from 0 to 2/);
    expect(describe).toMatch(/Scaled down replica set pz-\w+ from \d to \d/);

    const rsName = ok(await k(ns, "get", "rs", "-l", "app=pz", "-o", "jsonpath={.items[0].metadata.name}"));
    expect(ok(await k(ns, "describe", `rs/${rsName}`))).toMatch(/Normal\s+SuccessfulCreate\s+.*replicaset-controller\s+Created pod: pz-\w+-\w{5}/);
  });
});
