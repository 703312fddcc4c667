/**
 * The flannel plugin's two halves run by the real plugin host against an in-process API server,
 * with the core's controller services (as `lite server` wires them): pod CIDR allocation, exhaustion,
 * reuse, and the node half: once its Node has a pod CIDR it sets up its backend, publishes its
 * annotations and writes its CNI configuration. Each node half runs its ip/bridge/nft commands in a
 * network namespace of its own that this file creates (its "eth0" a veth end with a 10.99.0.x address).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinResources, coreServices, type ApiClient, type KubeObject } from "@lite/sdk";
import type { Authorizer } from "../core/apiserver/authz/types.ts";
import { startControllerTestbed, type ControllerTestbed } from "../core/controllers/testing/controllers.ts";
import { eventually, quietLog } from "../core/controllers/testing/in-process.ts";
import { PluginHost } from "../core/host/plugin-host.ts";
import { resolvePlugins } from "../core/host/resolve-plugins.ts";
import { CLUSTER, sourceOf } from "../core/host/test-support.ts";
import { createCommandRunner, createFlannelPlugin } from "../plugins/flannel/index.ts";

interface Node extends KubeObject { spec?: { podCIDR?: string; podCIDRs?: string[] } }

const tag = Math.random().toString(16).slice(2, 8);
let testbed: ControllerTestbed | undefined;
let hosts: PluginHost[] = [];
let scratch: string | undefined;
let namespaces: string[] = [];
afterEach(async () => {
  for (const h of hosts.reverse()) await h.stop();
  await testbed?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  for (const ns of namespaces) Bun.spawnSync(["ip", "netns", "del", ns]);
  testbed = scratch = undefined;
  hosts = [];
  namespaces = [];
});

function ip(...args: string[]): string {
  const r = Bun.spawnSync(["ip", ...args], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** Network namespaces for `count` nodes, their eth0s (10.99.0.1, .2, ...) joined by veth pairs to a bridge in a hub namespace. */
function nodeNamespaces(count: number): { ns: string; nodeIP: string }[] {
  const hub = `lt-fl-${tag}-hub`;
  ip("netns", "add", hub);
  namespaces.push(hub);
  ip("-n", hub, "link", "add", "br0", "type", "bridge");
  ip("-n", hub, "link", "set", "br0", "up");
  return Array.from({ length: count }, (_, i) => {
    const ns = `lt-fl-${tag}-n${i + 1}`;
    const nodeIP = `10.99.0.${i + 1}`;
    ip("netns", "add", ns);
    namespaces.unshift(ns);
    ip("-n", hub, "link", "add", `v${i}`, "type", "veth", "peer", "name", "eth0", "netns", ns);
    ip("-n", hub, "link", "set", `v${i}`, "master", "br0", "up");
    ip("-n", ns, "addr", "add", `${nodeIP}/24`, "dev", "eth0");
    ip("-n", ns, "link", "set", "eth0", "up");
    return { ns, nodeIP };
  });
}

interface FlannelNodeHalf { name: string; host: PluginHost; ns: string; nodeIP: string; cniConfDir: string; procSys: string; conflist: string }

async function startFlannel(opts: { clusterCIDR: string; nodeName: string; config?: Record<string, unknown>; authorize?: Authorizer; moreNodes?: string[] }) {
  testbed = await startControllerTestbed([], opts.authorize ? { authorize: opts.authorize } : {});
  scratch = mkdtempSync(`${tmpdir()}/lite-flannel-`);
  const manager = testbed.manager;
  const services = new Map<string, (id: string) => unknown>([
    [coreServices.apiClient.id, (id) => manager.forPlugin(id).apiClient],
    [coreServices.informers.id, (id) => manager.forPlugin(id).informers],
    [coreServices.controllers.id, (id) => manager.forPlugin(id).controllers],
  ]);
  const cluster = { ...CLUSTER, clusterCIDR: opts.clusterCIDR };
  const pluginConfig = { flannel: opts.config ?? {} };
  const serverPlan = await resolvePlugins({ embedded: [sourceOf(createFlannelPlugin())], external: [], disable: new Set(), pluginConfig });
  const server = new PluginHost({ role: "server", plan: serverPlan, log: quietLog, cluster, stateRoot: `${scratch}/server`, services, stopTimeoutMs: 2000 });
  hosts.push(server);
  await server.start();

  const names = [opts.nodeName, ...(opts.moreNodes ?? [])];
  const nets = nodeNamespaces(names.length);
  const nodes: FlannelNodeHalf[] = [];
  for (const [i, name] of names.entries()) {
    const dir = `${scratch}/${name}`;
    const procSys = `${dir}/proc-sys`;
    mkdirSync(`${procSys}/net/ipv4`, { recursive: true });
    writeFileSync(`${procSys}/net/ipv4/ip_forward`, "0");
    const { ns, nodeIP } = nets[i]!;
    const plugin = createFlannelPlugin({ procSys, runner: createCommandRunner({ netns: ns }), resyncMs: 500 });
    const plan = await resolvePlugins({ embedded: [sourceOf(plugin)], external: [], disable: new Set(), pluginConfig });
    const cniConfDir = `${dir}/agent/etc/cni/net.d`;
    const host = new PluginHost({ role: "node", plan, log: quietLog, cluster, node: { nodeName: name, nodeIP, cniConfDir }, stateRoot: `${dir}/agent`, services, stopTimeoutMs: 2000 });
    hosts.push(host);
    await host.start();
    nodes.push({ name, host, ns, nodeIP, cniConfDir, procSys, conflist: `${cniConfDir}/10-flannel.conflist` });
  }
  const status = (host: PluginHost) => host.statuses().find((s) => s.id === "flannel")!;
  const n = nodes[0]!;
  return { client: testbed.client, server, node: n.host, nodes, status, cniConfDir: n.cniConfDir, procSys: n.procSys, conflist: n.conflist, ns: n.ns };
}

const createNode = (client: ApiClient, name: string) => client.create(builtinResources.nodes, { apiVersion: "v1", kind: "Node", metadata: { name } });
const podCIDR = async (client: ApiClient, name: string) => {
  const n = await client.get<Node>({ ...builtinResources.nodes, name });
  return n.spec?.podCIDR && n.spec.podCIDRs?.[0] === n.spec.podCIDR ? n.spec.podCIDR : undefined;
};
const annotations = async (client: ApiClient, name: string) => (await client.get<Node>({ ...builtinResources.nodes, name })).metadata.annotations ?? {};
const routes = (ns: string) => JSON.parse(ip("-n", ns, "-j", "-4", "route", "show", "proto", "108") || "[]") as { dst: string; gateway: string; dev: string; flags: string[] }[];

describe.skipIf(process.getuid?.() !== 0)("flannel plugin", () => {
  test("assigns /24s, reports exhaustion with upstream's Event, reuses a deleted node's CIDR; the node half writes its conflist", async () => {
    const f = await startFlannel({ clusterCIDR: "10.42.0.0/23", nodeName: "n3" });
    expect(f.status(f.node)).toMatchObject({ state: "Running", message: "waiting for node n3 to get a pod CIDR", details: { ready: false, ipForward: true } });
    expect(readFileSync(`${f.procSys}/net/ipv4/ip_forward`, "utf8")).toBe("1");

    await createNode(f.client, "n1");
    expect(await eventually(() => podCIDR(f.client, "n1"))).toBe("10.42.0.0/24");
    await createNode(f.client, "n2");
    expect(await eventually(() => podCIDR(f.client, "n2"))).toBe("10.42.1.0/24");
    await eventually(() => f.status(f.server).message === "/24 pod CIDRs from 10.42.0.0/23: 2 of 2 assigned");

    // No subnet left for n3: an Event on it, the server half Degraded, the node half still waiting.
    await createNode(f.client, "n3");
    const event = await eventually(async () => {
      const events = await f.client.list({ ...builtinResources.events }, { fieldSelector: "involvedObject.name=n3" });
      return events.items.find((e) => e.reason === "CIDRNotAvailable");
    });
    expect(event).toMatchObject({ type: "Normal", message: "Node n3 status is now: CIDRNotAvailable", involvedObject: { kind: "Node", name: "n3" } });
    await eventually(() => f.status(f.server).state === "Degraded");
    expect(f.status(f.server).message).toContain("CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range");
    expect(f.status(f.server).message).toContain("nodes waiting: n3");
    expect(await podCIDR(f.client, "n3")).toBeUndefined();
    expect(existsSync(f.conflist)).toBe(false);
    // Updates of other Nodes free nothing, so they do not retry n3 (no new Event, no count++).
    for (let i = 0; i < 5; i++) await f.client.patch({ ...builtinResources.nodes, name: "n2" }, "merge", { metadata: { labels: { beat: String(i) } } });
    await Bun.sleep(300);
    const after = (await f.client.list({ ...builtinResources.events }, { fieldSelector: "involvedObject.name=n3" })).items.filter((e) => e.reason === "CIDRNotAvailable");
    expect(after.map((e) => (e as KubeObject & { count?: number }).count)).toEqual([1]);

    // n1 goes: its subnet is free again and n3 gets it at once; the node half writes the file.
    await f.client.delete({ ...builtinResources.nodes, name: "n1" });
    expect(await eventually(() => podCIDR(f.client, "n3"))).toBe("10.42.0.0/24");
    await eventually(() => f.status(f.server).state === "Running");
    await eventually(() => f.status(f.node).details?.ready === true);
    const conflist = JSON.parse(readFileSync(f.conflist, "utf8"));
    expect(conflist.plugins[0]).toMatchObject({ type: "bridge", bridge: "cni0", mtu: 1450, ipam: { ranges: [[{ subnet: "10.42.0.0/24" }]], routes: [{ dst: "10.42.0.0/23" }] } });
    expect(f.status(f.node)).toMatchObject({
      state: "Running", message: "pod network ready: 10.42.0.0/24 on bridge cni0",
      details: { ready: true, backend: "vxlan", podCIDR: "10.42.0.0/24", interface: "eth0", publicIP: "10.99.0.1", mtu: 1450, peers: 0 },
    });
    // The backend came first: flannel.1 with the subnet's address, its MAC published on the Node, the masquerade table.
    expect(ip("-n", f.ns, "-4", "addr", "show", "dev", "flannel.1")).toContain("inet 10.42.0.0/32");
    const mac = JSON.parse(ip("-n", f.ns, "-j", "link", "show", "flannel.1"))[0].address;
    expect(await annotations(f.client, "n3")).toEqual({
      "flannel.alpha.coreos.com/backend-data": `{"VNI":1,"VtepMAC":"${mac}"}`,
      "flannel.alpha.coreos.com/backend-type": "vxlan",
      "flannel.alpha.coreos.com/kube-subnet-manager": "true",
      "flannel.alpha.coreos.com/public-ip": "10.99.0.1",
    });
    expect(Bun.spawnSync(["ip", "netns", "exec", f.ns, "nft", "list", "table", "ip", "lite-flannel"]).stdout.toString()).toContain("ip saddr 10.42.0.0/23 ip daddr != 224.0.0.0/4 masquerade fully-random");

    // Assignments are stable: n2 keeps its CIDR; stopping the node half leaves the file and the device.
    expect(await podCIDR(f.client, "n2")).toBe("10.42.1.0/24");
    await f.node.stop();
    expect(existsSync(f.conflist)).toBe(true);
    expect(ip("-n", f.ns, "link", "show", "flannel.1")).toContain("flannel.1");
  });

  test("vxlan between two node halves: each programs the other from its Node annotations; a deleted Node's route, neighbour and FDB entry go", async () => {
    const f = await startFlannel({ clusterCIDR: "10.42.0.0/16", nodeName: "a", moreNodes: ["b"] });
    const [a, b] = f.nodes as [FlannelNodeHalf, FlannelNodeHalf];
    await createNode(f.client, "a");
    await createNode(f.client, "b");
    await eventually(() => f.status(a.host).details?.peers === 1 && f.status(b.host).details?.peers === 1);
    const cidrA = (await podCIDR(f.client, "a"))!;
    const cidrB = (await podCIDR(f.client, "b"))!;
    const macB = JSON.parse((await annotations(f.client, "b"))["flannel.alpha.coreos.com/backend-data"]!).VtepMAC;
    expect(routes(a.ns)).toEqual([{ dst: cidrB, gateway: cidrB.replace("/24", ""), dev: "flannel.1", flags: ["onlink"] }]);
    expect(routes(b.ns).map((r) => r.dst)).toEqual([cidrA]);
    expect(ip("-n", a.ns, "neigh", "show", "dev", "flannel.1")).toContain(`${cidrB.replace("/24", "")} lladdr ${macB} PERMANENT`);
    expect(Bun.spawnSync(["bridge", "-n", a.ns, "fdb", "show", "dev", "flannel.1"]).stdout.toString()).toContain(`${macB} dst 10.99.0.2 self permanent`);

    // Drift is repaired by the periodic resync.
    ip("-n", a.ns, "route", "del", cidrB);
    await eventually(() => routes(a.ns).length === 1);

    await f.client.delete({ ...builtinResources.nodes, name: "b" });
    await eventually(() => routes(a.ns).length === 0 && f.status(a.host).details?.peers === 0);
    expect(ip("-n", a.ns, "neigh", "show", "dev", "flannel.1")).not.toContain(macB);
    expect(Bun.spawnSync(["bridge", "-n", a.ns, "fdb", "show", "dev", "flannel.1"]).stdout.toString()).not.toContain(macB);
  });

  test("host-gw between two node halves: direct routes via the node IPs, backend-data null", async () => {
    const f = await startFlannel({ clusterCIDR: "10.42.0.0/16", nodeName: "a", moreNodes: ["b"], config: { backend: "host-gw" } });
    const [a, b] = f.nodes as [FlannelNodeHalf, FlannelNodeHalf];
    await createNode(f.client, "a");
    await createNode(f.client, "b");
    await eventually(() => f.status(a.host).details?.peers === 1 && f.status(b.host).details?.peers === 1);
    expect(routes(a.ns)).toEqual([{ dst: (await podCIDR(f.client, "b"))!, gateway: "10.99.0.2", dev: "eth0", flags: [] }]);
    expect(await annotations(f.client, "a")).toMatchObject({ "flannel.alpha.coreos.com/backend-type": "host-gw", "flannel.alpha.coreos.com/backend-data": "null", "flannel.alpha.coreos.com/public-ip": "10.99.0.1" });
    expect(JSON.parse(readFileSync(a.conflist, "utf8")).plugins[0].mtu).toBe(1500);
    expect(Bun.spawnSync(["ip", "-n", a.ns, "link", "show", "flannel.1"]).exitCode).not.toBe(0);
  });

  test("a --flannel-iface that does not exist: Degraded, naming it; no conflist, so the node never turns Ready", async () => {
    const f = await startFlannel({ clusterCIDR: "10.42.0.0/16", nodeName: "a", config: { iface: "eth9" } });
    await createNode(f.client, "a");
    await eventually(() => f.status(f.node).state === "Degraded");
    expect(f.status(f.node)).toMatchObject({
      state: "Degraded", message: "finding the flannel interface: flannel interface eth9 does not exist (--flannel-iface)", details: { ready: false },
    });
    expect(existsSync(f.conflist)).toBe(false);
  });

  test("existing assignments (as after a restart) are kept and skipped; the bridge name is configurable", async () => {
    const f = await startFlannel({ clusterCIDR: "10.42.0.0/16", nodeName: "a", config: { bridge: "br-pods" } });
    await f.client.create(builtinResources.nodes, { apiVersion: "v1", kind: "Node", metadata: { name: "pre" }, spec: { podCIDR: "10.42.0.0/24", podCIDRs: ["10.42.0.0/24"] } });
    await createNode(f.client, "a");
    expect(await eventually(() => podCIDR(f.client, "a"))).toBe("10.42.1.0/24");
    expect(await podCIDR(f.client, "pre")).toBe("10.42.0.0/24");
    await eventually(() => existsSync(f.conflist));
    expect(JSON.parse(readFileSync(f.conflist, "utf8")).plugins[0].bridge).toBe("br-pods");
  });

  test("a refused write makes the server half Degraded with the API's words; the first /24 is still the one assigned", async () => {
    let allowPatch = false;
    const f = await startFlannel({
      clusterCIDR: "10.42.0.0/16", nodeName: "a",
      authorize: (user, attrs) => user.username === "system:lite-plugin:flannel" && attrs.verb === "patch" && !allowPatch
        ? { allowed: false, reason: "" } : { allowed: true },
    });
    expect(f.status(f.server)).toMatchObject({ state: "Running", message: "assigning /24 pod CIDRs from 10.42.0.0/16" });
    await createNode(f.client, "a");
    await eventually(() => f.status(f.server).state === "Degraded");
    expect(f.status(f.server).message).toContain('cannot assign pod CIDRs (/24 pod CIDRs from 10.42.0.0/16: 0 of 256 assigned): a: nodes "a" is forbidden: User "system:lite-plugin:flannel" cannot patch resource "nodes"');
    await Bun.sleep(50); // a few retries, each looking at 10.42.0.0/24
    allowPatch = true;
    await f.client.patch({ ...builtinResources.nodes, name: "a" }, "merge", { metadata: { labels: { nudge: "1" } } }); // retry now
    expect(await eventually(() => podCIDR(f.client, "a"))).toBe("10.42.0.0/24");
    await eventually(() => f.status(f.server).state === "Running");
  });

  test("backend none assigns nothing, writes nothing and is ready at once", async () => {
    const f = await startFlannel({ clusterCIDR: "10.42.0.0/16", nodeName: "a", config: { backend: "none" } });
    expect(f.status(f.server)).toMatchObject({ state: "Running", critical: false });
    expect(f.status(f.node)).toMatchObject({ state: "Running", details: { backend: "none", ready: true } });
    await createNode(f.client, "a");
    await Bun.sleep(100);
    expect(await podCIDR(f.client, "a")).toBeUndefined();
    expect(existsSync(f.cniConfDir)).toBe(false);
    expect(readFileSync(`${f.procSys}/net/ipv4/ip_forward`, "utf8")).toBe("0");
    expect(Bun.spawnSync(["ip", "-n", f.ns, "link", "show", "flannel.1"]).exitCode).not.toBe(0);
    expect(Bun.spawnSync(["ip", "netns", "exec", f.ns, "nft", "list", "tables"]).stdout.toString()).toBe("");
  });

  test("a cluster CIDR smaller than one node subnet fails the (critical) plugin with a clear error", async () => {
    const f = await startFlannel({ clusterCIDR: "10.42.0.0/30", nodeName: "a" });
    expect(f.status(f.server)).toMatchObject({ state: "Failed", critical: true, lastError: "node CIDR mask size /24 must be between the cluster CIDR's /30 and /32" });
  });
});
