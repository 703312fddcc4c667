import { afterAll, beforeAll, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { eventually } from "../testing/in-process.ts";
import { startControllerTestbed, type ControllerTestbed } from "../testing/controllers.ts";
import { endpointsController } from "./endpoints-controller.ts";

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([endpointsController()]); });
afterAll(async () => { await t.close(); });

const epT = { ...builtinResources.endpoints, namespace: "default" };

test("an Endpoints object without a Service survives updates and patches (upstream's Endpoint lifecycle conformance test)", async () => {
  await t.client.create(epT, {
    metadata: { name: "testservice", labels: { "test-endpoint-static": "true" } },
    subsets: [{ addresses: [{ ip: "10.0.0.24" }], ports: [{ name: "http", port: 80, protocol: "TCP" }] }],
  } as KubeObject);
  const current = await t.client.get({ ...epT, name: "testservice" });
  await t.client.update(epT, { ...current, metadata: { ...current.metadata, labels: { ...current.metadata.labels, "test-service": "updated" } } });
  await t.client.patch({ ...epT, name: "testservice" }, "merge", { metadata: { labels: { "test-service": "patched" } } });
  await Bun.sleep(300);
  const after = await t.client.get({ ...epT, name: "testservice" });
  expect(after.metadata.labels?.["test-service"]).toBe("patched");
});

test("a Service's Endpoints deleted by hand come back", async () => {
  await t.client.create({ ...builtinResources.services, namespace: "default" }, { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } } as KubeObject);
  await eventually(async () => t.client.get({ ...epT, name: "web" }).catch(() => undefined), 3000, "endpoints");
  await t.client.delete({ ...epT, name: "web" });
  await eventually(async () => t.client.get({ ...epT, name: "web" }).catch(() => undefined), 3000, "endpoints recreated");
});
