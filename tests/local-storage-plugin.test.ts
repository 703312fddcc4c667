/**
 * The local-storage plugin's two halves run by the real plugin host against an in-process API server
 * with the core's PV controllers (binder, pvc/pv protection), as `lite server` wires them. The
 * scheduler's part (setting `volume.kubernetes.io/selected-node`) is done by hand. Every API call the
 * plugin makes is checked against its bootstrap ClusterRole (lite:plugin:local-storage).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinResources, coreServices, isNotFound, type KubeObject } from "@lite/sdk";
import type { Authorizer } from "../core/apiserver/authz/types.ts";
import { ruleAllows } from "../core/auth/authz/rbac/rule-match.ts";
import { clusterRoles } from "../core/auth/authz/bootstrap/cluster-roles.ts";
import { persistentVolumeBinderController } from "../core/controllers/persistentvolume/binder-controller.ts";
import { pvcProtectionController, pvProtectionController } from "../core/controllers/persistentvolume/protection-controllers.ts";
import { startControllerTestbed, type ControllerTestbed } from "../core/controllers/testing/controllers.ts";
import { eventually, quietLog } from "../core/controllers/testing/in-process.ts";
import { removeDisabledPluginObjects } from "../core/host/disabled-plugin-objects.ts";
import { PluginHost } from "../core/host/plugin-host.ts";
import { resolvePlugins } from "../core/host/resolve-plugins.ts";
import { CLUSTER, sourceOf } from "../core/host/test-support.ts";
import localStorage from "../plugins/local-storage/index.ts";

const PVS = builtinResources.persistentVolumes;
const PVCS = builtinResources.persistentVolumeClaims;
const CLASSES = { group: "storage.k8s.io", version: "v1", resource: "storageclasses" } as const;
type Obj = KubeObject & { spec?: any; status?: any; provisioner?: string; reclaimPolicy?: string; volumeBindingMode?: string; reason?: string; message?: string; involvedObject?: { name?: string } };

const PLUGIN_USER = "system:lite-plugin:local-storage";
const role = clusterRoles().find((r) => r.name === "lite:plugin:local-storage")!;
const denied: string[] = [];
const authorize: Authorizer = (user, attrs) => {
  if (user.username !== PLUGIN_USER) return { allowed: true };
  if (role.rules.some((r) => ruleAllows(attrs, r))) return { allowed: true };
  denied.push(`${attrs.verb} ${attrs.apiGroup}/${attrs.resource}`);
  return { allowed: false, reason: "not in lite:plugin:local-storage" };
};

let testbed: ControllerTestbed | undefined;
let hosts: PluginHost[] = [];
let scratch: string | undefined;
afterEach(async () => {
  for (const h of hosts.reverse()) await h.stop();
  await testbed?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  testbed = scratch = undefined;
  hosts = [];
  denied.length = 0;
});

async function start() {
  testbed = await startControllerTestbed([persistentVolumeBinderController({ resyncMs: 1000 }), pvcProtectionController(), pvProtectionController()], { authorize });
  scratch = mkdtempSync(`${tmpdir()}/lite-local-storage-`);
  const manager = testbed.manager;
  const services = new Map<string, (id: string) => unknown>([
    [coreServices.apiClient.id, (id) => manager.forPlugin(id).apiClient],
    [coreServices.informers.id, (id) => manager.forPlugin(id).informers],
    [coreServices.controllers.id, (id) => manager.forPlugin(id).controllers],
  ]);
  const path = `${scratch}/storage`;
  const plan = await resolvePlugins({ embedded: [sourceOf(localStorage)], external: [], disable: new Set(), pluginConfig: {}, configDefaults: { "local-storage": { path } } });
  const server = new PluginHost({ role: "server", plan, log: quietLog, cluster: CLUSTER, stateRoot: `${scratch}/server`, services, stopTimeoutMs: 2000 });
  const node = new PluginHost({ role: "node", plan, log: quietLog, cluster: CLUSTER, node: { nodeName: "node-1", cniConfDir: `${scratch}/cni` }, stateRoot: `${scratch}/agent`, services, stopTimeoutMs: 2000 });
  hosts.push(server, node);
  await testbed.client.create(builtinResources.nodes, { metadata: { name: "node-1", labels: { "kubernetes.io/hostname": "node-1" } } });
  await server.start();
  await node.start();
  return { client: testbed.client, server, node, path };
}

const getPV = (name: string) => testbed!.client.get<Obj>({ ...PVS, name });
const getPVC = (name: string) => testbed!.client.get<Obj>({ ...PVCS, namespace: "default", name });
const gone = (p: Promise<unknown>) => p.then(() => false, (e) => (isNotFound(e) ? true : Promise.reject(e)));
async function reasons(name: string): Promise<string[]> {
  const evs = (await testbed!.client.list<Obj>({ ...builtinResources.events, namespace: "default" })).items;
  return evs.filter((e) => e.involvedObject?.name === name).map((e) => e.reason!);
}
const claim = (name: string, cls?: string) => ({
  apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "default" },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "128Mi" } }, ...(cls ? { storageClassName: cls } : {}) },
});
/** What the scheduler's VolumeBinding PreBind does for a WaitForFirstConsumer claim. */
const selectNode = (name: string, node = "node-1") =>
  testbed!.client.patch({ ...PVCS, namespace: "default", name }, "merge", { metadata: { annotations: { "volume.kubernetes.io/selected-node": node } } });

describe("local-storage plugin", () => {
  test("creates the default StorageClass local-path as K3s ships it, and reports Running on both halves", async () => {
    const { client, server, node, path } = await start();
    const sc = await eventually(() => client.get<Obj>({ ...CLASSES, name: "local-path" }).catch(() => undefined), 5000, "StorageClass");
    expect(sc.provisioner).toBe("rancher.io/local-path");
    expect(sc.reclaimPolicy).toBe("Delete");
    expect(sc.volumeBindingMode).toBe("WaitForFirstConsumer");
    expect(sc.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"]).toBe("true");
    expect(sc.metadata.labels?.["lite.io/plugin"]).toBe("local-storage");
    await eventually(() => server.statuses()[0]!.state === "Running", 5000, "server half Running");
    expect(server.statuses()[0]!.message).toBe(`provisioning rancher.io/local-path volumes under ${path}`);
    expect(node.statuses()[0]!.state).toBe("Running");
    expect(denied).toEqual([]);
  });

  test("a claim without a class is provisioned on the selected node, bound, and its directory removed when it is deleted", async () => {
    const { client, path } = await start();
    await eventually(() => client.get<Obj>({ ...CLASSES, name: "local-path" }).catch(() => undefined), 5000, "StorageClass");
    await client.create({ ...PVCS, namespace: "default" }, claim("data"));
    await eventually(async () => (await reasons("data")).includes("WaitForFirstConsumer"), 5000, "waiting for a consumer");
    expect((await getPVC("data")).spec.storageClassName).toBe("local-path");
    await Bun.sleep(200);
    expect((await client.list(PVS)).items).toHaveLength(0);

    await selectNode("data");
    const bound = await eventually(async () => { const c = await getPVC("data"); return c.status?.phase === "Bound" ? c : undefined; }, 5000, "claim Bound");
    const uid = bound.metadata.uid!;
    expect(bound.spec.volumeName).toBe(`pvc-${uid}`);
    expect(bound.metadata.annotations?.["volume.kubernetes.io/storage-provisioner"]).toBe("rancher.io/local-path");
    const pv = await getPV(`pvc-${uid}`);
    const dir = `${path}/pvc-${uid}_default_data`;
    expect(pv.metadata.annotations).toMatchObject({ "pv.kubernetes.io/provisioned-by": "rancher.io/local-path", "local.path.provisioner/selected-node": "node-1" });
    expect(pv.spec).toMatchObject({
      capacity: { storage: "128Mi" }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Delete", storageClassName: "local-path",
      volumeMode: "Filesystem", hostPath: { path: dir, type: "DirectoryOrCreate" },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node-1"] }] }] } },
      claimRef: { kind: "PersistentVolumeClaim", namespace: "default", name: "data", uid },
    });
    await eventually(() => existsSync(dir), 5000, "directory created by the node half");
    expect(statSync(dir).mode & 0o777).toBe(0o777);
    expect(await reasons("data")).toEqual(expect.arrayContaining(["ExternalProvisioning", "Provisioning", "ProvisioningSucceeded"]));
    writeFileSync(`${dir}/file`, "kept");

    await client.delete({ ...PVCS, namespace: "default", name: "data" });
    await eventually(() => gone(getPV(`pvc-${uid}`)), 5000, "PV deleted");
    expect(existsSync(dir)).toBe(false);
    expect(denied).toEqual([]);
  });

  test("reclaimPolicy Retain keeps the volume Released and its directory", async () => {
    const { client, path } = await start();
    await client.create(CLASSES, { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-keep" }, provisioner: "rancher.io/local-path", reclaimPolicy: "Retain", volumeBindingMode: "WaitForFirstConsumer" });
    await client.create({ ...PVCS, namespace: "default" }, claim("keep", "local-keep"));
    await eventually(async () => (await reasons("keep")).includes("WaitForFirstConsumer"), 5000, "waiting for a consumer");
    await selectNode("keep");
    const bound = await eventually(async () => { const c = await getPVC("keep"); return c.status?.phase === "Bound" ? c : undefined; }, 5000, "claim Bound");
    const name = bound.spec.volumeName as string;
    const dir = `${path}/${name}_default_keep`;
    await eventually(() => existsSync(dir), 5000, "directory");
    writeFileSync(`${dir}/file`, "kept");
    await client.delete({ ...PVCS, namespace: "default", name: "keep" });
    await eventually(async () => (await getPV(name)).status?.phase === "Released", 5000, "Released");
    await Bun.sleep(500);
    expect((await getPV(name)).status?.phase).toBe("Released");
    expect(readFileSync(`${dir}/file`, "utf8")).toBe("kept");
    expect(denied).toEqual([]);
  });

  test("a claim for a node that does not exist, or with ReadWriteMany, fails with ProvisioningFailed", async () => {
    const { client } = await start();
    await eventually(() => client.get<Obj>({ ...CLASSES, name: "local-path" }).catch(() => undefined), 5000, "StorageClass");
    await client.create({ ...PVCS, namespace: "default" }, claim("nowhere"));
    await client.create({ ...PVCS, namespace: "default" }, { ...claim("shared"), spec: { ...claim("shared").spec, accessModes: ["ReadWriteMany"] } });
    await selectNode("nowhere", "node-9");
    await selectNode("shared");
    const evs = async (name: string) => (await testbed!.client.list<Obj>({ ...builtinResources.events, namespace: "default" })).items.filter((e) => e.involvedObject?.name === name && e.reason === "ProvisioningFailed");
    expect((await eventually(async () => (await evs("nowhere"))[0], 5000, "nowhere fails")).message).toBe('failed to provision volume with StorageClass "local-path": node "node-9" not found');
    expect((await eventually(async () => (await evs("shared"))[0], 5000, "RWX fails")).message).toContain("NodePath only supports ReadWriteOnce and ReadWriteOncePod");
    expect((await client.list(PVS)).items).toHaveLength(0);
  });

  test("--disable=local-storage: the module is not loaded, the admin status says Disabled, and the StorageClass it created is removed", async () => {
    const { client } = await start();
    await eventually(() => client.get<Obj>({ ...CLASSES, name: "local-path" }).catch(() => undefined), 5000, "StorageClass");
    for (const h of hosts.reverse()) await h.stop();
    hosts = [];
    let loaded = false;
    const plan = await resolvePlugins({
      embedded: [{ id: "local-storage", origin: "embedded", load: async () => { loaded = true; return localStorage; } }],
      external: [], disable: new Set(["local-storage"]), pluginConfig: {},
    });
    expect(loaded).toBe(false);
    const host = new PluginHost({ role: "server", plan, log: quietLog, cluster: CLUSTER, stateRoot: `${scratch}/server`, services: new Map() });
    expect(host.statuses()).toEqual([expect.objectContaining({ id: "local-storage", state: "Disabled", enabled: false })]);
    const removed = await removeDisabledPluginObjects(client, ["local-storage"], quietLog);
    expect(removed).toEqual([{ resource: "storageclasses.storage.k8s.io", name: "local-path", plugin: "local-storage", namespace: undefined }]);
    expect(await gone(client.get({ ...CLASSES, name: "local-path" }))).toBe(true);
  });
});
