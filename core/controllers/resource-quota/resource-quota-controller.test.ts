import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ApiStatusError, builtinResources, type KubeObject } from "@lite/sdk";
import { eventually } from "../testing/in-process.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { resourceQuotaController } from "./resource-quota-controller.ts";

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([resourceQuotaController()]); });
afterAll(async () => { await t.close(); });

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;
const quotas = (ns: string) => ({ group: "", version: "v1", resource: "resourcequotas", namespace: ns });
const podBody = (name: string, cpu?: string) => ({ metadata: { name }, spec: { containers: [{ name: "c", image: "nginx", ...(cpu ? { resources: { requests: { cpu, memory: "64Mi" }, limits: { cpu, memory: "64Mi" } } } : {}) }] } });
async function ns(name: string) { await t.client.create(builtinResources.namespaces, { metadata: { name } }); }
const used = async (n: string, q: string) => (await t.client.get<KubeObject & Json>({ ...quotas(n), name: q })).status?.used;

describe("resource quota", () => {
  test("[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a pod. [Conformance]", async () => {
    await ns("rq-pods");
    await t.client.create(quotas("rq-pods"), { metadata: { name: "q" }, spec: { hard: { pods: "2", "requests.cpu": "1", "limits.memory": "1Gi", "count/configmaps": "5" } } });
    await eventually(async () => (await used("rq-pods", "q"))?.pods === "0", 3000, "status computed");
    await t.client.create({ ...builtinResources.pods, namespace: "rq-pods" }, podBody("a", "250m"));
    await t.client.create({ ...builtinResources.pods, namespace: "rq-pods" }, podBody("b", "250m"));
    expect(await used("rq-pods", "q")).toEqual({ pods: "2", "requests.cpu": "500m", "limits.memory": "128Mi", "count/configmaps": "0" });
    const err = await t.client.create({ ...builtinResources.pods, namespace: "rq-pods" }, podBody("c", "100m")).catch((e) => e);
    expect(err).toBeInstanceOf(ApiStatusError);
    expect(err.code).toBe(403);
    expect(err.message).toBe('pods "c" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
    // Deleting a pod (no node: at once) releases its share.
    await t.client.delete({ ...builtinResources.pods, namespace: "rq-pods", name: "a" });
    await eventually(async () => (await used("rq-pods", "q"))?.pods === "1", 3000, "released");
    expect((await used("rq-pods", "q"))["requests.cpu"]).toBe("250m");
    const cpu = await t.client.create({ ...builtinResources.pods, namespace: "rq-pods" }, podBody("big", "900m")).catch((e) => e);
    expect(cpu.message).toBe('pods "big" is forbidden: exceeded quota: q, requested: requests.cpu=900m, used: requests.cpu=250m, limited: requests.cpu=1');
  });

  test("[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a configMap. [Conformance] (and services, secrets)", async () => {
    await ns("rq-objs");
    await t.client.create(quotas("rq-objs"), { metadata: { name: "objs" }, spec: { hard: { configmaps: "1", services: "1", secrets: "3", "services.nodeports": "0" } } });
    await eventually(async () => (await used("rq-objs", "objs"))?.configmaps === "0", 3000, "status computed");
    await t.client.create({ ...builtinResources.configMaps, namespace: "rq-objs" }, { metadata: { name: "one" } });
    const second = await t.client.create({ ...builtinResources.configMaps, namespace: "rq-objs" }, { metadata: { name: "two" } }).catch((e) => e);
    expect(second.message).toBe('configmaps "two" is forbidden: exceeded quota: objs, requested: configmaps=1, used: configmaps=1, limited: configmaps=1');
    const np = await t.client.create({ ...builtinResources.services, namespace: "rq-objs" }, { metadata: { name: "np" }, spec: { type: "NodePort", ports: [{ port: 80 }] } }).catch((e) => e);
    expect(np.message).toBe('services "np" is forbidden: exceeded quota: objs, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0');
    await t.client.delete({ ...builtinResources.configMaps, namespace: "rq-objs", name: "one" });
    await eventually(async () => (await used("rq-objs", "objs"))?.configmaps === "0", 3000, "released");
    await t.client.create({ ...builtinResources.configMaps, namespace: "rq-objs" }, { metadata: { name: "two" } });
  });

  test("deleting an object counted by count/<resource>.<group> releases it at once", async () => {
    await ns("rq-rs");
    await t.client.create(quotas("rq-rs"), { metadata: { name: "rs" }, spec: { hard: { "count/replicasets.apps": "5" } } });
    await eventually(async () => (await used("rq-rs", "rs"))?.["count/replicasets.apps"] === "0", 3000, "status computed");
    const rs = { group: "apps", version: "v1", resource: "replicasets", namespace: "rq-rs" };
    await t.client.create(rs, { metadata: { name: "a" }, spec: { replicas: 0, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } });
    await eventually(async () => (await used("rq-rs", "rs"))?.["count/replicasets.apps"] === "1", 3000, "charged");
    await t.client.delete({ ...rs, name: "a" });
    await eventually(async () => (await used("rq-rs", "rs"))?.["count/replicasets.apps"] === "0", 3000, "released");
  });

  test("a status.hard written by someone else is put back to spec.hard", async () => {
    await ns("rq-hard");
    await t.client.create(quotas("rq-hard"), { metadata: { name: "h" }, spec: { hard: { cpu: "1", memory: "1Gi" } } });
    await eventually(async () => (await t.client.get<KubeObject & Json>({ ...quotas("rq-hard"), name: "h" })).status?.hard?.cpu === "1", 3000, "status computed");
    const patched = await t.client.patch<KubeObject & Json>({ ...quotas("rq-hard"), name: "h" }, "merge", { status: { hard: { cpu: "2", memory: "2Gi" } } }, { subresource: "status" });
    expect(patched.status.hard).toEqual({ cpu: "2", memory: "2Gi" });
    await eventually(async () => {
      const q = await t.client.get<KubeObject & Json>({ ...quotas("rq-hard"), name: "h" });
      return q.status?.hard?.cpu === "1" && q.status?.hard?.memory === "1Gi";
    }, 3000, "status.hard reset");
  });

  test("a quota whose status is not computed yet refuses as upstream (status unknown)", async () => {
    await ns("rq-new");
    await t.manager.stop();
    await t.client.create(quotas("rq-new"), { metadata: { name: "fresh" }, spec: { hard: { secrets: "1" } } });
    const err = await t.client.create({ ...builtinResources.secrets, namespace: "rq-new" }, { metadata: { name: "s" } }).catch((e) => e);
    expect(err.message).toBe('secrets "s" is forbidden: status unknown for quota: fresh, resources: secrets');
  });
});
