/**
 * The metrics plugin run by the real plugin host against an in-process API server, offered the
 * core's services as `lite server` offers them (apiClient, informers, apiGroups). The kubelets'
 * Summary API is a stand-in behind the server's connect hook (nodes/proxy), with CPU counters the
 * test advances. Checks: metrics.k8s.io in legacy and aggregated discovery, `kubectl top`-shaped
 * lists (namespaces, label selectors, tables), authorization on the group, and the group leaving
 * discovery when the plugin stops.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinResources, coreServices, type KubeObject } from "@lite/sdk";
import type { Authorizer } from "../core/apiserver/authz/types.ts";
import type { ConnectHandler } from "../core/apiserver/rest/context.ts";
import { startControllerTestbed, type ControllerTestbed } from "../core/controllers/testing/controllers.ts";
import { eventually, quietLog } from "../core/controllers/testing/in-process.ts";
import { PluginHost } from "../core/host/plugin-host.ts";
import { resolvePlugins } from "../core/host/resolve-plugins.ts";
import { CLUSTER, sourceOf } from "../core/host/test-support.ts";
import metricsPlugin from "../plugins/metrics/index.ts";

let testbed: ControllerTestbed | undefined;
let host: PluginHost | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await host?.stop();
  await testbed?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  testbed = host = scratch = undefined;
});

/** Per node: cumulative CPU (ns) of the node and of each pod's container "c", advanced by `tick`. */
interface FakeKubelet { scrapes: number; clock: number; tick(): void; nodeCpu: number; podCpu: Map<string, number> }

function fakeKubelets(pods: Record<string, { ns: string; name: string }[]>): { connect: ConnectHandler; kubelets: Map<string, FakeKubelet> } {
  const kubelets = new Map<string, FakeKubelet>();
  const start = Date.now();
  for (const node of Object.keys(pods)) {
    const k: FakeKubelet = {
      scrapes: 0, clock: start, nodeCpu: 1e12, podCpu: new Map(),
      tick() { this.nodeCpu += 500_000_000; for (const [key, v] of this.podCpu) this.podCpu.set(key, v + 250_000_000); },
    };
    for (const p of pods[node]!) k.podCpu.set(`${p.ns}/${p.name}`, 1e9);
    kubelets.set(node, k);
  }
  const connect: ConnectHandler = async (req, info) => {
    const k = kubelets.get(info.name);
    if (info.resource !== "nodes" || info.subresource !== "proxy" || !k) return new Response("no", { status: 404 });
    expect(new URL(req.url).pathname).toBe(`/api/v1/nodes/${info.name}/proxy/stats/summary`);
    k.scrapes++;
    k.clock += 1000; // one second between scrapes; counters advance by 0.5 s (node) and 0.25 s (containers)
    k.tick();
    const time = new Date(k.clock).toISOString();
    const startTime = new Date(start - 3_600_000).toISOString();
    return Response.json({
      node: { nodeName: info.name, startTime, cpu: { time, usageCoreNanoSeconds: k.nodeCpu, usageNanoCores: 0 }, memory: { time, workingSetBytes: 512 * 1024 * 1024 } },
      pods: pods[info.name]!.map((p) => ({
        podRef: { name: p.name, namespace: p.ns, uid: "u" },
        startTime,
        containers: [{ name: "c", startTime, cpu: { time, usageCoreNanoSeconds: k.podCpu.get(`${p.ns}/${p.name}`) }, memory: { time, workingSetBytes: 10 * 1024 * 1024 } }],
      })),
    });
  };
  return { connect, kubelets };
}

async function startMetrics(connect: ConnectHandler, authorize?: Authorizer) {
  testbed = await startControllerTestbed([], { connect, ...(authorize ? { authorize } : {}) });
  scratch = mkdtempSync(`${tmpdir()}/lite-metrics-`);
  const manager = testbed.manager;
  const api = testbed.harness.server;
  const services = new Map<string, (id: string) => unknown>([
    [coreServices.apiClient.id, (id) => manager.forPlugin(id).apiClient],
    [coreServices.informers.id, (id) => manager.forPlugin(id).informers],
    [coreServices.controllers.id, (id) => manager.forPlugin(id).controllers],
    [coreServices.apiGroups.id, (id) => api.pluginGroups.forOwner(id)],
  ]);
  const plan = await resolvePlugins({ embedded: [sourceOf(metricsPlugin)], external: [], disable: new Set(), pluginConfig: { metrics: { resolutionSeconds: 1 } } });
  host = new PluginHost({
    role: "server", plan, log: quietLog, cluster: CLUSTER, stateRoot: scratch, services, stopTimeoutMs: 2000,
    onStatusChange: (s) => { if (s.state === "Stopped") api.pluginGroups.release(s.id); },
  });
  await host.start();
  return testbed;
}

async function seed(tb: ControllerTestbed, pods: Record<string, { ns: string; name: string; labels?: Record<string, string> }[]>) {
  for (const ns of new Set(Object.values(pods).flat().map((p) => p.ns))) {
    if (ns !== "default" && ns !== "kube-system") await tb.client.create(builtinResources.namespaces, { metadata: { name: ns } });
  }
  for (const [node, list] of Object.entries(pods)) {
    const created = await tb.client.create<KubeObject>(builtinResources.nodes, { metadata: { name: node, labels: { zone: node === "n1" ? "a" : "b" } } });
    await tb.client.updateStatus(builtinResources.nodes, { ...created, status: { conditions: [{ type: "Ready", status: "True" }], allocatable: { cpu: "2", memory: "4Gi" } } });
    for (const p of list) {
      await tb.client.create(builtinResources.pods, { metadata: { name: p.name, namespace: p.ns, labels: p.labels ?? {} }, spec: { nodeName: node, containers: [{ name: "c", image: "busybox" }] } });
    }
  }
}

const PODS = {
  n1: [{ ns: "default", name: "web-1", labels: { app: "web" } }, { ns: "default", name: "db-1", labels: { app: "db" } }],
  n2: [{ ns: "kube-system", name: "dns-1", labels: { app: "dns" } }],
};

test("serves NodeMetrics and PodMetrics from the kubelets' summaries, in discovery and as kubectl top reads them", async () => {
  const { connect, kubelets } = fakeKubelets(PODS);
  const tb = await startMetrics(connect);
  const h = tb.harness;
  await seed(tb, PODS);

  // Discovery: legacy group list, group, resource list; aggregated.
  const groups = await h.call("GET", "/apis");
  expect(groups.body.groups.find((g: { name: string }) => g.name === "metrics.k8s.io")).toEqual({
    name: "metrics.k8s.io", versions: [{ groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" }], preferredVersion: { groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" },
  });
  const resources = await h.call("GET", "/apis/metrics.k8s.io/v1beta1");
  expect(resources.body.resources).toEqual([
    { name: "nodes", singularName: "nodemetrics", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
    { name: "pods", singularName: "podmetrics", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
  ]);
  const agg = await h.call("GET", "/apis", undefined, { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" });
  const metricsGroup = agg.body.items.find((g: { metadata: { name: string } }) => g.metadata.name === "metrics.k8s.io");
  expect(metricsGroup.versions[0].resources.map((r: { resource: string; scope: string }) => `${r.resource}:${r.scope}`)).toEqual(["nodes:Cluster", "pods:Namespaced"]);

  // Two scrapes give a rate: 0.5 s of CPU per 1 s on the node (500m), 0.25 s per container (250m).
  await eventually(() => [...kubelets.values()].every((k) => k.scrapes >= 2), 10_000, "two scrapes");
  const nodes = await eventually(async () => {
    const r = await h.call("GET", "/apis/metrics.k8s.io/v1beta1/nodes");
    return r.body.items?.length === 2 ? r.body : undefined;
  }, 5000, "node metrics");
  expect(nodes.kind).toBe("NodeMetricsList");
  expect(nodes.apiVersion).toBe("metrics.k8s.io/v1beta1");
  expect(nodes.items[0]).toMatchObject({ kind: "NodeMetrics", apiVersion: "metrics.k8s.io/v1beta1", metadata: { name: "n1", labels: { zone: "a" } }, window: "1s", usage: { cpu: "500m", memory: "512Mi" } });
  expect(nodes.items[0].timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  const pods = await eventually(async () => {
    const r = await h.call("GET", "/apis/metrics.k8s.io/v1beta1/pods");
    return r.body.items?.length === 3 ? r.body : undefined;
  }, 5000, "pod metrics");
  expect(pods.items.map((p: KubeObject) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(["default/db-1", "default/web-1", "kube-system/dns-1"]);
  expect(pods.items[1]).toMatchObject({ kind: "PodMetrics", metadata: { name: "web-1", namespace: "default", labels: { app: "web" } }, window: "1s", containers: [{ name: "c", usage: { cpu: "250m", memory: "10Mi" } }] });

  // One namespace, a label selector (kubectl top pod -l), a field selector, one object, not found.
  const ns = await h.call("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb");
  expect(ns.body.items.map((p: KubeObject) => p.metadata.name)).toEqual(["web-1"]);
  const zone = await h.call("GET", "/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=zone%3Db");
  expect(zone.body.items.map((n: KubeObject) => n.metadata.name)).toEqual(["n2"]);
  const byField = await h.call("GET", "/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.namespace%3Dkube-system");
  expect(byField.body.items.map((n: KubeObject) => n.metadata.name)).toEqual(["dns-1"]);
  const one = await h.call("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods/dns-1");
  expect(one.status).toBe(200);
  expect(one.body.metadata.name).toBe("dns-1");
  const missing = await h.call("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope");
  expect(missing.status).toBe(404);
  expect(missing.body.message).toBe('pods.metrics.k8s.io "nope" not found');

  // Read-only: writes and watches are refused.
  expect((await h.call("POST", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", { metadata: { name: "x" } })).status).toBe(405);
  expect((await h.call("GET", "/apis/metrics.k8s.io/v1beta1/pods?watch=true")).status).toBe(405);

  // Table (kubectl get podmetrics): Name, cpu, memory, Window.
  const table = await h.call("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
  expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "cpu", "memory", "Window"]);
  expect(table.body.rows[1].cells).toEqual(["web-1", "250m", "10Mi", "1s"]);
}, 30_000);

test("authorization applies to the group, and the group leaves discovery when the plugin stops", async () => {
  const { connect } = fakeKubelets({ n1: [] });
  const authorize: Authorizer = (user, a) => (user.username === "nobody" && a.apiGroup === "metrics.k8s.io"
    ? { allowed: false, reason: "no" }
    : { allowed: true });
  const tb = await startMetrics(connect, authorize);
  const h = tb.harness;
  const denied = await h.call("GET", "/apis/metrics.k8s.io/v1beta1/nodes", undefined, {}, { username: "nobody", groups: ["system:authenticated"] });
  expect(denied.status).toBe(403);
  expect(denied.body.message).toContain('nodes.metrics.k8s.io is forbidden: User "nobody" cannot list resource "nodes" in API group "metrics.k8s.io"');

  // Another owner cannot take a served group/version.
  expect(() => h.server.pluginGroups.forOwner("other").serve({ group: "metrics.k8s.io", version: "v1beta1", resources: [{ resource: "pods", kind: "PodMetrics", namespaced: true, list: () => [], get: () => undefined }] }))
    .toThrow("API group version metrics.k8s.io/v1beta1 is already served");

  await host!.stop();
  const groups = await h.call("GET", "/apis");
  expect(groups.body.groups.map((g: { name: string }) => g.name)).not.toContain("metrics.k8s.io");
  expect((await h.call("GET", "/apis/metrics.k8s.io/v1beta1")).status).toBe(404);
  expect((await h.call("GET", "/apis/metrics.k8s.io/v1beta1/nodes")).status).toBe(404);
  // Now a replacement may serve it.
  const stop = h.server.pluginGroups.forOwner("replacement").serve({ group: "metrics.k8s.io", version: "v1beta1", resources: [{ resource: "nodes", kind: "NodeMetrics", namespaced: false, list: () => [], get: () => undefined }] });
  expect((await h.call("GET", "/apis/metrics.k8s.io/v1beta1/nodes")).body).toMatchObject({ kind: "NodeMetricsList", items: [] });
  stop();
  expect((await h.call("GET", "/apis/metrics.k8s.io/v1beta1/nodes")).status).toBe(404);
}, 30_000);
