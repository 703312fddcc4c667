/**
 * The servicelb plugin's two halves run by the real plugin host against an in-process API server:
 * LoadBalancer Services get the Ready nodes' InternalIPs with K3s' Events, a port held by an older
 * Service or by a process on the node leaves the node out (PortInUse), and a Service that stops
 * being a LoadBalancer loses its addresses.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinResources, coreServices, type ApiClient, type KubeObject } from "@lite/sdk";
import { startControllerTestbed, type ControllerTestbed } from "../core/controllers/testing/controllers.ts";
import { eventually, quietLog } from "../core/controllers/testing/in-process.ts";
import { PluginHost } from "../core/host/plugin-host.ts";
import { resolvePlugins } from "../core/host/resolve-plugins.ts";
import { CLUSTER, sourceOf } from "../core/host/test-support.ts";
import servicelb from "../plugins/servicelb/index.ts";

let testbed: ControllerTestbed | undefined;
let hosts: PluginHost[] = [];
let scratch: string | undefined;
let listener: { port: number; stop(force?: boolean): void } | undefined;
afterEach(async () => {
  listener?.stop(true);
  for (const h of hosts.reverse()) await h.stop();
  await testbed?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  testbed = scratch = listener = undefined;
  hosts = [];
});

async function start() {
  testbed = await startControllerTestbed([]);
  scratch = mkdtempSync(`${tmpdir()}/lite-servicelb-`);
  const manager = testbed.manager;
  const services = new Map<string, (id: string) => unknown>([
    [coreServices.apiClient.id, (id) => manager.forPlugin(id).apiClient],
    [coreServices.informers.id, (id) => manager.forPlugin(id).informers],
    [coreServices.controllers.id, (id) => manager.forPlugin(id).controllers],
  ]);
  const plan = await resolvePlugins({ embedded: [sourceOf(servicelb)], external: [], disable: new Set(), pluginConfig: { servicelb: { portCheckIntervalMs: 100 } } });
  const server = new PluginHost({ role: "server", plan, log: quietLog, cluster: CLUSTER, stateRoot: `${scratch}/server`, services, stopTimeoutMs: 2000 });
  const node = new PluginHost({ role: "node", plan, log: quietLog, cluster: CLUSTER, node: { nodeName: "n1", nodeIP: "127.0.0.1", cniConfDir: `${scratch}/cni` }, stateRoot: `${scratch}/agent`, services, stopTimeoutMs: 2000 });
  hosts.push(server, node);
  await server.start();
  await node.start();
  return { client: testbed.client, server, node };
}

async function createNode(client: ApiClient, name: string, ip: string) {
  const created = await client.create(builtinResources.nodes, { apiVersion: "v1", kind: "Node", metadata: { name } });
  await client.updateStatus(builtinResources.nodes, { ...created, status: { addresses: [{ type: "InternalIP", address: ip }], conditions: [{ type: "Ready", status: "True" }] } } as KubeObject);
}
const lbService = (name: string, port: number) => ({
  apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" },
  spec: { type: "LoadBalancer", selector: { app: name }, ports: [{ port, protocol: "TCP", targetPort: 8080 }] },
}) as KubeObject;
const ingress = async (client: ApiClient, name: string) =>
  ((await client.get<KubeObject & { status?: { loadBalancer?: { ingress?: { ip: string }[] } } }>({ ...builtinResources.services, namespace: "default", name })).status?.loadBalancer?.ingress ?? []).map((i) => i.ip);
const events = async (client: ApiClient, name: string) =>
  (await client.list({ ...builtinResources.events, namespace: "default" }, { fieldSelector: `involvedObject.name=${name}` })).items as (KubeObject & { reason: string; type: string; message: string })[];

test("LoadBalancer Services get the nodes' IPs; taken ports leave a node out with an Event", async () => {
  const { client, server } = await start();
  await createNode(client, "n1", "127.0.0.1");
  await createNode(client, "n2", "127.0.0.2");

  await client.create({ ...builtinResources.services, namespace: "default" }, lbService("web", 18080));
  expect(await eventually(async () => (await ingress(client, "web")).length === 2 && ingress(client, "web"))).toEqual(["127.0.0.1", "127.0.0.2"]);
  const updated = await eventually(async () => (await events(client, "web")).find((e) => e.reason === "UpdatedLoadBalancer"));
  expect(updated).toMatchObject({ type: "Normal", message: "Updated LoadBalancer with new IPs: [] -> [127.0.0.1 127.0.0.2]" });
  await eventually(() => server.statuses()[0]!.message === "serving 1 LoadBalancer Service(s) on node addresses", 3000, JSON.stringify(server.statuses()));

  // A second Service on the same port: the first holds it on both nodes.
  await Bun.sleep(5); // a later creationTimestamp (second resolution: order then falls back to the name)
  await client.create({ ...builtinResources.services, namespace: "default" }, lbService("web2", 18080));
  const conflict = await eventually(async () => { const e = await events(client, "web2"); return e.filter((x) => x.reason === "PortInUse").length === 2 ? e : undefined; });
  expect(conflict.map((e) => e.message).sort()).toEqual([
    "Port 18080/TCP on node n1 is already used by LoadBalancer Service default/web; node n1 does not serve this LoadBalancer",
    "Port 18080/TCP on node n2 is already used by LoadBalancer Service default/web; node n2 does not serve this LoadBalancer",
  ]);
  expect(await ingress(client, "web2")).toEqual([]);

  // A process on n1 (the node half's node, 127.0.0.1) listens on a port: n1 is published and left out.
  const held = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  listener = held;
  await client.create({ ...builtinResources.services, namespace: "default" }, lbService("taken", held.port));
  await eventually(async () => (await client.get<KubeObject>({ ...builtinResources.nodes, name: "n1" })).metadata.annotations?.["servicelb.lite.io/ports-in-use"] === `${held.port}/TCP`);
  expect(await eventually(async () => (await ingress(client, "taken")).length === 1 && ingress(client, "taken"))).toEqual(["127.0.0.2"]);
  expect((await eventually(async () => (await events(client, "taken")).find((e) => e.reason === "PortInUse"))).message)
    .toBe(`Port ${held.port}/TCP on node n1 is already used by a process on the node; node n1 does not serve this LoadBalancer`);
  // The process goes: the annotation goes, n1 serves the Service.
  held.stop(true);
  listener = undefined;
  expect(await eventually(async () => (await ingress(client, "taken")).length === 2 && ingress(client, "taken"))).toEqual(["127.0.0.1", "127.0.0.2"]);

  // web becomes a ClusterIP Service: its addresses go, and web2 takes the port.
  const web = await client.get<KubeObject & { spec: Record<string, unknown> }>({ ...builtinResources.services, namespace: "default", name: "web" });
  await client.update({ ...builtinResources.services, namespace: "default" }, { ...web, spec: { ...web.spec, type: "ClusterIP", ports: [{ port: 18080, protocol: "TCP", targetPort: 8080 }] } });
  await eventually(async () => (await ingress(client, "web")).length === 0);
  expect(await eventually(async () => (await ingress(client, "web2")).length === 2 && ingress(client, "web2"))).toEqual(["127.0.0.1", "127.0.0.2"]);
}, 20_000);
