/**
 * The flannel plugin's two halves run by the real plugin host against an in-process API server,
 * with the core's controller services (as `lite server` wires them): pod CIDR allocation, exhaustion,
 * reuse, and the node half writing its CNI configuration once its Node has a pod CIDR.
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
import { createFlannelPlugin } from "../plugins/flannel/index.ts";

interface Node extends KubeObject { spec?: { podCIDR?: string; podCIDRs?: string[] } }

let testbed: ControllerTestbed | undefined;
let hosts: PluginHost[] = [];
let scratch: string | undefined;
afterEach(async () => {
  for (const h of hosts.reverse()) await h.stop();
  await testbed?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  testbed = scratch = undefined;
  hosts = [];
});

async function startFlannel(opts: { clusterCIDR: string; nodeName: string; config?: Record<string, unknown>; authorize?: Authorizer }) {
  testbed = await startControllerTestbed([], opts.authorize ? { authorize: opts.authorize } : {});
  scratch = mkdtempSync(`${tmpdir()}/lite-flannel-`);
  const procSys = `${scratch}/proc-sys`;
  mkdirSync(`${procSys}/net/ipv4`, { recursive: true });
  writeFileSync(`${procSys}/net/ipv4/ip_forward`, "0");
  const manager = testbed.manager;
  const services = new Map<string, (id: string) => unknown>([
    [coreServices.apiClient.id, (id) => manager.forPlugin(id).apiClient],
    [coreServices.informers.id, (id) => manager.forPlugin(id).informers],
    [coreServices.controllers.id, (id) => manager.forPlugin(id).controllers],
  ]);
  const plan = await resolvePlugins({
    embedded: [sourceOf(createFlannelPlugin({ procSys }))], external: [], disable: new Set(), pluginConfig: { flannel: opts.config ?? {} },
  });
  const cluster = { ...CLUSTER, clusterCIDR: opts.clusterCIDR };
  const cniConfDir = `${scratch}/agent/etc/cni/net.d`;
  const server = new PluginHost({ role: "server", plan, log: quietLog, cluster, stateRoot: `${scratch}/server`, services, stopTimeoutMs: 2000 });
  const node = new PluginHost({ role: "node", plan, log: quietLog, cluster, node: { nodeName: opts.nodeName, cniConfDir }, stateRoot: `${scratch}/agent`, services, stopTimeoutMs: 2000 });
  hosts.push(server, node);
  await server.start();
  await node.start();
  const status = (host: PluginHost) => host.statuses().find((s) => s.id === "flannel")!;
  return { client: testbed.client, server, node, status, cniConfDir, procSys, conflist: `${cniConfDir}/10-flannel.conflist` };
}

const createNode = (client: ApiClient, name: string) => client.create(builtinResources.nodes, { apiVersion: "v1", kind: "Node", metadata: { name } });
const podCIDR = async (client: ApiClient, name: string) => {
  const n = await client.get<Node>({ ...builtinResources.nodes, name });
  return n.spec?.podCIDR && n.spec.podCIDRs?.[0] === n.spec.podCIDR ? n.spec.podCIDR : undefined;
};

describe("flannel plugin", () => {
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

    // n1 goes: its subnet is free again and n3 gets it at once; the node half writes the file.
    await f.client.delete({ ...builtinResources.nodes, name: "n1" });
    expect(await eventually(() => podCIDR(f.client, "n3"))).toBe("10.42.0.0/24");
    await eventually(() => f.status(f.server).state === "Running");
    await eventually(() => existsSync(f.conflist));
    const conflist = JSON.parse(readFileSync(f.conflist, "utf8"));
    expect(conflist.plugins[0]).toMatchObject({ type: "bridge", bridge: "cni0", ipam: { ranges: [[{ subnet: "10.42.0.0/24" }]], routes: [{ dst: "10.42.0.0/23" }] } });
    expect(f.status(f.node)).toMatchObject({ state: "Running", message: "pod network ready: 10.42.0.0/24 on bridge cni0", details: { ready: true, podCIDR: "10.42.0.0/24" } });

    // Assignments are stable: n2 keeps its CIDR; stopping the node half leaves the file.
    expect(await podCIDR(f.client, "n2")).toBe("10.42.1.0/24");
    await f.node.stop();
    expect(existsSync(f.conflist)).toBe(true);
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
  });

  test("a cluster CIDR smaller than one node subnet fails the (critical) plugin with a clear error", async () => {
    const f = await startFlannel({ clusterCIDR: "10.42.0.0/30", nodeName: "a" });
    expect(f.status(f.server)).toMatchObject({ state: "Failed", critical: true, lastError: "node CIDR mask size /24 must be between the cluster CIDR's /30 and /32" });
  });
});
