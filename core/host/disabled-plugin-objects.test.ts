import { afterEach, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { quietLog, startTestCluster, type TestCluster } from "../controllers/testing/in-process.ts";
import { PLUGIN_OWNER_LABEL, removeDisabledPluginObjects } from "./disabled-plugin-objects.ts";

let cluster: TestCluster | undefined;
afterEach(async () => { await cluster?.close(); cluster = undefined; });

const ingressClasses = { group: "networking.k8s.io", version: "v1", resource: "ingressclasses" };

test("removes the objects labelled with a disabled plugin's id, cluster-scoped and namespaced, and nothing else", async () => {
  cluster = await startTestCluster();
  const { client } = cluster;
  const labelled = (plugin: string) => ({ [PLUGIN_OWNER_LABEL]: plugin });
  await client.create(ingressClasses, { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "traefik", labels: labelled("traefik") }, spec: { controller: "traefik.io/ingress-controller" } } as KubeObject);
  await client.create(ingressClasses, { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "mine" }, spec: { controller: "example.com/ingress" } } as KubeObject);
  await client.create({ ...builtinResources.configMaps, namespace: "kube-system" }, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "traefik-cfg", namespace: "kube-system", labels: labelled("traefik") } });
  await client.create({ ...builtinResources.configMaps, namespace: "kube-system" }, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dns", namespace: "kube-system", labels: labelled("coredns") } });

  const removed = await removeDisabledPluginObjects(client, ["traefik"], quietLog);
  expect(removed.map((r) => `${r.resource} ${r.namespace ?? ""}/${r.name}`).sort()).toEqual(["configmaps kube-system/traefik-cfg", "ingressclasses.networking.k8s.io /traefik"]);
  expect((await client.list(ingressClasses)).items.map((i) => i.metadata.name)).toEqual(["mine"]);
  expect((await client.list({ ...builtinResources.configMaps, namespace: "kube-system" })).items.map((i) => i.metadata.name)).toContain("dns");
  expect(await removeDisabledPluginObjects(client, [], quietLog)).toEqual([]);
});
