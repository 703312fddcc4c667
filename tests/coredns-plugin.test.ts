/**
 * The coredns plugin's two halves run by the real plugin host against an in-process API server
 * (as `lite server` wires them), serving DNS on an OS-assigned port and forwarding to a test DNS
 * server on 127.0.0.1: never a real resolver, never a packet off loopback. Every API request the
 * plugin makes is checked against its bootstrap ClusterRole (lite:plugin:coredns).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { builtinResources, coreServices, type ApiClient, type KubeObject } from "@lite/sdk";
import { AdminRouteTable } from "../core/admin/admin-routes.ts";
import { clusterRoles } from "../core/auth/authz/bootstrap/cluster-roles.ts";
import { ruleAllows } from "../core/auth/authz/rbac/rule-match.ts";
import type { Authorizer } from "../core/apiserver/authz/types.ts";
import { startControllerTestbed, type ControllerTestbed } from "../core/controllers/testing/controllers.ts";
import { eventually, quietLog } from "../core/controllers/testing/in-process.ts";
import { PluginHost } from "../core/host/plugin-host.ts";
import { resolvePlugins } from "../core/host/resolve-plugins.ts";
import { CLUSTER, sourceOf } from "../core/host/test-support.ts";
import corednsPlugin from "../plugins/coredns/index.ts";
import { RRType, Rcode } from "../plugins/coredns/dns/constants.ts";
import { queryTcp, queryUdp } from "../plugins/coredns/testing/dns-client.ts";
import { a, startTestUpstream, type TestUpstream } from "../plugins/coredns/testing/test-upstream.ts";

const PLUGIN_USER = "system:lite-plugin:coredns";
const role = clusterRoles().find((r) => r.name === "lite:plugin:coredns")!;
const denied: string[] = [];
/** Allows the plugin exactly what its ClusterRole allows (everyone else everything). */
const authorize: Authorizer = (user, attrs) => {
  if (user.username !== PLUGIN_USER) return { allowed: true };
  if (role.rules.some((r) => ruleAllows(attrs, r))) return { allowed: true };
  denied.push(`${attrs.verb} ${attrs.apiGroup}/${attrs.resource}`);
  return { allowed: false, reason: "not in lite:plugin:coredns" };
};

let testbed: ControllerTestbed | undefined;
let hosts: PluginHost[] = [];
let upstream: TestUpstream | undefined;
afterEach(async () => {
  for (const h of hosts.reverse()) await h.stop();
  await testbed?.close();
  upstream?.close();
  testbed = upstream = undefined;
  hosts = [];
  denied.length = 0;
});

interface Start { nodeIP?: string; config?: Record<string, unknown>; disable?: boolean; before?: (client: ApiClient) => Promise<void> }

async function startCoredns(o: Start = {}) {
  testbed = await startControllerTestbed([], { authorize });
  upstream = await startTestUpstream([a("www.example.test", "192.0.2.10", 300)]);
  await o.before?.(testbed.client);
  const manager = testbed.manager;
  const routes = new AdminRouteTable();
  const services = new Map<string, (id: string) => unknown>([
    [coreServices.adminRoutes.id, (id) => routes.forPlugin(id)],
    [coreServices.apiClient.id, (id) => manager.forPlugin(id).apiClient],
    [coreServices.informers.id, (id) => manager.forPlugin(id).informers],
    [coreServices.controllers.id, (id) => manager.forPlugin(id).controllers],
  ]);
  const plan = await resolvePlugins({
    embedded: [sourceOf(corednsPlugin)], external: [], disable: new Set(o.disable ? ["coredns"] : []),
    pluginConfig: { coredns: { port: 0, bindAddress: "0.0.0.0", upstreams: [upstream.address], ...o.config } },
  });
  const server = new PluginHost({ role: "server", plan, log: quietLog, cluster: CLUSTER, stateRoot: "/tmp/lite-coredns-test/server", services, stopTimeoutMs: 3000 });
  const node = new PluginHost({
    role: "node", plan, log: quietLog, cluster: CLUSTER, stateRoot: "/tmp/lite-coredns-test/agent", services, stopTimeoutMs: 3000,
    node: { nodeName: "n1", nodeIP: o.nodeIP ?? "10.99.0.5", cniConfDir: "/tmp/lite-coredns-test/cni" },
  });
  hosts.push(server, node);
  await server.start();
  await node.start();
  const status = (host: PluginHost) => host.statuses().find((s) => s.id === "coredns")!;
  const port = () => Number(String((status(node).details as { listen?: string } | undefined)?.listen ?? ":0").split(":").pop());
  return { client: testbed.client, server, node, status, port, routes, upstream: upstream! };
}

/** busybox nslookup against the plugin's server on 127.0.0.1 (stdout; it exits non-zero on NXDOMAIN). */
async function nslookup(name: string, port: number): Promise<string> {
  const p = Bun.spawn(["/bin/busybox", "nslookup", name, `127.0.0.1:${port}`], { stdout: "pipe", stderr: "pipe", timeout: 10_000 });
  const out = await new Response(p.stdout).text();
  await p.exited;
  return out;
}
const A = (m: { answers: { type: number; data: unknown }[] }) => m.answers.filter((r) => r.type === RRType.A).map((r) => (r.data as { address: string }).address).sort();

describe("coredns plugin", () => {
  test("kube-dns Service, answers from Services and EndpointSlices, forwarding with caching, custom hosts, node names, metrics, slice cleanup", async () => {
    const f = await startCoredns({
      before: async (client) => {
        await client.create(builtinResources.nodes, { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
        await client.patch({ ...builtinResources.nodes, name: "n1" }, "merge", { status: { addresses: [{ type: "InternalIP", address: "10.99.0.5" }, { type: "Hostname", address: "n1" }] } }, { subresource: "status" });
        await client.create({ ...builtinResources.configMaps, namespace: "kube-system" }, {
          apiVersion: "v1", kind: "ConfigMap", metadata: { name: "coredns-custom", namespace: "kube-system" },
          data: { "extra.override": "hosts {\n  10.0.0.50 registry.corp.test\n  fallthrough\n}\nlog\n" },
        });
      },
    });
    const { client } = f;

    // The server half: kube-dns at --cluster-dns, no selector, CoreDNS' labels and ports.
    const svc = await eventually(() => client.get({ ...builtinResources.services, namespace: "kube-system", name: "kube-dns" }).catch(() => undefined));
    expect(svc).toMatchObject({
      metadata: { labels: { "lite.io/plugin": "coredns", "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS", "kubernetes.io/cluster-service": "true" } },
      spec: { clusterIP: "10.43.0.10", ports: [{ name: "dns", port: 53, protocol: "UDP", targetPort: 53 }, { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 }] },
    });
    expect((svc.spec as { selector?: unknown }).selector).toBeUndefined();
    expect(f.status(f.server)).toMatchObject({ state: "Running", message: "Service kube-system/kube-dns has ClusterIP 10.43.0.10" });

    // The node half: serving, synced, published as the node IP with the real port.
    await eventually(() => (f.status(f.node).details as { synced?: boolean }).synced);
    const port = f.port();
    expect(port).toBeGreaterThan(0);
    expect(f.status(f.node).state).toBe("Running");
    const slice = await eventually(() => client.get({ ...builtinResources.endpointSlices, namespace: "kube-system", name: "kube-dns-n1" }).catch(() => undefined));
    expect(slice).toMatchObject({
      metadata: { labels: { "kubernetes.io/service-name": "kube-dns", "endpointslice.kubernetes.io/managed-by": "coredns.lite.io", "lite.io/plugin": "coredns" } },
      addressType: "IPv4",
      endpoints: [{ addresses: ["10.99.0.5"], conditions: { ready: true }, nodeName: "n1" }],
      ports: [{ name: "dns", port, protocol: "UDP" }, { name: "dns-tcp", port, protocol: "TCP" }],
    });

    // [sig-network] DNS should provide DNS for services  [Conformance] (the answers a pod's nslookup gets).
    expect(A(await queryUdp(port, "kube-dns.kube-system.svc.cluster.local", RRType.A))).toEqual(["10.43.0.10"]);
    const web = await client.create({ ...builtinResources.services, namespace: "default" }, {
      apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { ports: [{ name: "http", port: 80 }] },
    });
    const webIP = (web.spec as unknown as { clusterIP: string }).clusterIP;
    await eventually(async () => A(await queryUdp(port, "web.default.svc.cluster.local", RRType.A))[0] === webIP);
    const srv = await queryTcp(port, "_http._tcp.web.default.svc.cluster.local", RRType.SRV);
    expect(srv.answers.map((r) => r.data)).toEqual([{ priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local" }]);

    // Headless with hostnames ([sig-network] DNS should provide DNS for pods for Hostname [Conformance]).
    await client.create({ ...builtinResources.services, namespace: "default" }, {
      apiVersion: "v1", kind: "Service", metadata: { name: "db", namespace: "default" }, spec: { clusterIP: "None", selector: { app: "db" }, ports: [{ name: "pg", port: 5432 }] },
    });
    await client.create({ ...builtinResources.endpointSlices, namespace: "default" }, {
      apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "db-1", namespace: "default", labels: { "kubernetes.io/service-name": "db" } },
      addressType: "IPv4", ports: [{ name: "pg", port: 5432, protocol: "TCP" }],
      endpoints: [{ addresses: ["10.42.0.5"], hostname: "db-0", conditions: { ready: true } }, { addresses: ["10.42.0.6"], hostname: "db-1", conditions: { ready: false } }],
    } as KubeObject);
    await eventually(async () => A(await queryUdp(port, "db.default.svc.cluster.local", RRType.A)).join() === "10.42.0.5");
    expect(A(await queryUdp(port, "db-0.db.default.svc.cluster.local", RRType.A))).toEqual(["10.42.0.5"]);
    const ptr = await queryUdp(port, "5.0.42.10.in-addr.arpa", RRType.PTR);
    expect(ptr.answers.map((r) => r.data)).toEqual([{ target: "db-0.db.default.svc.cluster.local" }]);
    const nx = await queryUdp(port, "db.default.svc.cluster.local.default.svc.cluster.local", RRType.A);
    expect([nx.flags.rcode, nx.authorities[0]?.type]).toEqual([Rcode.NXDOMAIN, RRType.SOA]);

    // Forwarding through the test upstream, then the cache (positive and negative).
    const fwd = await queryUdp(port, "www.example.test", RRType.A);
    expect([fwd.flags.rcode, A(fwd)]).toEqual([Rcode.NOERROR, ["192.0.2.10"]]);
    await queryUdp(port, "www.example.test", RRType.A);
    expect((await queryUdp(port, "gone.example.test", RRType.A)).flags.rcode).toBe(Rcode.NXDOMAIN);
    expect((await queryUdp(port, "gone.example.test", RRType.A)).flags.rcode).toBe(Rcode.NXDOMAIN);
    expect(f.upstream.log).toEqual(["www.example.test 1 udp", "gone.example.test 1 udp"]);

    // A real client: busybox's nslookup (what a busybox pod runs), headless and ExternalName
    // ([sig-network] DNS should provide DNS for ExternalName services [Conformance]).
    await client.create({ ...builtinResources.services, namespace: "default" }, {
      apiVersion: "v1", kind: "Service", metadata: { name: "ext", namespace: "default" }, spec: { type: "ExternalName", externalName: "www.example.test" },
    });
    await eventually(async () => (await queryUdp(port, "ext.default.svc.cluster.local", RRType.CNAME)).answers.length === 1);
    if (existsSync("/bin/busybox")) {
      const headless = await nslookup("db.default.svc.cluster.local", port);
      expect(headless).toContain("Name:\tdb.default.svc.cluster.local\nAddress: 10.42.0.5");
      const external = await nslookup("ext.default.svc.cluster.local", port);
      expect(external).toContain("ext.default.svc.cluster.local\tcanonical name = www.example.test");
      expect(external).toContain("Name:\twww.example.test\nAddress: 192.0.2.10");
    }

    // coredns-custom hosts (unsupported `log` reported), live reload; node names resolve.
    expect(A(await queryUdp(port, "registry.corp.test", RRType.A))).toEqual(["10.0.0.50"]);
    expect((f.status(f.node).details as { customUnsupported?: string[] }).customUnsupported).toEqual([
      'extra.override line 5: directive "log" is not supported in .override (supported: hosts)',
    ]);
    await client.patch({ ...builtinResources.configMaps, namespace: "kube-system", name: "coredns-custom" }, "merge", {
      data: { "extra.override": "hosts {\n  10.0.0.51 registry.corp.test\n}\n" },
    });
    await eventually(async () => A(await queryUdp(port, "registry.corp.test", RRType.A)).join() === "10.0.0.51");
    // A forward zone (a .server block) to a second test server.
    const corp = await startTestUpstream([a("app.corp.test", "192.0.2.20")]);
    try {
      await client.patch({ ...builtinResources.configMaps, namespace: "kube-system", name: "coredns-custom" }, "merge", {
        data: { "corp.server": `corp.test:53 {\n  forward . ${corp.address}\n}\n` },
      });
      await eventually(() => (f.status(f.node).details as { customForwardZones: string[] }).customForwardZones.join() === `corp.test -> ${corp.address}`);
      expect(A(await queryUdp(port, "app.corp.test", RRType.A))).toEqual(["192.0.2.20"]);
      expect(corp.log).toEqual(["app.corp.test 1 udp"]);
      expect(f.upstream.log.some((l) => l.includes("corp.test"))).toBe(false);
    } finally {
      corp.close();
    }
    expect(A(await queryUdp(port, "n1", RRType.A))).toEqual(["10.99.0.5"]);

    // Metrics on the admin endpoint, summary in the status.
    const metrics = await (await f.routes.match("/plugins/coredns/metrics")!(new Request("http://admin/plugins/coredns/metrics"))).text();
    expect(metrics).toContain('coredns_dns_requests_total{proto="udp",type="A"}');
    expect(metrics).toMatch(/coredns_cache_hits_total [1-9]/);

    // The kube-dns Service comes back when deleted.
    const uid = svc.metadata.uid;
    await client.delete({ ...builtinResources.services, namespace: "kube-system", name: "kube-dns" });
    const again = await eventually(async () => {
      const s = await client.get({ ...builtinResources.services, namespace: "kube-system", name: "kube-dns" }).catch(() => undefined);
      return s && s.metadata.uid !== uid ? s : undefined;
    });
    expect((again.spec as { clusterIP: string }).clusterIP).toBe("10.43.0.10");

    // Stopping the node half removes its slice and closes the port.
    await f.node.stop();
    const gone = await client.get({ ...builtinResources.endpointSlices, namespace: "kube-system", name: "kube-dns-n1" }).then(() => false, () => true);
    expect(gone).toBe(true);
    await expect(queryUdp(port, "web.default.svc.cluster.local", RRType.A, { timeoutMs: 200 })).rejects.toThrow("no answer");
    expect(denied).toEqual([]);
  });

  test("a loopback node IP: served, but no EndpointSlice, and the status says why", async () => {
    const f = await startCoredns({ nodeIP: "127.0.0.1", config: { bindAddress: "127.0.0.1" } });
    await eventually(() => (f.status(f.node).details as { synced?: boolean }).synced);
    expect(f.status(f.node).message).toContain("not published (loopback address)");
    expect((f.status(f.node).details as { notes: string[] }).notes).toEqual([
      "the DNS server's address 127.0.0.1 is loopback: pods cannot reach it, so no kube-dns EndpointSlice is published",
    ]);
    expect(A(await queryUdp(f.port(), "kube-dns.kube-system.svc.cluster.local", RRType.A))).toEqual(["10.43.0.10"]);
    await Bun.sleep(100);
    const slices = await f.client.list({ ...builtinResources.endpointSlices, namespace: "kube-system" });
    expect(slices.items.map((s) => s.metadata.name)).toEqual([]);
  });

  test("a taken port: Degraded, naming the address and the config key", async () => {
    const squatter = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    try {
      const f = await startCoredns({ nodeIP: "127.0.0.1", config: { bindAddress: "127.0.0.1", port: squatter.port } });
      expect(f.status(f.node)).toMatchObject({ state: "Degraded" });
      expect(f.status(f.node).message).toBe(`cannot serve DNS: UDP 127.0.0.1:${squatter.port} is already in use by another process; set plugin-config.coredns.port (or bindAddress) to use another`);
    } finally {
      squatter.close();
    }
  });

  test("--disable=coredns: nothing runs and no kube-dns Service is created", async () => {
    const f = await startCoredns({ disable: true });
    expect(f.status(f.server)).toMatchObject({ state: "Disabled" });
    await Bun.sleep(150);
    const list = await f.client.list({ ...builtinResources.services, namespace: "kube-system" });
    expect(list.items.map((s) => s.metadata.name)).toEqual([]);
  });
});
