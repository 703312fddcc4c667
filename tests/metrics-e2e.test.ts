/**
 * metrics.k8s.io and the HorizontalPodAutoscaler end to end: the compiled binary with its agent
 * (containerd, the kubelet) in a network namespace of its own, real busybox pods and real kubectl.
 * `kubectl top nodes` / `kubectl top pods` show real usage; an HPA at 50 % CPU scales a Deployment
 * of CPU burners (100m requested each) from 1 up, and back to 1 once they stop burning. Then a
 * server started with `--disable=metrics-server` has no metrics.k8s.io group.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { ApiClient, KubeObject } from "@lite/sdk";
import { adminGet, kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { ok, within } from "./harness/kube.ts";
import { createTestNetns, type TestNetns } from "./harness/netns.ts";
import { adminClient } from "./harness/pods.ts";

setDefaultTimeout(240_000);

let net: TestNetns;
let server: LiteServer;
let client: ApiClient;
const NS = "default";
const k = (args: string[], stdin?: string) => kubectl(server, args, { stdin, timeoutMs: 60_000 });

beforeAll(async () => {
  net = createTestNetns();
  // A 5 s scrape resolution (metrics-server's --metric-resolution; default 15 s) keeps the test short.
  server = await startServer(["--node-ip", net.nodeIP, "--kubelet-arg", "port=0"], {}, {
    agent: true, netns: net, config: "plugin-config:\n  metrics:\n    resolutionSeconds: 5\n",
  });
  client = adminClient(server);
});

afterAll(async () => {
  await server?.stop();
  net?.destroy();
});

/** A Deployment of busybox pods that burn CPU while /tmp/burn exists... or always, with `burn`. */
function burner(replicas: number) {
  return {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "burner", namespace: NS },
    spec: {
      replicas, selector: { matchLabels: { app: "burner" } },
      template: {
        metadata: { labels: { app: "burner" } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{
            name: "burn", image: "busybox", imagePullPolicy: "IfNotPresent",
            // Burns while the file /stop is absent: `kubectl exec ... touch /stop` removes the load.
            command: ["sh", "-c", "while [ ! -e /stop ]; do :; done; exec sleep 3600"],
            resources: { requests: { cpu: "100m" } },
          }],
        },
      },
    },
  };
}

test("kubectl top nodes and pods show real usage", async () => {
  ok(await k(["apply", "-f", "-"], JSON.stringify(burner(1))));
  const discovery = ok(await k(["api-resources", "--api-group=metrics.k8s.io"]));
  expect(discovery).toContain("PodMetrics");
  expect(discovery).toContain("NodeMetrics");

  const nodes = await within(90_000, async () => {
    const r = await k(["top", "nodes"]);
    return r.code === 0 ? r.stdout : undefined;
  }, 1000);
  console.log(nodes);
  const [header, row] = nodes.trim().split("\n");
  expect(header).toMatch(/^NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)\s*$/);
  const [, cpu, , mem] = row!.trim().split(/\s+/);
  expect(cpu).toMatch(/^[1-9]\d*m$/);
  expect(mem).toMatch(/^[1-9]\d*Mi$/);

  const pods = await within(90_000, async () => {
    const r = await k(["top", "pods", "-A", "--containers", "-l", "app=burner"]);
    return r.code === 0 && r.stdout.includes("burn") ? r.stdout : undefined;
  }, 1000);
  console.log(pods);
  expect(pods.split("\n")[0]).toMatch(/^NAMESPACE\s+POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
  const burnRow = pods.split("\n")[1]!.trim().split(/\s+/);
  expect(burnRow[0]).toBe(NS);
  expect(burnRow[2]).toBe("burn");
  expect(Number.parseInt(burnRow[3]!, 10)).toBeGreaterThan(200); // a busy loop: most of a core
  const sorted = ok(await k(["top", "pods", "-A", "--sort-by=cpu"]));
  console.log(sorted);
  expect(sorted.split("\n")[1]).toContain("burner-");
});

test("the kubelet's /metrics/resource through the node proxy: the burner's CPU time and working set", async () => {
  const node = ok(await k(["get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
  const text = await within(60_000, async () => {
    const r = await k(["get", "--raw", `/api/v1/nodes/${node}/proxy/metrics/resource`]);
    return r.code === 0 && r.stdout.includes('container="burn"') ? r.stdout : undefined;
  }, 1000);
  const value = (name: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes('container="burn"') && l.includes(`namespace="${NS}"`) && l.includes('pod="burner-'));
    expect(line).toMatch(/ \d{13}$/); // stamped with the stats' time (ms)
    return Number(line!.split(" ")[1]);
  };
  expect(value("container_cpu_usage_seconds_total")).toBeGreaterThan(0);
  expect(value("container_memory_working_set_bytes")).toBeGreaterThan(0);
  expect(text).toMatch(/^node_cpu_usage_seconds_total [0-9.e+]+ \d{13}$/m);
  expect(text).toContain("resource_scrape_error 0");
  // /metrics/cadvisor names the container by its cgroup (`id`, found in /proc) and runtime id.
  const cadvisor = ok(await k(["get", "--raw", `/api/v1/nodes/${node}/proxy/metrics/cadvisor`]));
  const burn = cadvisor.split("\n").find((l) => l.startsWith("container_memory_working_set_bytes{") && l.includes('container="burn"'));
  console.log(burn);
  expect(burn).toMatch(/id="\/[^"]+",image="[^"]*busybox[^"]*",name="[0-9a-f]{64}"/);
});

test("pod network: the burner's namespace counters in /stats/summary and /metrics/cadvisor (sandbox identity)", async () => {
  const node = ok(await k(["get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
  const pod = ok(await k(["get", "pods", "-l", "app=burner", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
  // Traffic through the pod's eth0, to an address of the test's own namespace: a TCP connection to
  // the node's IP on port 1 (refused: the node answers with a reset).
  await k(["exec", pod, "--", "sh", "-c", `wget -T 2 -q -O /dev/null http://${net.nodeIP}:1/; true`]);
  const summary = JSON.parse(ok(await k(["get", "--raw", `/api/v1/nodes/${node}/proxy/stats/summary`])));
  const network = summary.pods.find((p: { podRef: { name: string } }) => p.podRef.name === pod)?.network;
  console.log(JSON.stringify(network));
  expect(network).toMatchObject({ name: "eth0", time: expect.stringMatching(/^\d{4}-/) });
  expect(network.rxBytes).toBeGreaterThan(0);
  expect(network.txBytes).toBeGreaterThan(0);
  expect(network.interfaces.map((i: { name: string }) => i.name)).not.toContain("lo");
  const cadvisor = ok(await k(["get", "--raw", `/api/v1/nodes/${node}/proxy/metrics/cadvisor`]));
  const tx = cadvisor.split("\n").find((l) => l.startsWith("container_network_transmit_bytes_total{") && l.includes(`pod="${pod}"`) && l.includes('interface="eth0"'));
  console.log(tx);
  expect(tx).toMatch(/^container_network_transmit_bytes_total\{container="",id="\/[^"]+",image="lite\.local\/pause:3\.10",interface="eth0",name="[0-9a-f]{64}",namespace="default",pod="burner-[^"]+"\} \d+ \d{13}$/);
  expect(Number(tx!.split(" ")[1])).toBeGreaterThan(0);
  expect(cadvisor).toMatch(new RegExp(`^container_network_receive_packets_total\\{[^}]*pod="${pod}"[^}]*\\} [1-9]\\d* \\d{13}$`, "m"));
});

interface HpaView extends KubeObject { status?: { currentReplicas?: number; desiredReplicas?: number; conditions?: { type: string; reason: string }[] } }
const deploymentReplicas = async () => (await client.get<KubeObject & { spec: { replicas: number } }>({ group: "apps", version: "v1", resource: "deployments", namespace: NS, name: "burner" })).spec.replicas;

test("an HPA at 50 % CPU scales the burners up, and back down once they stop burning", async () => {
  ok(await k(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "burner", namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "burner" }, minReplicas: 1, maxReplicas: 3,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
      // A short scale-down window (default 300 s) keeps the test short.
      behavior: { scaleDown: { stabilizationWindowSeconds: 10 } },
    },
  })));
  await within(90_000, async () => ((await deploymentReplicas()) === 3 ? true : undefined), 1000);
  const events = ok(await k(["get", "events", "--field-selector", "involvedObject.kind=HorizontalPodAutoscaler", "-o", "custom-columns=REASON:.reason,MESSAGE:.message"]));
  console.log(events);
  expect(events).toContain("New size: 3; reason: cpu resource utilization (percentage of request) above target");
  console.log(ok(await k(["get", "hpa", "burner"])));

  // Stop the load in every burner (the new ones burn too), then the HPA scales back to 1.
  await within(60_000, async () => {
    const pods = (await client.list<KubeObject & { status?: { phase?: string } }>({ group: "", version: "v1", resource: "pods", namespace: NS }, { labelSelector: "app=burner" })).items;
    if (pods.length < 3 || pods.some((p) => p.status?.phase !== "Running")) return undefined;
    for (const p of pods) if ((await k(["exec", p.metadata.name!, "--", "touch", "/stop"])).code !== 0) return undefined;
    return true;
  }, 1000);
  await within(120_000, async () => ((await deploymentReplicas()) === 1 ? true : undefined), 1000);
  const hpa = await client.get<HpaView>({ group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers", namespace: NS, name: "burner" });
  console.log(ok(await k(["describe", "hpa", "burner"])));
  expect(hpa.status?.desiredReplicas).toBe(1);
  expect(ok(await k(["get", "events", "--field-selector", "involvedObject.kind=HorizontalPodAutoscaler"]))).toContain("New size: 1; reason: All metrics below target");
});

test("--disable=metrics-server: the plugin is Disabled and metrics.k8s.io is not served", async () => {
  const off = await startServer(["--disable=metrics-server", "--disable-agent"]);
  try {
    const items = ((await (await adminGet(off.dataDir, "/plugins")).json()) as { items: { id: string; role: string; state: string }[] }).items;
    expect(items.find((s) => s.id === "metrics" && s.role === "server")).toMatchObject({ state: "Disabled" });
    const groups = ok(await kubectl(off, ["api-versions"]));
    expect(groups).not.toContain("metrics.k8s.io");
    const top = await kubectl(off, ["top", "nodes"]);
    expect(top.code).not.toBe(0);
    expect(top.stderr).toContain("Metrics API not available");
  } finally {
    await off.stop();
  }
});
