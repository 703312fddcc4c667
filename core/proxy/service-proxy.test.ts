/**
 * The runner end to end: an in-process API server, the proxy's informers on it, rules applied in a
 * node network namespace of this test, and real connections from a pod namespace.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { quietLog, startTestCluster, type TestCluster } from "../controllers/testing/in-process.ts";
import { startServiceProxy, type ServiceProxy } from "./service-proxy.ts";
import { createNetnsLab, NODE_IP, type NetnsLab } from "./testing/netns-lab.ts";

type Probe = { reply?: string; error?: string; ms: number };
const POD_A = "10.42.0.10", POD_B = "10.42.0.11", CLIENT = "10.42.0.20";
const SLICES = { ...builtinResources.endpointSlices, namespace: "default" };
const SERVICES = { ...builtinResources.services, namespace: "default" };

let lab: NetnsLab;
let cluster: TestCluster;
let proxy: ServiceProxy;
let client: string;

const slice = (ready: string[], notReady: string[] = []) => ({
  apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
  metadata: { name: "web-abc", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
  addressType: "IPv4",
  endpoints: [
    ...ready.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: "node-a" })),
    ...notReady.map((ip) => ({ addresses: [ip], conditions: { ready: false, serving: false, terminating: false }, nodeName: "node-a" })),
  ],
  ports: [{ name: "", port: 8080, protocol: "TCP" }],
}) as unknown as KubeObject;

async function setSlice(ready: string[], notReady: string[] = []) {
  const current = await cluster.client.get({ ...SLICES, name: "web-abc" });
  const next = slice(ready, notReady);
  next.metadata.resourceVersion = current.metadata.resourceVersion;
  await cluster.client.update({ ...SLICES, name: "web-abc" }, next);
}

const probe = (count: number, timeoutMs = 2000) => lab.fixture<Probe[]>(client, ["probe", "10.43.0.50", "80", String(count), String(timeoutMs)]);

/** Milliseconds from `t0` until `check` holds on a fresh probe batch. */
async function until(t0: number, check: (ps: Probe[]) => boolean, what: string): Promise<number> {
  for (;;) {
    const ps = await probe(6, 1000);
    if (check(ps)) return performance.now() - t0;
    if (performance.now() - t0 > 5000) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(ps)}`);
  }
}

beforeAll(async () => {
  lab = createNetnsLab();
  const a = lab.addPod(POD_A), b = lab.addPod(POD_B);
  client = lab.addPod(CLIENT);
  await Promise.all([lab.startFixture(a, ["serve", "8080", "a"]), lab.startFixture(b, ["serve", "8080", "b"])]);
  cluster = await startTestCluster();
  await cluster.client.create(SERVICES, {
    apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" },
    spec: { clusterIP: "10.43.0.50", ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }] },
  } as unknown as KubeObject);
  await cluster.client.create(SLICES, slice([POD_A]));
  proxy = startServiceProxy({
    client: cluster.client, log: quietLog, nodeName: "node-a", nodePortAddresses: [NODE_IP], clusterCIDRs: ["10.42.0.0/16"],
    commandPrefix: ["ip", "netns", "exec", lab.node],
  });
}, 60_000);
afterAll(async () => {
  await proxy?.stop();
  await cluster?.close();
  lab?.destroy();
});

describe("service proxy runner (in-process API server, network namespaces)", () => {
  test("full sync at start: the Service answers from its endpoint", async () => {
    expect(await proxy.ready()).toBe(true);
    const ps = await probe(3);
    expect(ps.map((p) => p.reply)).toEqual(Array(3).fill(`a ${CLIENT}`));
    const s = proxy.status();
    expect(s.ready).toBe(true);
    expect(s.servicePorts).toBe(2); // and default/kubernetes
    expect(s.endpoints).toBe(1);
    expect(s.rules).toBeGreaterThan(10);
    expect(s.lastError).toBeUndefined();
  }, 30_000);

  test("scaling changes who answers within a second", async () => {
    let t0 = performance.now();
    await setSlice([POD_A, POD_B]);
    const both = await until(t0, (ps) => ps.some((p) => p.reply?.startsWith("b ")), "endpoint b");
    t0 = performance.now();
    await setSlice([POD_B], [POD_A]);
    const onlyB = await until(t0, (ps) => ps.every((p) => p.reply?.startsWith("b ")), "only b");
    expect({ both: both < 1000, onlyB: onlyB < 1000 }).toEqual({ both: true, onlyB: true });
  }, 30_000);

  test("zero ready endpoints: every new connection is refused at once, however many the client makes", async () => {
    await setSlice([POD_A, POD_B]);
    await until(performance.now(), (ps) => ps.some((p) => p.reply?.startsWith("b ")), "endpoint b");
    await setSlice([POD_B], [POD_A]);
    await until(performance.now(), (ps) => ps.every((p) => p.reply?.startsWith("b ")), "only b");
    const t0 = performance.now();
    await setSlice([], [POD_A, POD_B]);
    const refused = await until(t0, (ps) => ps.every((p) => p.error === "ECONNREFUSED"), "refusal");
    // More than the kernel's ICMP burst (6 per client): TCP is refused with a reset, never rate-limited.
    const many = await probe(20, 1000);
    expect({ refused: refused < 1000, errors: [...new Set(many.map((p) => p.error))], slowest: Math.max(...many.map((p) => p.ms)) < 500 })
      .toEqual({ refused: true, errors: ["ECONNREFUSED"], slowest: true });
  }, 30_000);

  test("a deleted Service's chains are flushed, then deleted; stop() leaves the rules in place", async () => {
    await setSlice([POD_A]);
    await until(performance.now(), (ps) => ps.every((p) => p.reply?.startsWith("a ")), "a again");
    await cluster.client.delete({ ...SERVICES, name: "web" });
    const chains = () => lab.run(lab.node, ["nft", "list", "chains", "ip"]).split("\n").filter((l) => l.includes("default/web"));
    const t0 = Date.now();
    while (chains().length && Date.now() - t0 < 5000) await Bun.sleep(100);
    expect(chains()).toEqual([]);
    expect(proxy.status().servicePorts).toBe(1);
    await proxy.stop();
    expect(lab.run(lab.node, ["nft", "list", "tables"])).toContain("table ip lite-proxy");
  }, 30_000);
});
